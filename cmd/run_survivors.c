/*
 * run_survivors.c - `hpprof run`: the processes of the program that still
 * run when it exits (a daemon's children) are said, not hidden (run.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/run.h"
#include "common/log.h"
#include "common/store.h"

struct survivors { unsigned n; uint32_t pid; char comm[64]; };

static int note_survivor(void *ctx, const struct hp_process_row *p)
{
	struct survivors *sv = ctx;
	char path[64], state[256] = "";
	FILE *f;
	if (p->ppid == (uint32_t)getpid() || p->end_ns || kill((pid_t)p->pid, 0) < 0)
		return 0;                   /* the program itself, ended, or gone */
	snprintf(path, sizeof(path), "/proc/%u/stat", p->pid);
	if ((f = fopen(path, "re"))) {
		if (!fgets(state, sizeof(state), f))
			state[0] = '\0';
		fclose(f);
	}
	const char *close_paren = strrchr(state, ')');
	if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z')
		return 0;                   /* a zombie: it has ended */
	if (!sv->n++) {
		sv->pid = p->pid;
		snprintf(sv->comm, sizeof(sv->comm), "%s", p->comm ? p->comm : "?");
	}
	return 0;
}

/* A program that daemonizes exits while its children run on: they are
 * not sampled past its exit (the session ends with the program). Say so
 * instead of ending silently. */
void run_warn_survivors(struct hp_store *st)
{
	struct survivors sv = { 0 };
	store_flush(st);
	store_each_process(st, note_survivor, &sv);
	if (sv.n)
		hp_warn("the program exited while %u of its processes still run (pid %u '%s'%s):"
			" they were sampled until it exited, not after", sv.n, sv.pid, sv.comm,
			sv.n > 1 ? ", ..." : "");
}

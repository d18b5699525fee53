/*
 * run_survivors.c - `hpprof run`: processes of the program that were not
 * sampled to their end are said, not hidden (run.h): those that still run
 * when it exits (a daemon's children), and those whose exec raised their
 * privileges (the kernel removed their perf events).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd_util.h"
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

/* --- processes not sampled or not tracked --- */

struct named { uint32_t pid; char *out; size_t len; };

static int name_one(void *ctx, const struct hp_process_row *p)
{
	struct named *nm = ctx;
	char why[160];
	if (p->pid != nm->pid)
		return 0;
	cmd_setid_of(p->exe, why, sizeof(why));
	int exe = p->exe && p->exe[0];
	snprintf(nm->out, nm->len, "%s (pid %u%s%s%s)", p->comm ? p->comm : "?", p->pid,
		 exe ? ", " : "", exe ? p->exe : "", why);
	return 1;
}

/* "NAME (pid N, PATH: set-ID bit)" from pid's processes row into buf. */
static void name_process(struct hp_store *st, uint32_t pid, char *buf, size_t len)
{
	struct named nm = { pid, buf, len };
	snprintf(buf, len, "pid %u", pid);
	store_flush(st);
	store_each_process(st, name_one, &nm);
}

void run_unseen_facts(struct hp_store *st, const struct hp_session_result *r,
			  struct run_record *rec)
{
	if (r->privileged_execs) {
		name_process(st, r->privileged_pid, rec->privileged_exec,
			     sizeof(rec->privileged_exec));
		rec->f.privileged_execs = r->privileged_execs;
		rec->f.privileged_exec = rec->privileged_exec;
	}
	if (r->unpreloaded) {
		name_process(st, r->unpreloaded_pid, rec->alloc_untracked,
			     sizeof(rec->alloc_untracked));
		rec->f.alloc_untracked = r->unpreloaded;
		rec->f.alloc_untracked_first = rec->alloc_untracked;
	}
}

void run_warn_unseen(const struct run_record *rec)
{
	static const char fix[] = "the kernel stops perf events at such an exec; " CMD_SETID_FIX;
	int64_t n = rec->f.privileged_execs, u = rec->f.alloc_untracked;
	if (n == 1)
		hp_warn("%s raised its privileges at its exec and was not sampled after it: %s",
			rec->privileged_exec, fix);
	else if (n > 1 && n != HP_FACT_UNSET)
		hp_warn("%lld processes raised their privileges at their exec and were not sampled"
			" after it (the first: %s): %s", (long long)n, rec->privileged_exec, fix);
	if (u > 0 && u != HP_FACT_UNSET)
		hp_warn("allocations not tracked in %lld process image%s (the first: %s): the"
			" preload library was not loaded into %s (an environment without LD_PRELOAD:"
			" env -i, sudo; a static program; a chroot without the library); the heap"
			" figures leave %s out", (long long)u, u > 1 ? "s" : "", rec->alloc_untracked,
			u > 1 ? "them" : "it", u > 1 ? "them" : "it");
}

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

/* --- privileged execs --- */

struct privileged { uint32_t pid; char *out; size_t len; };

static int name_privileged(void *ctx, const struct hp_process_row *p)
{
	struct privileged *pv = ctx;
	char why[160];
	if (p->pid != pv->pid)
		return 0;
	cmd_setid_of(p->exe, why, sizeof(why));
	int exe = p->exe && p->exe[0];
	snprintf(pv->out, pv->len, "%s (pid %u%s%s%s)", p->comm ? p->comm : "?", p->pid,
		 exe ? ", " : "", exe ? p->exe : "", why);
	return 1;
}

void run_privileged_facts(struct hp_store *st, const struct hp_session_result *r,
			  struct run_record *rec)
{
	struct privileged pv = { r->privileged_pid, rec->privileged_exec,
				 sizeof(rec->privileged_exec) };
	if (!r->privileged_execs)
		return;
	snprintf(rec->privileged_exec, sizeof(rec->privileged_exec), "pid %u", r->privileged_pid);
	store_flush(st);
	store_each_process(st, name_privileged, &pv);
	rec->f.privileged_execs = r->privileged_execs;
	rec->f.privileged_exec = rec->privileged_exec;
}

void run_warn_privileged(const struct run_record *rec)
{
	static const char fix[] = "the kernel stops perf events at such an exec; " CMD_SETID_FIX;
	int64_t n = rec->f.privileged_execs;
	if (n == 1)
		hp_warn("%s raised its privileges at its exec and was not sampled after it: %s",
			rec->privileged_exec, fix);
	else if (n > 1 && n != HP_FACT_UNSET)
		hp_warn("%lld processes raised their privileges at their exec and were not sampled"
			" after it (the first: %s): %s", (long long)n, rec->privileged_exec, fix);
}

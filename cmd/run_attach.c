/*
 * run_attach.c - the parts of `hpprof run -p PID[,PID...]` (run.h): the
 * pid list, what stands for the target's argv in the run's facts, and the
 * one clear message when an attach cannot start.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cmd/run.h"
#include "collector/events.h"
#include "collector/pyremote.h"
#include "common/error.h"
#include "common/log.h"

int run_parse_pids(const char *list, struct run_opts *o)
{
	const char *p = list;
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || (*end && *end != ',') || !v || v > INT_MAX) {
			hp_err("invalid -p '%s': give process ids separated by commas", list);
			return -1;
		}
		if (o->nattach >= RUN_MAX_ATTACH) {
			hp_err("-p: at most %d processes", RUN_MAX_ATTACH);
			return -1;
		}
		o->attach[o->nattach++] = (uint32_t)v;
		p = *end ? end + 1 : end;
	}
	if (!o->nattach) {
		hp_err("-p needs a process id");
		return -1;
	}
	o->s.attach_pids = o->attach;
	o->s.nattach = o->nattach;
	return 0;
}

int run_attach_check(struct run_opts *o, int noperands)
{
	if (noperands || o->kernel) {
		hp_err("-p attaches to running processes: give no program or -k");
		return -1;
	}
	if (o->alloc) {
		hp_err("--alloc cannot attach: the allocation shim must be loaded at the start"
		       " (LD_PRELOAD); run the program under hpprof instead");
		return -1;
	}
	if (o->sampler == SAMPLER_PRELOAD) {
		hp_err("--sampler preload cannot attach: the agent is loaded at the start");
		return -1;
	}
	if (o->s.kill_at_end) {
		hp_err("--kill ends a program hpprof started; -p leaves the processes running");
		return -1;
	}
	/* Before anything is printed or created: one message for a pid that
	 * is not there or not ours (the session checks again, racing exits). */
	for (unsigned i = 0; i < o->nattach; i++)
		if (kill((pid_t)o->attach[i], 0) < 0) {
			run_attach_error(errno == EPERM ? -EPERM : -ESRCH, 0, o->attach[i]);
			return -1;
		}
	o->sampler = SAMPLER_PERF;
	return 0;
}

char **run_attach_argv(struct run_opts *o)
{
	char link[64];
	char **targv = calloc(2, sizeof(*targv));
	if (!targv)
		return NULL;
	snprintf(link, sizeof(link), "/proc/%u/exe", o->attach[0]);
	ssize_t n = readlink(link, o->attach_exe, sizeof(o->attach_exe) - 1);
	if (n <= 0)
		snprintf(o->attach_exe, sizeof(o->attach_exe), "pid %u", o->attach[0]);
	else
		o->attach_exe[n] = '\0';
	targv[0] = o->attach_exe;
	return targv;
}

int run_attach_error(int err, int perf_errno, uint32_t pid)
{
	char reason[HP_EVENT_REASON_MAX];
	if (err == -ESRCH) {
		hp_err("cannot attach to process %u: no such process", pid);
	} else if (err == -EPERM || err == -EACCES) {
		hp_err("cannot attach to process %u: not permitted (it belongs to another user,"
		       " or kernel.yama.ptrace_scope / kernel.perf_event_paranoid forbid it: run as"
		       " its owner with the sysctl lowered, or as root)", pid);
	} else if (err == -HP_ENOPERF && perf_errno) {
		events_reason(HP_EVCLASS_SOFTWARE, perf_errno, reason, sizeof(reason));
		hp_err("cannot attach to process %u: %s failed: %s", pid,
		       perf_errno == HP_ERINGMEM ? "mapping the perf rings"
						 : "perf_event_open of its samplers", reason);
	} else {
		hp_err("cannot attach to process %u: %s", pid, hp_strerror(err));
	}
	return 1;
}

/* A launched program sampled with perf events whose process execs into
 * CPython 3.11 (a shell script's `exec python3.11`, a child that runs it)
 * gets its Python frames as an attached one does. Not with --alloc: the
 * preload shim's Python frames of allocations have their own reader, and
 * the two would number the same module's locations apart. */
int run_launch_python(struct run_opts *o)
{
	struct hp_pyremote *r;
	int err;
	if (o->agent && o->python && o->s.off_cpu && !o->nattach) {
		/* the agent samples CPU time with Python frames; the off-CPU
		 * events' switch-out stacks get theirs as an attached process's
		 * do: the BPF reader, loaded before the fork (the target is
		 * Python: the events it inherits carry it), else read late */
		if ((err = pyremote_new(&r)))
			return err;
		if (run_agent_python(o))
			pyremote_bpf_early(r);
		o->pyremote = r;
		o->s.pyremote = r;
		return 0;
	}
	if (!o->python || o->agent || o->alloc || o->nattach)
		return 0;
	if ((err = pyremote_new(&r)))
		return err;
	o->pyremote = r;
	o->s.pyremote = r;
	return 0;
}

int run_attach_python(struct run_opts *o)
{
	struct hp_pyremote *r;
	int err;
	if (!o->python)
		return 0;
	if ((err = pyremote_new(&r)))
		return err;
	pyremote_bpf_early(r);               /* for children forked before an exec */
	for (unsigned i = 0; i < o->nattach; i++)
		pyremote_probe(r, o->attach[i]);
	/* also when no target runs Python yet: one may exec into it, or a child
	 * may (pyremote_exec); samples of other processes cost a cached probe */
	o->pyremote = r;
	o->s.pyremote = r;
	return 0;
}

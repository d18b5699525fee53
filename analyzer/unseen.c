/*
 * unseen.c - the CPU time a run's samples did not see (unseen.h).
 */
#include "analyzer/unseen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "common/store.h"

/* Beyond the partial periods, the unseen time is noted when it is more
 * than this share of task-clock and this many periods: a quiet run here
 * leaves 0.1-2.3% unseen, within its threads' partial periods but for a
 * period or two (gcc -c: 3.1 ms of 34 ms, 2 threads at 1 ms; an exec
 * starts a period anew). */
#define UNSEEN_NOTE_SHARE 0.02
#define UNSEEN_NOTE_PERIODS 10

static int64_t meta_int(const struct hp_profile *p, const char *key)
{
	const char *v = profile_meta(p, key);
	return v && *v ? strtoll(v, NULL, 10) : -1;
}

/* task-clock's total, or -1 when it was not measured. */
static int64_t task_clock_ns(const struct hp_profile *p)
{
	int e = profile_event_index(p, "task-clock");
	return e >= 0 && p->events[e].measured ? p->events[e].total : -1;
}

int unseen_of_profile(const struct hp_profile *p, int64_t *unseen, int64_t *partial)
{
	const char *ks = profile_meta(p, "kernel_samples");
	int64_t tc = task_clock_ns(p), lost = meta_int(p, "lost_samples");
	/* without kernel-mode samples the kernel's time is unseen by design */
	if (p->nruns != 1 || p->cpu_sample_ns <= 0 || tc < 0 || !ks || strcmp(ks, "yes"))
		return -1;
	int64_t seen = ((int64_t)p->nsamples + (lost > 0 ? lost : 0)) * p->cpu_sample_ns;
	*unseen = tc > seen ? tc - seen : 0;
	*partial = (int64_t)p->nthreads * p->cpu_sample_ns;
	return 0;
}

/* The CPU time the unseen time is of: task-clock (tc >= 0), else, under
 * the preload agent, the program's own by its rusage (cpu >= 0). The agent
 * samples user space only: its signal waits for the return from the
 * kernel, and a long system call is one sample, so there the kernel's
 * time is a cause too. */
static const char *note(int64_t u, int64_t part, int64_t period, int64_t tc, int64_t cpu,
			char *buf, size_t n)
{
	const char *by = "task-clock";
	const char *why = "the CPU was taken from the program without its clock stopping (a"
			  " virtual machine's host running other work: steal time), and one late"
			  " sample stood for each gap";
	if (tc < 0 && cpu > 0) {
		tc = cpu;
		by = "the program's rusage";
		why = "time in the kernel, where the agent's signal waits for the return to the"
		      " program (one sample for a whole system call), or taken by a virtual"
		      " machine's host (steal time)";
	}
	if (u < 0 || part < 0 || period <= 0 || tc <= 0 ||
	    u - part <= UNSEEN_NOTE_PERIODS * period ||
	    (double)(u - part) <= UNSEEN_NOTE_SHARE * (double)tc)
		return NULL;
	snprintf(buf, n, "the samples did not see %.3f s of the %.3f s of CPU time %s"
		 " counted (%.1f%%), more than the threads' last partial periods explain: %s."
		 " Shares are of the time sampled, and where the unseen time fell is not known",
		 (double)u / 1e9, (double)tc / 1e9, by, 100.0 * (double)u / (double)tc, why);
	return buf;
}

/* run_info's user_s + sys_s in ns, or -1 without them. */
static int64_t rusage_ns(const char *user_s, const char *sys_s)
{
	return user_s && sys_s ? (int64_t)((strtod(user_s, NULL) + strtod(sys_s, NULL)) * 1e9) : -1;
}

const char *unseen_note(const struct hp_profile *p, char *buf, size_t n)
{
	return note(meta_int(p, "unseen_ns"), meta_int(p, "unseen_partial_ns"),
		    meta_int(p, "cpu_sample_ns"), task_clock_ns(p),
		    rusage_ns(profile_meta(p, "user_s"), profile_meta(p, "sys_s")), buf, n);
}

static int on_event(void *ctx, const struct hp_event_info *ev)
{
	if (!strcmp(ev->name, "task-clock") && ev->measured)
		*(int64_t *)ctx = ev->total;
	return 0;
}

const char *unseen_note_of_store(struct hp_store *st, char *buf, size_t n)
{
	int64_t tc = -1;
	char *us = NULL, *ss = NULL;
	if (store_each_event(st, on_event, &tc))
		return NULL;
	store_get_meta(st, "user_s", &us);
	store_get_meta(st, "sys_s", &ss);
	const char *r = note(store_get_meta_int(st, "unseen_ns", -1),
			     store_get_meta_int(st, "unseen_partial_ns", -1),
			     store_get_meta_int(st, "cpu_sample_ns", -1), tc, rusage_ns(us, ss),
			     buf, n);
	free(us);
	free(ss);
	return r;
}

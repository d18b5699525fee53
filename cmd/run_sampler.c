/*
 * run_sampler.c - `hpprof run`: perf events or the preload agent, and the
 * preload library's stream. The agent (an LD_PRELOAD library with
 * per-thread CPU-time timers) samples when perf_event_open is refused, or
 * when --sampler preload asks for it; its samples, like the allocation
 * events of --alloc, come through the stream (collector/streamfeed.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/run.h"
#include "collector/events.h"
#include "collector/launch.h"
#include "collector/pyremote.h"
#include "collector/streamfeed.h"
#include "common/allocproto.h"
#include "common/error.h"
#include "common/log.h"

/* errno of opening the cpu-clock sampler on ourselves, 0 when it opens:
 * whether perf can sample here at all. */
static int perf_sampler_errno(void)
{
	struct hp_event_set set;
	int err = 0;
	events_init(&set);
	if (!events_add(&set, "cpu-clock", HP_EV_USER) && !events_probe(&set))
		err = set.ev[0].err ? set.ev[0].err : EACCES;
	events_release(&set);
	return err;
}

/* Why the preload agent cannot sample target, or NULL. */
const char *run_agent_unusable(const char *target)
{
	return launch_is_static(target) == 1 ? "it is statically linked (LD_PRELOAD cannot reach it)"
					     : NULL;
}

/* Whether target runs a Python interpreter: its name is python*, or it is
 * a script whose #! line names one (directly or through env). */
int run_is_python(const char *target)
{
	char line[256], *p, *word;
	const char *base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!strncmp(base, "python", 6))
		return 1;
	FILE *f = fopen(target, "re");
	if (!f)
		return 0;
	int ok = fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!';
	fclose(f);
	if (!ok)
		return 0;
	for (p = line + 2; (word = strtok_r(p, " \t\r\n", &p)) != NULL;) {
		const char *b = strrchr(word, '/');
		b = b ? b + 1 : word;
		if (!strcmp(b, "env") || word[0] == '-')
			continue;
		return !strncmp(b, "python", 6);
	}
	return 0;
}

/* Sample with the agent: no perf session, so no counters; no page-fault
 * samples and no kernel frames but from the agent's own events in a
 * CPython 3.11 target (docs/python.md). tag says why (detail adds the
 * reason). */
static void use_agent(struct run_opts *o, const char *tag, const char *detail)
{
	o->agent = 1;
	o->agent_tag = tag;
	snprintf(o->agent_why, sizeof(o->agent_why), "%s%s%s", tag, detail ? ": " : "",
		 detail ? detail : "");
	o->s.no_perf = 1;
	o->s.counters = NULL;
	o->s.ncounters = 0;
	/* in a CPython 3.11 target the agent samples page faults (docs/python.md) */
	o->agent_fault_period = strcmp(tag, RUN_AGENT_PYTHON) ? 0 : o->s.fault_period;
	o->s.fault_period = o->agent_fault_period;
}

int run_agent_python(const struct run_opts *o)
{
	return o->agent && !strcmp(o->agent_tag, RUN_AGENT_PYTHON);
}

/* perf_event_open failed with err: the one note, then the agent. */
static void fall_back(struct run_opts *o, int err)
{
	char reason[HP_EVENT_REASON_MAX];
	if (err < 0)
		err = -err;
	events_reason(HP_EVCLASS_SOFTWARE, err, reason, sizeof(reason));
	hp_info("perf events are %s here (%s); sampling with the LD_PRELOAD agent instead:"
		" user-space CPU time only, no counters, no kernel frames",
		err == EACCES || err == EPERM ? "not permitted" : "unavailable", reason);
	use_agent(o, "perf_event_open refused", reason);
}

/* Decide the sampler before anything runs. An automatic fallback is
 * decided here when perf cannot sample at all (so that no note about
 * counters comes first), else after a session that could not open its
 * events. Returns -1 when the choice cannot work. */
int run_choose_sampler(struct run_opts *o, const char *target)
{
	const char *no_agent = run_agent_unusable(target);
	int err;
	if (o->sampler == SAMPLER_PRELOAD) {
		if (o->sample_event) {
			hp_err("--sample-event needs perf events; the preload agent samples CPU time only");
			return -1;
		}
		if (no_agent) {
			hp_err("cannot sample '%s' with the preload agent: %s", target, no_agent);
			return -1;
		}
		use_agent(o, "--sampler preload", NULL);
	} else if (o->sampler == SAMPLER_AUTO && !o->sample_event && !no_agent &&
		   (err = perf_sampler_errno())) {
		fall_back(o, err);
	} else if (o->sampler == SAMPLER_AUTO && !o->sample_event && !no_agent && o->python &&
		   run_is_python(target)) {
		hp_info("'%s' is a Python program: sampling with the LD_PRELOAD agent, which reads"
			" its Python frames at each sample (no counters; kernel frames where perf"
			" may sample the kernel; --python off for perf events)", target);
		use_agent(o, RUN_AGENT_PYTHON, NULL);
	}
	return 0;
}

/* The perf session could not open its events (the target never ran):
 * switch to the agent. Returns 0 when the run can be tried again. */
int run_retry_with_agent(struct run_opts *o, struct hp_streamfeed **feed, const char *target,
			 int perf_errno)
{
	if (o->sampler != SAMPLER_AUTO || o->sample_event || run_agent_unusable(target))
		return -1;
	fall_back(o, perf_errno);
	streamfeed_free(*feed);
	*feed = NULL;
	return run_feed_setup(o, feed, target);
}

/* A statically linked target cannot be tracked: --alloc is dropped (the
 * agent never gets here with one). */
int run_feed_setup(struct run_opts *o, struct hp_streamfeed **feed, const char *target)
{
	struct hp_streamfeed_opts fo = {
		.alloc = o->alloc,
		.alloc_sample = (uint64_t)o->alloc_sample,
		.agent_hz = o->agent ? o->s.freq : 0,
		.heap_interval_ms = o->s.mem_interval_ms,
		.no_python = !o->python,
		.fault_period = o->agent ? o->agent_fault_period : 0,
	};
	int err;
	if (o->alloc && launch_is_static(target) == 1) {
		hp_warn("allocation tracking is unavailable: '%s' is statically linked, so the"
			" LD_PRELOAD shim cannot reach its malloc; profiling without it", target);
		o->alloc = 0;
		fo.alloc = 0;
	}
	if (!o->alloc && !o->agent)
		return 0;
	if ((err = streamfeed_new(&fo, feed))) {
		hp_err("cannot set up the preload library: %s", hp_strerror(err));
		return -1;
	}
	streamfeed_attach(*feed, &o->s);
	if (o->agent)        /* the off-CPU samples' Python lines numbered as the agent's */
		pyremote_share_locations(o->pyremote, streamfeed_pyfeed(*feed));
	return 0;
}

/*
 * run_events.c - the events of `hpprof run`: the requested (or default)
 * counters probed and opened, notices for those this machine cannot
 * measure, the --sample-event sampler, and the events table written at
 * the end (measured, or why not; the agent's own rows).
 */
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "analyzer/symbolize.h"
#include "cmd/run.h"
#include "collector/events.h"
#include "collector/session.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"

/* One notice per reason for the events that cannot be measured here,
 * naming the events it applies to: a warning when the user asked for them
 * (-e), a note (quiet with -q) for the default set. */
static void notice_unavailable(const struct hp_event_set *set, int requested)
{
	void (*say)(const char *, ...) = requested ? hp_warn : hp_info;
	for (size_t i = 0; i < set->n; i++) {
		const struct hp_event *ev = &set->ev[i];
		char names[512] = "";
		size_t k;
		if (ev->available)
			continue;
		for (k = 0; k < i; k++)            /* said with an earlier event */
			if (!set->ev[k].available && !strcmp(set->ev[k].reason, ev->reason))
				break;
		if (k < i)
			continue;
		for (k = i; k < set->n; k++) {
			if (set->ev[k].available || strcmp(set->ev[k].reason, ev->reason))
				continue;
			strncat(names, names[0] ? ", " : "", sizeof(names) - strlen(names) - 1);
			strncat(names, set->ev[k].name, sizeof(names) - strlen(names) - 1);
		}
		say("not measured: %s: %s (shown as n/a)", names, ev->reason);
	}
}

/* The kernel patches its own code (a static key: a text poke with a
 * cross-CPU call, ~0.25 ms in this VM) when the first event of a software
 * type other than the clocks (page-faults, context-switches,
 * cpu-migrations, ...) opens anywhere and when the last one closes. The
 * probe below and the session's counters and samplers would each switch
 * every such key on and off again: one disabled event of each type, held
 * on hpprof itself from before the probe to the end of the run, makes it
 * one switch on and one off per type (docs/performance.md, "Fixed cost of
 * a run"). It counts nothing (disabled, user space only, not inherited);
 * one that cannot open is simply not held. */
static void hold_type(struct run_events *re, uint64_t config)
{
	if (config == PERF_COUNT_SW_CPU_CLOCK || config == PERF_COUNT_SW_TASK_CLOCK ||
	    re->nheld >= sizeof(re->held) / sizeof(re->held[0]))
		return;
	for (unsigned i = 0; i < re->nheld; i++)
		if (re->held_config[i] == config)
			return;
	struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(a),
				     .config = config, .disabled = 1, .exclude_kernel = 1,
				     .exclude_hv = 1 };
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		re->held_config[re->nheld] = config;
		re->held[re->nheld++] = (int)fd;
	}
}

static void hold_software_types(const struct run_opts *o, struct run_events *re)
{
	for (size_t i = 0; i < re->set.n; i++)
		if (re->set.ev[i].attr.type == PERF_TYPE_SOFTWARE)
			hold_type(re, re->set.ev[i].attr.config);
	if (o->s.fault_period)
		hold_type(re, PERF_COUNT_SW_PAGE_FAULTS);
	if (o->off_cpu == 1)
		hold_type(re, PERF_COUNT_SW_CONTEXT_SWITCHES);
}

/* run_release_start's thread (or run_events_release itself, when there
 * was none): what the end of a run releases in the kernel (munmap of the
 * symbol cache's entries and the modules' images, the held events' static
 * keys switched off: ~1-2.5 ms here), beside the store's close. */
static void *release_main(void *arg)
{
	struct run_events *re = arg;
	for (unsigned i = 0; i < re->nheld; i++)
		close(re->held[i]);
	re->nheld = 0;
	symbolizer_free(re->release_sym);
	re->release_sym = NULL;
	return NULL;
}

void run_release_start(struct run_events *re, struct symbol_warmup *warm)
{
	pthread_attr_t attr;
	if (re->releasing)
		return;
	run_symbols_release_keep(warm, &re->release_sym);
	if (!re->nheld && !re->release_sym)
		return;
	/* a small stack: the thread calls nothing deep */
	int ok = !pthread_attr_init(&attr) && !pthread_attr_setstacksize(&attr, 256 << 10);
	re->releasing = ok && !pthread_create(&re->releaser, &attr, release_main, re);
	if (ok)
		pthread_attr_destroy(&attr);
	if (!re->releasing)
		release_main(re);
}

void run_events_release(struct run_events *re)
{
	if (re->releasing)
		pthread_join(re->releaser, NULL);
	re->releasing = 0;
	release_main(re);             /* what no thread released */
	events_release(&re->set);
	events_release(&re->sampler);
}

/* --- the sampler: perf events or the preload agent --- */

int run_setup_events(struct run_opts *o, struct run_events *re)
{
	unsigned plm = events_default_plm();
	int err;
	events_init(&re->set);
	events_init(&re->sampler);
	err = o->events ? events_parse(&re->set, o->events, plm) : events_default(&re->set, plm);
	if (err) {
		hp_err("%s", re->set.error[0] ? re->set.error : hp_strerror(err));
		return -1;
	}
	if (o->agent)
		return 0;             /* no counters: run_write_events says why */
	hold_software_types(o, re);   /* before any probe opens one */
	events_probe(&re->set);
	notice_unavailable(&re->set, o->events != NULL);
	for (size_t i = 0; i < re->set.n && re->ncounters < HP_MAX_COUNTERS; i++) {
		if (!re->set.ev[i].available)
			continue;
		re->counters[re->ncounters].name = re->set.ev[i].name;
		re->counters[re->ncounters].attr = re->set.ev[i].attr;
		re->counter_event[re->ncounters++] = (int)i;
	}
	o->s.counters = re->counters;
	o->s.ncounters = re->ncounters;
	if (o->sample_event) {
		if (events_parse(&re->sampler, o->sample_event, plm) || re->sampler.n != 1) {
			hp_err("%s", re->sampler.error[0] ? re->sampler.error
							 : "--sample-event takes one event");
			return -1;
		}
		if (re->sampler.ev[0].attr.type == PERF_TYPE_SOFTWARE)
			hold_type(re, re->sampler.ev[0].attr.config);
		events_probe(&re->sampler);
		if (!re->sampler.ev[0].available) {
			hp_err("cannot sample on '%s': %s", o->sample_event, re->sampler.ev[0].reason);
			return -1;
		}
		o->s.sampler = &re->sampler.ev[0].attr;
		o->s.sampler_name = o->sample_event;
		o->s.sampler_period = (uint64_t)(o->period ? o->period : 100003);
	}
	return 0;
}

/* What run_write_events and run_early_views list: the run's events. */
struct event_list {
	const struct run_opts *o;
	struct run_events *re;
	const struct hp_session_result *res;
};

/* events with the agent: 0 = its CPU-time sampler, 1..N = every
 * requested counter, none measured. */
static int list_agent_events(const struct event_list *l,
			     int (*cb)(void *, const struct hp_event_info *), void *ctx)
{
	const struct run_opts *o = l->o;
	const struct hp_session_result *res = l->res;
	struct hp_event_info ev = { 0, "cpu-time", "sampler", 1, NULL, (int64_t)res->samples, 0, 0 };
	char reason[128];
	int err;
	snprintf(reason, sizeof(reason), "the preload agent reads no counters (%s)", o->agent_tag);
	if ((err = cb(ctx, &ev)))
		return err;
	for (size_t i = 0; i < l->re->set.n; i++) {
		ev = (struct hp_event_info){ (int)i + 1, l->re->set.ev[i].name, "counter", 0, reason,
					     -1, 0, 0 };
		if ((err = cb(ctx, &ev)))
			return err;
	}
	if (o->agent_fault_period) {      /* a CPython 3.11 target's faults, by the agent */
		ev = (struct hp_event_info){ o->s.fault_event, "page-faults:sampled", "pagefault",
					     res->fault_samples > 0, NULL, res->fault_total, 0, 0 };
		if (!res->fault_samples)
			ev.reason = "no page-fault samples: the agent samples faults with perf events,"
				    " in CPython 3.11 processes only";
		if ((err = cb(ctx, &ev)))
			return err;
	}
	/* the waits, by perf's context-switch events */
	return o->s.off_cpu ? run_offcpu_event(o, res, cb, ctx) : 0;
}

/* 0 = sampler, 1..N = every requested counter (measured or not, in the
 * blob order of the opened ones first), then the fault and off-CPU
 * samplers: in the order of their ids. */
static int list_events(void *c, int (*cb)(void *, const struct hp_event_info *), void *ctx)
{
	const struct event_list *l = c;
	const struct run_opts *o = l->o;
	const struct run_events *re = l->re;
	const struct hp_session_result *res = l->res;
	struct hp_event_info ev = { 0, o->sample_event ? o->sample_event : "cpu-clock", "sampler",
				    1, NULL, (int64_t)res->samples, 0, 0 };
	int id = 1, err;
	if (o->agent)
		return list_agent_events(l, cb, ctx);
	if ((err = cb(ctx, &ev)))
		return err;
	for (unsigned i = 0; i < re->ncounters; i++, id++) {
		const struct hp_event *e = &re->set.ev[re->counter_event[i]];
		char reason[256];
		/* "total": counted for the whole run, not read with the samples
		 * (no per-function or per-line values: never shown as 0) */
		ev = (struct hp_event_info){ id, e->name,
					     res->counters_sampled ? "counter" : "total",
					     !res->counter_err[i], NULL,
					     res->counter_total[i], res->counter_enabled[i],
					     res->counter_running[i] };
		if (res->counter_err[i]) {
			events_reason(e->cls, res->counter_err[i], reason, sizeof(reason));
			ev.reason = reason;
			ev.total = -1;
		}
		if ((err = cb(ctx, &ev)))
			return err;
	}
	for (size_t i = 0; i < re->set.n; i++) {
		if (re->set.ev[i].available)
			continue;
		ev = (struct hp_event_info){ id++, re->set.ev[i].name, "counter", 0,
					     re->set.ev[i].reason, -1, 0, 0 };
		if ((err = cb(ctx, &ev)))
			return err;
	}
	if (o->s.fault_period) {
		ev = (struct hp_event_info){ o->s.fault_event, "page-faults:sampled", "pagefault", 1,
					     NULL, res->fault_total, 0, 0 };
		if ((err = cb(ctx, &ev)))
			return err;
	}
	return o->s.off_cpu ? run_offcpu_event(o, res, cb, ctx) : 0;
}

static int add_event(void *st, const struct hp_event_info *ev)
{
	store_add_event(st, ev);      /* a store that cannot be written fails the end's flush */
	return 0;
}

void run_write_events(struct hp_store *st, const struct run_opts *o, struct run_events *re,
		      const struct hp_session_result *res)
{
	struct event_list l = { o, re, res };
	list_events(&l, add_event, st);
}

int run_early_views(struct hp_store *st, const struct run_opts *o, struct run_events *re,
		    const struct hp_session_result *res)
{
	struct event_list l = { o, re, res };
	return store_create_views_from(st, list_events, &l);
}

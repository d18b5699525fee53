/*
 * run_offcpu.c - what `hpprof run --off-cpu` adds to the run's record
 * (run.h): the events row of the off-CPU intervals and the run_info facts
 * that say whether they were recorded, and if not why (docs/offcpu.md).
 */
#include <stdio.h>

#include "cmd/run.h"
#include "collector/events.h"
#include "common/log.h"
#include "common/runfacts.h"
#include "common/store.h"

void run_offcpu_event(struct hp_store *st, const struct run_opts *o,
		      const struct hp_session_result *res)
{
	char reason[HP_EVENT_REASON_MAX];
	/* the total is what the rows hold: their weighted time (= offcpu_ns
	 * when every interval was written, an estimate of all of it when
	 * gated) */
	struct hp_event_info ev = { o->s.offcpu_event, "off-cpu", "offcpu", 1, NULL,
				    (int64_t)res->offcpu_weighted_ns, 0, 0 };
	if (res->offcpu_err) {
		events_reason(HP_EVCLASS_SOFTWARE, res->offcpu_err, reason, sizeof(reason));
		ev = (struct hp_event_info){ o->s.offcpu_event, "off-cpu", "offcpu", 0, reason, -1,
					     0, 0 };
	}
	store_add_event(st, &ev);
}

const char *run_offcpu_facts(struct hp_run_facts *f, const struct run_opts *o,
			     const struct hp_session_result *r, char *buf, size_t len)
{
	char reason[HP_EVENT_REASON_MAX];
	if (o->agent)
		return o->off_cpu == 1 ? "no (the preload agent samples CPU time only)" : NULL;
	if (!o->s.off_cpu)
		return NULL;
	if (r->offcpu_err) {
		events_reason(HP_EVCLASS_SOFTWARE, r->offcpu_err, reason, sizeof(reason));
		snprintf(buf, len, "no (context-switch events: %s)", reason);
		if (o->off_cpu == 1)          /* asked for; the default says it in run_info */
			hp_warn("off-CPU time not recorded: context-switch events: %s", reason);
		return buf;
	}
	if (!r->kernel_samples) {
		snprintf(buf, len, "yes, without stacks (the switch-out sample is kernel-mode: %s)",
			 r->kernel_why);
		hp_info("off-CPU time recorded without its stacks: %s", r->kernel_why);
	} else if (r->offcpu_slots_off) {
		snprintf(buf, len, "yes, stacks sampled (switch rate over the budget: stacks and"
			 " switch records taken in %.1f%% of the 2 ms slots, weighted; %llu of the"
			 " written intervals outlasted their records, %llu of those ended from"
			 " switch-in counts; docs/offcpu.md)",
			 100.0 * (double)(r->offcpu_slots - r->offcpu_slots_off) /
				 (double)r->offcpu_slots,
			 (unsigned long long)r->offcpu_cut, (unsigned long long)r->offcpu_estimated);
	} else {
		snprintf(buf, len, "yes");
	}
	f->offcpu_sampled = (int64_t)r->offcpu_sampled;
	f->offcpu_no_stack = (int64_t)r->offcpu_no_stack;
	/* With the switch records gated, the intervals outside their "on"
	 * time were never seen: no count, no exact total (NULL). */
	if (r->offcpu_records_off)
		return buf;
	f->offcpu_unsampled = (int64_t)r->offcpu_unsampled;
	f->offcpu_intervals = (int64_t)r->offcpu_intervals;
	f->offcpu_ns = (int64_t)r->offcpu_ns;
	return buf;
}

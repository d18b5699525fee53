/*
 * run_offcpu.c - what `hpprof run --off-cpu` adds to the run's record
 * (run.h): the events row of the off-CPU intervals and the run_info facts
 * that say whether they were recorded, and if not why (docs/offcpu.md).
 */
#include <stdio.h>
#include <string.h>

#include "cmd/run.h"
#include "collector/events.h"
#include "collector/kaccess.h"
#include "collector/pyremote.h"
#include "common/log.h"
#include "common/runfacts.h"
#include "common/store.h"

int run_offcpu_choose(struct run_opts *o)
{
	/* Off-CPU time by default where its switch-out stacks can be taken
	 * (kernel-mode sampling allowed): it costs the CPU-bound julia kernel
	 * nothing measurable and a switch flood what perf's costs (docs/offcpu.md,
	 * "The default"). Not for a live view, whose table is of CPU time. A
	 * Python program the preload agent samples gets it too: the agent
	 * samples CPU time, perf the waits (docs/offcpu.md, "Under the preload
	 * agent"); another agent run only when asked for (--off-cpu). */
	o->s.off_cpu = o->off_cpu == 1 || (o->off_cpu < 0 && !o->live &&
					   (!o->agent || run_agent_python(o)) &&
					   kaccess_kernel_allowed());
	return 0;
}

int run_offcpu_event(const struct run_opts *o, const struct hp_session_result *res,
		     int (*cb)(void *, const struct hp_event_info *), void *ctx)
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
	return cb(ctx, &ev);
}

/* Under the agent: how the waits' stacks got their Python frames, after
 * buf's "yes..." and on stderr. */
static void offcpu_python_note(const struct run_opts *o, char *buf, size_t len)
{
	char note[512];
	size_t n = strlen(buf);
	if (!o->agent || !pyremote_offcpu_note(o->pyremote, note, sizeof(note)))
		return;
	hp_info("off-CPU time: %s", note);
	if (!strcmp(buf, "yes"))
		snprintf(buf + n, len - n, " (%s)", note);
	else
		snprintf(buf + n, len - n, "; %s", note);
}

const char *run_offcpu_facts(struct hp_run_facts *f, const struct run_opts *o,
			     const struct hp_session_result *r, char *buf, size_t len)
{
	char reason[HP_EVENT_REASON_MAX];
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
		if (r->offcpu_slots_off)          /* the total below is then an estimate */
			snprintf(buf + strlen(buf), len - strlen(buf), "; switch rate over the budget:"
				 " switch records taken in %.1f%% of the 2 ms slots, weighted",
				 100.0 * (double)(r->offcpu_slots - r->offcpu_slots_off) /
					 (double)r->offcpu_slots);
		hp_info("off-CPU time recorded without its stacks: %s", r->kernel_why);
	} else if (r->offcpu_slots_off) {
		char err[64] = "";
		if (r->offcpu_estimated)      /* the reads' own spacing, delayed when hpprof was */
			snprintf(err, sizeof(err), ", each end to within %.2f ms on average",
				 (double)r->offcpu_estimated_err_ns / (double)r->offcpu_estimated / 1e6);
		snprintf(buf, len, "yes, stacks sampled (switch rate over the budget: stacks and"
			 " switch records taken in %.1f%% of the 2 ms slots, weighted; %llu of the"
			 " written intervals outlasted their records, %llu of those ended from"
			 " switch-in counts%s; docs/offcpu.md)",
			 100.0 * (double)(r->offcpu_slots - r->offcpu_slots_off) /
				 (double)r->offcpu_slots,
			 (unsigned long long)r->offcpu_cut, (unsigned long long)r->offcpu_estimated, err);
	} else {
		snprintf(buf, len, "yes");
	}
	offcpu_python_note(o, buf, len);
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

/*
 * offcpu.h - off-CPU intervals of a session's threads (run --off-cpu).
 *
 * The session opens a context-switches software event with period 1 on
 * the target (its sample, taken as a thread is switched out, carries that
 * thread's user stack) and asks for PERF_RECORD_SWITCH records
 * (attr.context_switch). This module pairs them per thread, in time order:
 *
 *   switch-out sample (stack) -> SWITCH out record (time, preempted?) ->
 *   SWITCH in record (time) = one off-CPU interval of that thread
 *
 * and writes the intervals as samples of the off-CPU event: the stack at
 * switch-out, t_ns the switch-out time, counters[0] the nanoseconds off
 * the CPU the interval stands for (its own times its weight), counters[1]
 * the wait class (record.h: HP_WAIT_PREEMPTED from the switch record, the
 * system call's class for a wait found asleep at an attach, else
 * HP_WAIT_BLOCKED for the analyzer to classify from the stack) and
 * counters[2] its own nanoseconds.
 *
 * Every interval is timed from the switch records. Its stack comes from the
 * switch-out sample. At high switch rates the session turns the samplers
 * off and on at random (offcpu_gate_*): intervals switched out in an "on"
 * period are written weighted, the others are counted (offcpu_totals) but
 * not written, their time being stood for by the weights (offcpu.c). The
 * records are gated with them (offcpu_records_*): above the budget only
 * the intervals seen while they were on are counted, and a long wait of an
 * "on" period is ended from its thread's switch-in count. An interval whose sample was lost (or that has none:
 * no kernel-mode sampling) is written with an empty stack. An interval
 * still open when its thread exits is dropped; one open when the session
 * ends is closed at the end (offcpu_flush: a thread blocked when an attach
 * detaches). A thread already asleep when an attach's records were enabled
 * has no switch-out to come: offcpu_attach_wait opens its wait then, with
 * the stack read from the blocked thread (collector/offcpu_attach.h).
 */
#ifndef HP_OFFCPU_H
#define HP_OFFCPU_H

#include <stdint.h>

#include "collector/perf_record.h"
#include "common/record.h"

struct hp_store;
struct hp_offcpu;

struct hp_offcpu_totals {
	uint64_t intervals;           /* intervals timed from the switch records */
	uint64_t ns;                  /* their summed time, exact */
	uint64_t sampled;             /* of those, written with their stack (and weight) */
	uint64_t unsampled;           /* counted only: their stack was not kept */
	uint64_t no_stack;            /* written without a stack (sample lost or none) */
	uint64_t weighted_ns;         /* the written samples' summed weighted time */
	uint64_t slots, slots_off;    /* gate slots planned, and of them "off" */
	uint64_t records_off;         /* times the SWITCH records went off (> 0: the counts
				       * above are of the intervals seen while they were on) */
	uint64_t cut;                 /* written intervals still open when they went off */
	uint64_t estimated;           /* of those, ended from switch-in counts (offcpu_poll) */
	uint64_t estimated_err_ns;    /* their half-brackets summed: how far each end may be */
	uint64_t samples;             /* switch-out samples received (offcpu_decide) */
};

/* The number of times thread tid of process pid has been switched in
 * (/proc/PID/task/TID/schedstat, third field) into *count: 0, or -errno
 * (the thread is gone). */
typedef int offcpu_pcount_fn(void *ctx, uint32_t pid, uint32_t tid, uint64_t *count);

/* event: events.id given to the off-CPU samples; budget: switch-out
 * stacks a second above which the samplers are gated (0: never). *out is
 * freed with offcpu_free. Returns 0 or -ENOMEM. */
int offcpu_new(int event, unsigned budget, struct hp_offcpu **out);
void offcpu_free(struct hp_offcpu *oc);

/* The gate (offcpu.c): offcpu_gate_pi: pi for the next decisions = 1
 * while the switch-outs came at most budget a second, else budget / their
 * rate, the rate measured over windows of at least 100 ms, or of at least
 * 10 ms once they saw budget x 100 ms switch-outs (a shorter call returns
 * the last pi); offcpu_gate_draw: on (1) with probability pi.
 * offcpu_gate_on: the samplers are surely on from t_rel (call it after
 * turning them on); offcpu_gate_off: surely off from t_rel (call it
 * before): the period's weight is known and its held intervals are
 * written (returns 0 or a store error). */
double offcpu_gate_pi(struct hp_offcpu *oc, uint64_t now_rel);
/* Before the first rate is measured (offcpu_gate_first): n, the
 * switch-outs the kernel counted on the stack samplers since they went on,
 * stands for the switch-out records not handled yet (a flood's first drain
 * unwinds every stack of the first "on" period: waiting for its records
 * held the samplers on for 100-200 ms on a loaded machine, more stacks
 * than the rings hold). */
int offcpu_gate_first(const struct hp_offcpu *oc);
void offcpu_gate_outs(struct hp_offcpu *oc, uint64_t n);
int offcpu_gate_draw(struct hp_offcpu *oc, double pi);
void offcpu_gate_on(struct hp_offcpu *oc, uint64_t t_rel);
int offcpu_gate_off(struct hp_offcpu *oc, struct hp_store *st, uint64_t t_rel);

/* The SWITCH records, gated with the stacks (offcpu.c): offcpu_records_on:
 * they are surely on from t_rel (call it after turning them on);
 * offcpu_records_idle: they may go off now (the stacks are off, and every
 * interval of an "on" period has ended or, can_cut, has been open for
 * RECORDS_HOLD_NS: without switch-in counts to read, the records stay on
 * until the last one ends); offcpu_records_off: they are off from t_rel (call it
 * before turning them off): an interval of an "on" period still open is
 * cut (fn reads its thread's switch-ins), one counted only is dropped.
 * offcpu_poll: read the switch-ins of the cut intervals' threads that are
 * due (all: every one), and close those that changed (returns 0 or a
 * store error); offcpu_cut_count: how many are cut. */
void offcpu_records_on(struct hp_offcpu *oc, uint64_t t_rel);
int offcpu_records_idle(const struct hp_offcpu *oc, uint64_t now_rel, int can_cut);
void offcpu_records_off(struct hp_offcpu *oc, uint64_t t_rel, offcpu_pcount_fn *fn, void *ctx);
int offcpu_poll(struct hp_offcpu *oc, struct hp_store *st, uint64_t now_rel, int all,
		offcpu_pcount_fn *fn, void *ctx);
size_t offcpu_cut_count(const struct hp_offcpu *oc);

/* fn(ctx) is called after every STEP_OUTS switch-out records handled
 * (offcpu.c): the session steps its gate there too, so that a long drain
 * (the backlog of a flood's first "on" period, every stack unwound) does
 * not hold the stack samplers on while it lasts. */
void offcpu_set_step(struct hp_offcpu *oc, void (*fn)(void *ctx), void *ctx);

/* Was a switch-out at t_rel in an "on" period (its stack to be unwound)?
 * Called once per switch-out sample received: counts them (totals'
 * samples). */
int offcpu_decide(struct hp_offcpu *oc, uint64_t t_rel);

/* The switch-out sample of smp->tid (its stack, already located; t_ns
 * relative to the session's start); a cut wait of that thread ended
 * before it and is written to st. func and sp: its stack was cut there
 * (the outermost frame's function and SP, for offcpu_set_hold), else 0.
 * Returns 0, -ENOMEM or a store error. */
int offcpu_sample(struct hp_offcpu *oc, struct hp_store *st, const struct hp_sample *smp,
		  uint64_t func, uint64_t sp);

/* Rows whose stack was cut (offcpu_sample's func) are offered to fn when
 * written: when it returns 1 it keeps the row (collector/stackjoin.h)
 * and the row is not written to the store. */
typedef int (*offcpu_hold_fn)(void *ctx, const struct hp_sample *s, uint64_t func, uint64_t sp);
void offcpu_set_hold(struct hp_offcpu *oc, offcpu_hold_fn fn, void *ctx);

/* A switch record of a thread, t_rel its time relative to the session's
 * start: an "in" closes the thread's interval and writes it to st.
 * Returns 0 or a store error. */
int offcpu_switch(struct hp_offcpu *oc, struct hp_store *st, const struct hp_perf_switch *sw,
		  uint64_t t_rel);

/* An attach: thread smp->tid of smp->pid, found asleep at smp->t_ns just
 * after its records were enabled, has been off the CPU since before (it
 * has no switch-out to come): its wait is opened then, with smp's stack
 * (nr_frames 0: none) and class cls (enum hp_wait_class: HP_WAIT_BLOCKED
 * for the analyzer to classify from the stack). A wait seen to end, or
 * begin, in the records before t_ns is the records'. Returns 1 when it was
 * opened, 0 when a record had opened it, or -ENOMEM. */
int offcpu_attach_wait(struct hp_offcpu *oc, const struct hp_sample *smp, int cls);

/* tid exited: its open interval (the switch into death) is dropped. */
void offcpu_forget(struct hp_offcpu *oc, uint32_t tid);

/* Close every open interval at t_rel (the end of the session; poll the
 * cut ones first), and the "on" period. */
int offcpu_flush(struct hp_offcpu *oc, struct hp_store *st, uint64_t t_rel);

void offcpu_totals(const struct hp_offcpu *oc, struct hp_offcpu_totals *t);

#endif

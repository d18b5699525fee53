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
 * and writes each interval as a sample of the off-CPU event: the stack at
 * switch-out, t_ns the switch-out time, counters[0] the nanoseconds off
 * the CPU and counters[1] the wait class (record.h: HP_WAIT_PREEMPTED from
 * the switch record, else HP_WAIT_BLOCKED for the analyzer to classify from
 * the stack). A switch-out whose sample was lost gets an empty stack (its
 * time still counts). An interval still open when its thread exits is
 * dropped; one open when the session ends is closed at the end
 * (offcpu_flush: a thread blocked when an attach detaches).
 */
#ifndef HP_OFFCPU_H
#define HP_OFFCPU_H

#include <stdint.h>

#include "collector/perf_record.h"
#include "common/record.h"

struct hp_store;
struct hp_offcpu;

struct hp_offcpu_totals {
	uint64_t intervals;           /* off-CPU samples written */
	uint64_t ns;                  /* their summed time */
	uint64_t no_stack;            /* of those, without the switch-out stack */
};

/* event: events.id given to the off-CPU samples. *out is freed with
 * offcpu_free. Returns 0 or -ENOMEM. */
int offcpu_new(int event, struct hp_offcpu **out);
void offcpu_free(struct hp_offcpu *oc);

/* The switch-out sample of smp->tid (its stack, already located; t_ns
 * relative to the session's start). Returns 0 or -ENOMEM. */
int offcpu_sample(struct hp_offcpu *oc, const struct hp_sample *smp);

/* A switch record of a thread, t_rel its time relative to the session's
 * start: an "in" closes the thread's interval and writes it to st.
 * Returns 0 or a store error. */
int offcpu_switch(struct hp_offcpu *oc, struct hp_store *st, const struct hp_perf_switch *sw,
		  uint64_t t_rel);

/* tid exited: its open interval (the switch into death) is dropped. */
void offcpu_forget(struct hp_offcpu *oc, uint32_t tid);

/* Close every open interval at t_rel (the end of the session). */
int offcpu_flush(struct hp_offcpu *oc, struct hp_store *st, uint64_t t_rel);

void offcpu_totals(const struct hp_offcpu *oc, struct hp_offcpu_totals *t);

#endif

/*
 * unseen.h - the CPU time a run's samples did not see: task-clock minus
 * (samples + lost) x the sampling period, computed once by the end of the
 * run (finish.c), stored as run_info unseen_ns and unseen_partial_ns, and
 * noted the same way by run, report and tui when it is more than the
 * threads' last partial periods explain.
 *
 * Why it happens: a time sampler (cpu-clock) takes one sample when its
 * timer fires. When the CPU is taken from the program without the
 * program's clock stopping - a virtual machine's host running other work
 * (steal time, which some guests are not told of: /proc/stat's steal stays
 * 0 on the machines this was measured on) - the timer fires once, late,
 * and one sample stands for the whole gap; task-clock counts all of it.
 * CI run 166 (diff_time): task-clock 1.728 s, samples x period 1.536 s,
 * and the 0.19 s fell in one function. perf's profile is blind to it in
 * the same way; hpprof says so. Where the unseen time fell is not known:
 * the shares are of the time sampled.
 *
 * Each thread's last period is partial (a thread's CPU time is not a
 * multiple of the period): up to one period per thread goes unseen on a
 * quiet machine, all of a thread that ran less than one period.
 *
 * Under the preload agent (no task-clock), the figures come from its
 * timers' overruns instead (collector/streamfeed.c, agent_unseen): the
 * periods its samples stood for beyond the usual number (their median),
 * and the CPU time they are of is the program's rusage.
 */
#ifndef HP_UNSEEN_H
#define HP_UNSEEN_H

#include <stddef.h>
#include <stdint.h>

struct hp_profile;
struct hp_store;

/* From a run's loaded profile (one run, a time sampler, task-clock
 * measured, kernel-mode samples taken): *unseen (>= 0) and *partial
 * (threads x period). Returns 0, or -1 when it cannot be said (so under
 * the agent, whose figures the run wrote already). */
int unseen_of_profile(const struct hp_profile *p, int64_t *unseen, int64_t *partial);

/* The note for a run whose run_info holds unseen_ns and unseen_partial_ns,
 * from its loaded profile or its store: into buf,
 * or NULL when the unseen time is within the partial periods and either
 * 10 periods or 2% of task-clock, or not known. */
const char *unseen_note(const struct hp_profile *p, char *buf, size_t n);
const char *unseen_note_of_store(struct hp_store *st, char *buf, size_t n);

#endif

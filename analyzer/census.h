/*
 * census.h - complete stacks: the one definition, computed once per run,
 * stored in run_info, and described the same way by run, report and tui.
 *
 * A sample's stack is complete when it reaches the program's entry or a
 * thread's start, either of:
 *   - the unwinder stopped at a frame whose CFI says it has no caller
 *     (samples.unwind = HP_STACK_END_OUTERMOST: _start, clone3, the
 *     outermost frame of a static or stripped binary), or its stack was
 *     joined with the callers of a later complete sample's same frame
 *     (HP_STACK_END_JOINED, collector/stackjoin.h);
 *   - one of its frames is an entry or thread-start function by name
 *     (census_is_entry: _start, __libc_start_main, main, clone, clone3,
 *     start_thread, ...), for samples whose end was not recorded (kernel
 *     frame-pointer chains, the preload agent) and stacks cut just above
 *     main.
 * A sample is cut when it is not complete and its unwinding needed stack
 * memory above the copy the kernel made (HP_STACK_END_CUT): a larger
 * --stack-size would have reached further. It stopped at a hole when not
 * complete and the kernel's copy ended early, at a stack page the program
 * had not touched yet (HP_STACK_END_HOLE).
 *
 * Counted over the main sampler's samples (run_info samples), written as
 * run_info complete_stacks, cut_stacks, hole_stacks and joined_stacks (and
 * entry_stacks, the same figure as complete_stacks under its older key) by
 * the end of run (finish.c).
 */
#ifndef HP_CENSUS_H
#define HP_CENSUS_H

#include <stddef.h>
#include <stdint.h>

struct hp_store;
struct hp_profile;

struct hp_census {
	int64_t samples;              /* main-sampler samples; -1 when unknown */
	int64_t complete;             /* of those, complete (above); -1 when unknown */
	int64_t cut;                  /* of those, not complete and cut by the copy */
	int64_t hole;                 /* of those, not complete: the kernel's copy ended early,
				       * at a stack page not touched yet (record.h) */
	int64_t joined;               /* of the complete, completed from a later sample of the
				       * same frame (collector/stackjoin.h) */
	int64_t stack_size;           /* bytes of stack copied per sample, 0 when none */
};

/* Is name a program entry or thread start function? */
int census_is_entry(const char *name);

/* Count the main sampler's samples of a profile, from its stacks' samples
 * and unwind ends (no pass over the samples of its own): loaded without a
 * filter, the run's; with one (report --tid...), the selection's. out's
 * stack_size is left 0. Returns 0 or -ENOMEM. */
int census_of_profile(const struct hp_profile *p, struct hp_census *out);

/* The figures as stored in run_info (complete_stacks, cut_stacks,
 * hole_stacks, joined_stacks, samples, stack_size), read from a profile or
 * a store. */
void census_from_profile(const struct hp_profile *p, struct hp_census *out);

/* The figures a report header or the TUI's summary shows: run_info's (the
 * figure `run` printed) or, when p holds a selection (report --tid...,
 * the TUI's thread filter), the selection's own (census_of_profile, the
 * same definition; on -ENOMEM run_info's), so that one thread's figure is
 * that thread's. */
void census_shown(const struct hp_profile *p, int selected, struct hp_census *out);
void census_from_store(struct hp_store *st, struct hp_census *out);

/* Percentage of complete stacks, -1 when unknown. Never 100 unless all are
 * complete, never 0 unless none is: 99.96% is "99.9". */
double census_complete_pct(const struct hp_census *c);

/* The one description, e.g. "99.6% complete stacks" or "87.1% complete
 * stacks, 12.5% cut by the 16 KiB stack copy" (and ", 0.4% stopped at a
 * stack page the kernel could not copy"), or
 * "complete stacks: n/a (no samples)". Returns buf. */
const char *census_describe(const struct hp_census *c, char *buf, size_t n);
/* The same with definition (" (reaching ...)") right after the complete
 * figure, before the cut and hole figures. */
const char *census_describe_defined(const struct hp_census *c, const char *definition,
				    char *buf, size_t n);

#endif

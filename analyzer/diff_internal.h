/*
 * diff_internal.h - what diff.c (building rows) and diff_judge.c (time,
 * noise, verdicts) share. Not for other modules.
 */
#ifndef HP_DIFF_INTERNAL_H
#define HP_DIFF_INTERNAL_H

#include "analyzer/diff.h"

/* The change of a value from before to after: the test (Welch's over runs
 * when d->welch, else the sampling error of mean_n samples per run on each
 * side), its (1 - alpha) confidence interval, and whether it is beyond the
 * noise (p < alpha) and d->opts.threshold. */
void diff_judge_change(const struct hp_diff *d, double alpha, struct hp_diff_stat before,
		       struct hp_diff_stat after, double before_n, double after_n,
		       struct hp_diff_change *c);

/* Is the row minor (too few samples on both sides)? */
int diff_row_minor(const struct hp_diff *d, const struct hp_diff_row *r);

/* The row's self and total changes (at d->row_alpha) and its verdict.
 * by_function: total time is a value of its own (callees included). */
void diff_judge_row(const struct hp_diff *d, struct hp_diff_row *r, int by_function);

/* The whole profile's CPU time and the wall-clock run time. */
void diff_judge_runs(struct hp_diff *d);

/* The text output (diff_text.c). */
void diff_print_text(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o);

#endif

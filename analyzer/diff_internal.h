/*
 * diff_internal.h - what diff.c (building rows) and diff_judge.c (time,
 * noise, verdicts) share. Not for other modules.
 */
#ifndef HP_DIFF_INTERNAL_H
#define HP_DIFF_INTERNAL_H

#include "analyzer/diff.h"

/* The change of a value from before to after: the test (Welch's over runs
 * when d->welch, else the sampling error of mean_n effective samples per
 * run on each side, of d->before/after.neff in all, and the run-to-run
 * spread assumed for code of that kind), its (1 - alpha) confidence
 * interval, and whether it is beyond the noise (p < alpha) and
 * d->opts.threshold. */
void diff_judge_change(const struct hp_diff *d, double alpha, struct hp_diff_stat before,
		       struct hp_diff_stat after, double before_n, double after_n,
		       enum hp_diff_pool_kind kind, struct hp_diff_change *c);

/* The same for a row's self time (total 0) or total time (total 1), with
 * the pooled spread of the row's kind (diff_row_pool). */
void diff_judge_row_change(const struct hp_diff *d, double alpha, const struct hp_diff_row *r,
			   int total, struct hp_diff_change *c);
/* The kind of code a row is, for the pooled spread: the machine's (a
 * bracketed module: [kernel.kallsyms], [vdso]) or the program's; of a
 * function of module (a path or NULL). */
enum hp_diff_pool_kind diff_row_pool(const struct hp_diff_row *r);
enum hp_diff_pool_kind diff_module_pool(const char *module);

/* The sampling error of a group of samples of p, as two sums over p's
 * runs k (w_k: the run's period in ms, 1 when p is not a merge of runs at
 * different rates): *w1 = sum w_k n_k and *w2 = sum w_k^2 n_k (1 - n_k/N_k),
 * where n_k of the run's N_k samples are in the group. rn: the group's
 * samples per run (p->nruns), or NULL when only n and the column sums c
 * are known: then *w2 is the bound max(w_k) * *w1 (the (1 - n/N) factor
 * left out). */
void diff_weighted_counts(const struct hp_profile *p, uint64_t n, const uint64_t *rn,
			  const int64_t *c, double *w1, double *w2);
/* The effective samples of such a group: the count whose binomial
 * relative error (1 - n/N)/n, with N p's effective samples in all
 * (diff_run_neff), is w2 / w1^2; n itself when p has one rate. */
double diff_effective(const struct hp_profile *p, uint64_t n, double w1, double w2);
/* p's effective samples in all: (sum w_k N_k)^2 / sum w_k^2 N_k (Kish's),
 * p->nsamples when p has one rate. */
double diff_run_neff(const struct hp_profile *p);

/* Estimate d->pool from d's sides and rows (reduced, not yet judged):
 * with repeated runs on both sides, the pooled relative variance of a
 * run's CPU time and of the rows' shares beyond sampling (diff.h,
 * hp_diff_pool); pool.ok stays 0 otherwise. Returns 0 or -ENOMEM. */
int diff_pool_spread(struct hp_diff *d);

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

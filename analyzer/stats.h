/*
 * stats.h - statistics over repeated runs, shared by `diff` (is a change
 * beyond the run-to-run noise?) and `stat` (mean ± relative stddev of the
 * mean, as perf stat prints it).
 *
 * Takes plain arrays of per-run values; knows nothing about profiles,
 * events or output.
 */
#ifndef HP_STATS_H
#define HP_STATS_H

/* Mean and sample standard deviation (n - 1) of v[0], v[stride], ...,
 * v[(n - 1) * stride], in two passes; sd is 0 for fewer than 2 values,
 * the mean 0 for none. */
void stats_mean_sd(const double *v, unsigned n, unsigned stride, double *mean, double *sd);

/* The relative standard deviation of the mean, in percent:
 * 100 * sd / sqrt(n) / |mean|; 0 for fewer than 2 values or a zero mean. */
double stats_rel_sem_pct(double mean, double sd, unsigned n);

/* Two-sided p-value of Student's t with df degrees of freedom. */
double stats_t_two_sided(double t, double df);

/* Welch's t-test of mean_a - mean_b from the two samples' means, sample
 * standard deviations and sizes (each at least 2): the two-sided p-value;
 * 1 when the means are equal, 0 when they differ and neither side varies. */
double stats_welch_p(double mean_b, double sd_b, unsigned nb, double mean_a, double sd_a,
		     unsigned na);

#endif

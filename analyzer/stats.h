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

/* P(F > f) for Fisher's F with d1 and d2 degrees of freedom (1 for f <= 0). */
double stats_f_upper(double f, double d1, double d2);

/* Welch's t-test of mean_a - mean_b from the two samples' means, sample
 * standard deviations and sizes (each at least 2): the two-sided p-value;
 * 1 when the means are equal, 0 when they differ and neither side varies. */
double stats_welch_p(double mean_b, double sd_b, unsigned nb, double mean_a, double sd_a,
		     unsigned na);

/* A test of a difference (after - before) between two means. */
struct hp_stats_test {
	double delta;                 /* mean_a - mean_b */
	double se;                    /* its standard error */
	double df;                    /* degrees of freedom; INFINITY: normal */
	double p;                     /* two-sided p-value (1 when delta = 0) */
};

/* Welch's test with the degrees of freedom of Welch-Satterthwaite (each
 * side at least 2 values); se 0 with delta != 0 gives p = 0. */
void stats_welch(double mean_b, double sd_b, unsigned nb, double mean_a, double sd_a,
		 unsigned na, struct hp_stats_test *t);

/* A normal (z) test of delta with standard error se: p = erfc(|delta| /
 * se / sqrt 2); df = INFINITY. */
void stats_z(double delta, double se, struct hp_stats_test *t);

/* A t test of delta with standard error se and df degrees of freedom
 * (INFINITY or > 1e6: the normal's); se 0 with delta != 0 gives p = 0. */
void stats_t(double delta, double se, double df, struct hp_stats_test *t);

/* The two-sided critical value: the t with P(|T| > t) = alpha for df
 * degrees of freedom (df = INFINITY or > 1e6: the normal's z). alpha in
 * (0, 1); e.g. alpha 0.05: 1.96 for the normal, 2.228 for df 10. */
double stats_t_critical(double alpha, double df);

/* Half-width of the (1 - alpha) confidence interval of t->delta. */
double stats_ci_half(const struct hp_stats_test *t, double alpha);

#endif

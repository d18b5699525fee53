/*
 * diff_judge.c - time and noise for diff.h: which time basis a set of runs
 * has, the time of a group of samples, and the test of each change (Welch
 * over repeated runs, else the Poisson error of sample counts - of the
 * effective count of a weighted sum in a merge of runs at different
 * rates), its confidence interval and the verdict of a row.
 *
 * Takes the reduced values of a row (means and standard deviations per
 * side, samples per run); knows nothing of how rows were joined.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff_internal.h"
#include "analyzer/profile.h"
#include "analyzer/stats.h"

/* --- time --- */

static int task_clock_column(const struct hp_profile *p)
{
	int e = profile_event_index(p, "task-clock");
	return e >= 0 && p->events[e].measured && !strcmp(p->events[e].role, "counter") ? e : -1;
}

static double frequency(const struct hp_profile *p)
{
	const char *f = profile_meta(p, "frequency");
	double hz = f ? strtod(f, NULL) : 0;
	return hz > 0 ? hz : 0;
}

enum hp_diff_time_basis diff_pick_basis(const struct hp_profile *const *runs, unsigned n)
{
	int tc = 1, period = 1;
	for (unsigned r = 0; r < n; r++) {
		tc &= task_clock_column(runs[r]) >= 0 && runs[r]->nsamples > 0;
		period &= frequency(runs[r]) > 0 || runs[r]->cpu_col >= 0;
	}
	return tc && n ? HP_DIFF_TIME_TASK_CLOCK : period && n ? HP_DIFF_TIME_PERIOD
							       : HP_DIFF_TIME_SAMPLES;
}

double diff_time_of(const struct hp_profile *p, enum hp_diff_time_basis b, uint64_t samples,
		    const int64_t *c)
{
	int e;
	switch (b) {
	case HP_DIFF_TIME_TASK_CLOCK:
		e = task_clock_column(p);
		return e >= 0 && c ? (double)c[e] / 1e9 : 0;
	case HP_DIFF_TIME_PERIOD:     /* runs at different rates: each sample its period */
		if (p->cpu_col >= 0)
			return c ? (double)c[p->cpu_col] / 1e9 : 0;
		return frequency(p) > 0 ? (double)samples / frequency(p) : 0;
	default:
		return (double)samples;
	}
}

/* --- noise --- */

void diff_weighted_counts(const struct hp_profile *p, uint64_t n, const uint64_t *rn,
			  const int64_t *c, double *w1, double *w2)
{
	double all = (double)p->nsamples;
	*w1 = *w2 = 0;
	if (p->cpu_col < 0) {
		*w1 = (double)n;
		*w2 = (double)n * (n < p->nsamples ? 1 - (double)n / all : 0);
		return;
	}
	if (!rn) {                    /* only the sums: bounded by the longest period */
		double wmax = 0;
		for (uint32_t k = 0; k < p->nruns; k++)
			wmax = fmax(wmax, profile_run_ms(p, k));
		*w1 = c ? (double)c[p->cpu_col] / 1e6 : 0;
		*w2 = wmax * *w1;
		return;
	}
	for (uint32_t k = 0; k < p->nruns; k++) {
		double w = profile_run_ms(p, k), nk = (double)rn[k], tk = (double)p->runs[k].samples;
		*w1 += w * nk;
		*w2 += w * w * nk * (nk < tk ? 1 - nk / tk : 0);
	}
}

double diff_run_neff(const struct hp_profile *p)
{
	double s1 = 0, s2 = 0;
	if (p->cpu_col < 0)
		return (double)p->nsamples;
	for (uint32_t k = 0; k < p->nruns; k++) {
		double w = profile_run_ms(p, k), tk = (double)p->runs[k].samples;
		s1 += w * tk;
		s2 += w * w * tk;
	}
	return s2 > 0 ? s1 * s1 / s2 : 0;
}

double diff_effective(const struct hp_profile *p, uint64_t n, double w1, double w2)
{
	double all = diff_run_neff(p);
	if (p->cpu_col < 0 || !n)
		return (double)n;
	if (w1 <= 0 || all <= 0)
		return 0;
	return 1 / (w2 / (w1 * w1) + 1 / all);
}

/* The variance of one run's value m made of n of the run's N samples:
 * where a sample lands is a draw among the N, so n is binomial(N, n/N) -
 * Poisson for a small share, and no error at all for the whole run, whose
 * CPU time the sampler measures (N samples of a fixed period, or
 * task-clock). In units of m: m^2 (1 - n/N) / n. */
static double sampling_var(double m, double n, double total)
{
	if (n <= 0 || total <= 0)
		return 0;
	double q = n < total ? 1 - n / total : 0;
	return m * m * q / n;
}

double diff_run_noise(const struct hp_diff *d)
{
	return d->welch || d->simulated ? 0 : d->opts.run_noise;   /* a simulated count has none */
}

/* The variance of the mean of k runs of value m from the run-to-run spread
 * assumed (--run-noise). */
static double run_var(const struct hp_diff *d, double m, unsigned k)
{
	double f = diff_run_noise(d) / 100;
	return k ? f * f * m * m / k : 0;
}

void diff_judge_change(const struct hp_diff *d, double alpha, struct hp_diff_stat b,
		       struct hp_diff_stat a, double nb, double na, struct hp_diff_change *c)
{
	struct hp_stats_test t;
	unsigned kb = d->before.runs, ka = d->after.runs;
	double tb = d->before.neff.mean, ta = d->after.neff.mean;
	if (d->welch) {
		/* a run's spread is never below its sampling error: two runs that
		 * happen to agree must not make the noise vanish */
		double vb = fmax(b.sd * b.sd, sampling_var(b.mean, nb, tb));
		double va = fmax(a.sd * a.sd, sampling_var(a.mean, na, ta));
		stats_welch(b.mean, sqrt(vb), kb, a.mean, sqrt(va), ka, &t);
	} else {
		/* the mean of k runs of n samples each: k*n samples of k*N, plus
		 * the run-to-run spread assumed (no side has two runs to show it) */
		double v = sampling_var(b.mean, nb * kb, tb * kb) + sampling_var(a.mean, na * ka, ta * ka);
		v += run_var(d, b.mean, kb) + run_var(d, a.mean, ka);
		stats_z(a.mean - b.mean, sqrt(v), &t);
	}
	c->delta = t.delta;
	c->p = t.p;
	c->ci = stats_ci_half(&t, alpha);
	c->rel = b.mean > 0 ? t.delta / b.mean : NAN;
	c->beyond = t.delta != 0 && t.p < alpha &&
		    (b.mean > 0 ? 100 * fabs(c->rel) >= d->opts.threshold : 1);
}

static enum hp_verdict direction(const struct hp_diff_change *c)
{
	return c->delta > 0 ? HP_VERDICT_SLOWER : HP_VERDICT_FASTER;
}

int diff_row_minor(const struct hp_diff *d, const struct hp_diff_row *r)
{
	double m = d->opts.min_samples;
	if (d->simulated)             /* no samples, and no sampling error either */
		return 0;
	return m > 0 && r->before_samples.mean < m && r->after_samples.mean < m;
}

/* A simulated count (cachegrind) has no sampling error: a change of
 * threshold percent or more is the verdict. */
static enum hp_verdict sim_verdict(const struct hp_diff *d, struct hp_diff_stat b,
				   struct hp_diff_stat a)
{
	if (a.mean == b.mean || (b.mean > 0 && 100 * fabs(a.mean - b.mean) / b.mean <
				 d->opts.threshold))
		return HP_VERDICT_SAME;
	return a.mean > b.mean ? HP_VERDICT_SLOWER : HP_VERDICT_FASTER;
}

void diff_judge_row(const struct hp_diff *d, struct hp_diff_row *r, int by_function)
{
	double nb = r->before_neff.mean, na = r->after_neff.mean, alpha = d->row_alpha;
	diff_judge_change(d, alpha, r->before_time, r->after_time, r->before_self_neff.mean,
			  r->after_self_neff.mean, &r->self);
	if (by_function)
		diff_judge_change(d, alpha, r->before_ttime, r->after_ttime, nb, na, &r->total);
	else
		r->total = r->self;
	r->delta_self = r->after_self.mean - r->before_self.mean;
	r->delta_total = r->after_total.mean - r->before_total.mean;
	r->on_total = 0;
	if (diff_row_minor(d, r))
		r->verdict = HP_VERDICT_MINOR;
	else if (!r->in_before && r->in_after)
		r->verdict = HP_VERDICT_NEW;
	else if (r->in_before && !r->in_after)
		r->verdict = HP_VERDICT_GONE;
	else if (d->simulated)
		r->verdict = d->sim_counter < 0 ? HP_VERDICT_SAME
			   : sim_verdict(d, r->before_c[d->sim_counter], r->after_c[d->sim_counter]);
	else if (r->self.beyond)
		r->verdict = direction(&r->self);
	else if (by_function && r->total.beyond) {
		r->verdict = direction(&r->total);
		r->on_total = 1;
	} else
		r->verdict = HP_VERDICT_SAME;
}

void diff_judge_runs(struct hp_diff *d)
{
	diff_judge_change(d, d->opts.alpha, d->before.time, d->after.time, d->before.neff.mean,
			  d->after.neff.mean, &d->time);
	d->verdict = d->time.beyond ? direction(&d->time) : HP_VERDICT_SAME;
	if (d->simulated && d->sim_counter >= 0)
		d->verdict = sim_verdict(d, d->counters[d->sim_counter].before,
					 d->counters[d->sim_counter].after);
	/* wall time has no sampling error: only the spread of repeated runs
	 * says what is noise */
	d->wall_judged = d->welch;
	if (d->welch) {
		struct hp_stats_test t;
		struct hp_diff_stat b = d->before.duration_s, a = d->after.duration_s;
		stats_welch(b.mean, b.sd, d->before.runs, a.mean, a.sd, d->after.runs, &t);
		d->wall.delta = t.delta;
		d->wall.p = t.p;
		d->wall.ci = stats_ci_half(&t, d->opts.alpha);
		d->wall.rel = b.mean > 0 ? t.delta / b.mean : NAN;
		d->wall.beyond = t.delta != 0 && t.p < d->opts.alpha && b.mean > 0 &&
				 100 * fabs(d->wall.rel) >= d->opts.threshold;
	} else {
		double b = d->before.duration_s.mean, a = d->after.duration_s.mean;
		d->wall = (struct hp_diff_change){ a - b, 0, 1, b > 0 ? (a - b) / b : NAN, 0 };
	}
	d->wall_verdict = d->wall.beyond ? direction(&d->wall) : HP_VERDICT_SAME;
}

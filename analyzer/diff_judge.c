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
#include <errno.h>
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
 * assumed (--run-noise; HP_DIFF_MACHINE_NOISE times it for the machine's
 * code). */
static double run_var(const struct hp_diff *d, double m, unsigned k, enum hp_diff_pool_kind kind)
{
	double f = diff_run_noise(d) / 100 * (kind == HP_DIFF_POOL_MACHINE ? HP_DIFF_MACHINE_NOISE : 1);
	return k ? f * f * m * m / k : 0;
}

/* --- the pooled spread of repeated runs --- */

/* The relative variance of a side's k values (sd / mean)^2, weighted by its
 * degrees of freedom k - 1: summed over both sides and divided by their
 * kb + ka - 2, the pooled within-side relative variance. */
static double rel_ss(struct hp_diff_stat s, unsigned k)
{
	return k > 1 && s.mean > 0 ? (k - 1) * (s.sd / s.mean) * (s.sd / s.mean) : 0;
}

/* The binomial relative variance (1 - p) / n of a row's n of N samples. */
static double binomial_rel(double n, double total)
{
	return n > 0 && total > 0 ? (n < total ? 1 - n / total : 0) / n : 0;
}

/* One side's runs of a row as evidence about the pooled spread: the
 * relative variance of its self time over those runs beyond its sampling
 * error, with that sampling part and its degrees of freedom (runs - 1). */
struct pool_row {
	double excess, sampling, df;
	int out;                 /* spreads beyond the pool: left out of it */
};

/* The evidence of side s (its k runs of mean n of N effective samples) of
 * row r: 1 and *pr, or 0 when it has none (one run, no samples, all). */
static int pool_side_of(const struct hp_diff *d, const struct hp_diff_row *r,
			struct hp_diff_stat t, unsigned k, double n, double total,
			struct pool_row *pr)
{
	if (k < 2 || diff_row_minor(d, r) || !(n > 0 && n < total) || !(t.mean > 0))
		return 0;
	pr->df = k - 1;
	pr->sampling = binomial_rel(n, total);
	pr->excess = rel_ss(t, k) / pr->df - pr->sampling;
	pr->out = 0;
	return 1;
}

/* Both sides' evidence of row r into pr[0..2): how many. */
static int pool_row_of(const struct hp_diff *d, const struct hp_diff_row *r,
		       struct pool_row *pr)
{
	int n = pool_side_of(d, r, r->before_time, d->before.runs, r->before_self_neff.mean,
			     d->before.neff.mean, pr);
	return n + pool_side_of(d, r, r->after_time, d->after.runs, r->after_self_neff.mean,
				d->after.neff.mean, pr + n);
}

/* Does a row's own relative variance per run (df_own degrees of freedom)
 * exceed the model's (estimated with the variance var_c) beyond chance?
 * An F test at HP_DIFF_OWN_ALPHA, the model's degrees of freedom by
 * Satterthwaite. */
static int beyond_pool(double own, double model, double df_own, double var_c)
{
	double df_model = var_c > 0 ? 2 * model * model / var_c : INFINITY;
	return model <= 0 ||
	       stats_f_upper(own / model, df_own, fmin(df_model, 1e4)) < HP_DIFF_OWN_ALPHA;
}

/* The weighted mean of the rows' excess (those not out), each weighted by
 * the inverse of its estimate's variance 2 (c + sampling)^2 / df (a few
 * rounds: the weights depend on the estimate c); *var: the variance of
 * the result. */
static double pool_excess(const struct pool_row *pr, uint32_t n, double *var)
{
	double c = 0, w = 0;
	for (int round = 0; round < 8; round++) {
		double sw = 0, swx = 0;
		for (uint32_t i = 0; i < n; i++) {
			double v = c + pr[i].sampling, wi = v > 0 && !pr[i].out ? pr[i].df / (v * v) : 0;
			sw += wi;
			swx += wi * pr[i].excess;
		}
		w = sw;
		c = sw > 0 ? fmax(0, swx / sw) : 0;
	}
	*var = w > 0 ? 2 / w : INFINITY;
	return c;
}

/* Mark out the entries that spread beyond the model c (estimated with the
 * variance var_c): 1 when that changed any. */
static int mark_out(struct pool_row *pr, uint32_t n, double c, double var_c)
{
	int changed = 0;
	for (uint32_t i = 0; i < n; i++) {
		int out = beyond_pool(pr[i].excess + pr[i].sampling, c + pr[i].sampling, pr[i].df,
				      var_c);
		changed |= out != pr[i].out;
		pr[i].out = out;
	}
	return changed;
}

/* Pool the n entries of kind k into p: the weighted excess of those not
 * out, at least the whole run's spread. Which are out is found from the
 * bottom up - first against the whole run's spread alone, then against
 * the pool of the others, until nothing changes - so that one noisy row
 * neither makes every row's noise nor hides itself in the pool it
 * inflated; it is judged on its own spread. */
static void pool_kind(struct hp_diff_pool *p, int k, struct pool_row *pr, uint32_t n)
{
	double run_part = 2 * p->run_var * p->run_var / p->run_df;
	int changed = mark_out(pr, n, p->run_var, run_part);
	for (int round = 0; round < 16; round++) {
		double rows_var;
		p->spread_var[k] = fmax(pool_excess(pr, n, &rows_var), p->run_var);
		p->spread_var_var[k] = rows_var + run_part;
		if (!changed)
			break;
		changed = mark_out(pr, n, p->spread_var[k], p->spread_var_var[k]);
	}
	p->rows[k] = p->left_out[k] = 0;
	for (uint32_t i = 0; i < n; i++)
		(pr[i].out ? p->left_out : p->rows)[k]++;
	p->df[k] = p->spread_var_var[k] > 0
		 ? 2 * p->spread_var[k] * p->spread_var[k] / p->spread_var_var[k] : INFINITY;
}

enum hp_diff_pool_kind diff_module_pool(const char *module)
{
	return module && module[0] == '[' ? HP_DIFF_POOL_MACHINE : HP_DIFF_POOL_PROGRAM;
}

enum hp_diff_pool_kind diff_row_pool(const struct hp_diff_row *r)
{
	return diff_module_pool(r->module);
}

int diff_pool_spread(struct hp_diff *d)
{
	unsigned kb = d->before.runs, ka = d->after.runs;
	struct hp_diff_pool *p = &d->pool;
	memset(p, 0, sizeof(*p));
	if (!d->welch || d->simulated)
		return 0;
	struct pool_row *pr = calloc(d->nrows ? 2 * (size_t)d->nrows : 1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	p->run_df = kb + ka - 2;
	p->run_var = (rel_ss(d->before.time, kb) + rel_ss(d->after.time, ka)) / p->run_df;
	for (int k = 0; k < HP_DIFF_POOLS; k++) {
		uint32_t n = 0;
		for (uint32_t i = 0; i < d->nrows; i++)
			if (diff_row_pool(&d->rows[i]) == (enum hp_diff_pool_kind)k)
				n += pool_row_of(d, &d->rows[i], &pr[n]);
		pool_kind(p, k, pr, n);
	}
	p->ok = d->before.time.mean > 0 && d->after.time.mean > 0;
	free(pr);
	return 0;
}

/* One side of a row's pooled test: its mean of k runs m, the pool's
 * spread c (estimated with the variance var_c), the row's sampling error
 * s per run and its own runs' relative spread. The variance per run is
 * the model's c + s (Satterthwaite's df_m = 2 (c + s)^2 / var_c) and the
 * own runs' (k - 1 df, never below s) combined by their degrees of
 * freedom, as an empirical-Bayes (moderated) variance: the pool decides
 * where it is precise, the row's runs where it is not. *term: the
 * variance of the mean, *df: its degrees of freedom. */
static void pooled_side(struct hp_diff_stat t, unsigned k, double c, double var_c, double s,
			double *term, double *df)
{
	double model = c + s, own = fmax(k > 1 ? rel_ss(t, k) / (k - 1) : 0, s);
	double df_m = var_c > 0 ? 2 * model * model / var_c : INFINITY, df_o = k - 1;
	double v = isfinite(df_m) ? (df_m * model + df_o * own) / (df_m + df_o) : model;
	*term = t.mean * t.mean * v / k;
	*df = df_m + df_o;
}

/* The test of a part of the run (n < N samples on both sides) with the
 * pooled spread of its kind: each side's mean as pooled_side says, the
 * two combined by Welch-Satterthwaite. Returns 0 when the row's own runs
 * spread beyond the pool's model (F test at HP_DIFF_OWN_ALPHA): it is to
 * be judged on its own spread. */
static int pooled_test(const struct hp_diff *d, struct hp_diff_stat b, struct hp_diff_stat a,
		       double nb, double na, enum hp_diff_pool_kind kind, struct hp_stats_test *t,
		       double *vb, double *va)
{
	const struct hp_diff_pool *p = &d->pool;
	unsigned kb = d->before.runs, ka = d->after.runs;
	double sb = binomial_rel(nb, d->before.neff.mean), sa = binomial_rel(na, d->after.neff.mean);
	double c = p->spread_var[kind], var_c = p->spread_var_var[kind], df_own = kb + ka - 2;
	double dfb, dfa;
	if (!p->rows[kind])            /* nothing to pool: the row's own spread */
		return 0;
	/* the row's own spread against the model's, per run */
	double model = c + ((kb - 1) * sb + (ka - 1) * sa) / df_own;
	if (beyond_pool((rel_ss(b, kb) + rel_ss(a, ka)) / df_own, model, df_own, var_c))
		return 0;
	pooled_side(b, kb, c, var_c, sb, vb, &dfb);
	pooled_side(a, ka, c, var_c, sa, va, &dfa);
	double v = *vb + *va, den = *vb * *vb / dfb + *va * *va / dfa;
	stats_t(a.mean - b.mean, sqrt(v), den > 0 ? v * v / den : INFINITY, t);
	return 1;
}

void diff_ratio_interval(double b, double vb, double a, double va, double q,
			 struct hp_diff_change *c)
{
	/* t^2 (b^2 - q^2 vb) - 2 a b t + a^2 - q^2 va <= 0 */
	double k = b * b - q * q * vb, q2 = q * q;
	c->rel_lo = c->rel_hi = b > 0 ? a / b - 1 : NAN;
	if (!(b > 0) || !(q > 0))
		return;
	if (k <= 0) {
		/* b's own interval reaches 0: no upper bound; the set is t <= t1
		 * or t >= t2 with t1 <= 0, so at most a lower bound t2 (none when
		 * the equation has no root: every ratio fits) */
		double disc = q2 * (a * a * vb + k * va), t2 = 0;
		if (k < 0 && disc >= 0)
			t2 = (sqrt(disc) - a * b) / -k;
		else if (k == 0 && a > 0)
			t2 = (a * a - q2 * va) / (2 * a * b);
		c->rel_lo = fmax(t2, 0) - 1;
		c->rel_hi = INFINITY;
		return;
	}
	double root = sqrt(q2 * (a * a * vb + k * va));
	c->rel_lo = fmax((a * b - root) / k, 0) - 1;
	c->rel_hi = (a * b + root) / k - 1;
}

void diff_judge_change(const struct hp_diff *d, double alpha, struct hp_diff_stat b,
		       struct hp_diff_stat a, double nb, double na, enum hp_diff_pool_kind kind,
		       struct hp_diff_change *c)
{
	struct hp_stats_test t;
	unsigned kb = d->before.runs, ka = d->after.runs;
	double tb = d->before.neff.mean, ta = d->after.neff.mean;
	double vb = 0, va = 0;        /* the variances of the two means */
	c->pooled = d->welch && d->pool.ok && nb > 0 && na > 0 && nb < tb && na < ta &&
		    pooled_test(d, b, a, nb, na, kind, &t, &vb, &va);
	if (d->welch && !c->pooled) {
		/* a run's spread is never below its sampling error: two runs that
		 * happen to agree must not make the noise vanish */
		vb = fmax(b.sd * b.sd, sampling_var(b.mean, nb, tb));
		va = fmax(a.sd * a.sd, sampling_var(a.mean, na, ta));
		stats_welch(b.mean, sqrt(vb), kb, a.mean, sqrt(va), ka, &t);
		vb /= kb;
		va /= ka;
	} else if (!d->welch) {
		/* the mean of k runs of n samples each: k*n samples of k*N, plus
		 * the run-to-run spread assumed (no side has two runs to show it) */
		vb = sampling_var(b.mean, nb * kb, tb * kb) + run_var(d, b.mean, kb, kind);
		va = sampling_var(a.mean, na * ka, ta * ka) + run_var(d, a.mean, ka, kind);
		stats_z(a.mean - b.mean, sqrt(vb + va), &t);
	}
	c->delta = t.delta;
	c->p = t.p;
	c->ci = stats_ci_half(&t, alpha);
	c->rel = b.mean > 0 ? t.delta / b.mean : NAN;
	diff_ratio_interval(b.mean, vb, a.mean, va, t.se > 0 ? stats_t_critical(alpha, t.df) : 0, c);
	c->beyond = t.delta != 0 && t.p < alpha &&
		    (b.mean > 0 ? 100 * fabs(c->rel) >= d->opts.threshold : 1);
}

/* The pool a row's total time is tested with: its callees may be the
 * kernel's (a system call's time is in its caller's total), so the wider
 * of its own kind's and the machine's. */
static enum hp_diff_pool_kind total_pool(const struct hp_diff *d, const struct hp_diff_row *r)
{
	const struct hp_diff_pool *p = &d->pool;
	enum hp_diff_pool_kind k = diff_row_pool(r), m = HP_DIFF_POOL_MACHINE;
	return p->rows[m] && (!p->rows[k] || p->spread_var[m] > p->spread_var[k]) ? m : k;
}

void diff_judge_row_change(const struct hp_diff *d, double alpha, const struct hp_diff_row *r,
			   int total, struct hp_diff_change *c)
{
	if (total)
		diff_judge_change(d, alpha, r->before_ttime, r->after_ttime, r->before_neff.mean,
				  r->after_neff.mean, total_pool(d, r), c);
	else
		diff_judge_change(d, alpha, r->before_time, r->after_time, r->before_self_neff.mean,
				  r->after_self_neff.mean, diff_row_pool(r), c);
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
	diff_judge_row_change(d, d->row_alpha, r, 0, &r->self);
	if (by_function)
		diff_judge_row_change(d, d->row_alpha, r, 1, &r->total);
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
			  d->after.neff.mean, HP_DIFF_POOL_PROGRAM, &d->time);
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
		diff_ratio_interval(b.mean, b.sd * b.sd / d->before.runs, a.mean,
				    a.sd * a.sd / d->after.runs,
				    t.se > 0 ? stats_t_critical(d->opts.alpha, t.df) : 0, &d->wall);
		d->wall.beyond = t.delta != 0 && t.p < d->opts.alpha && b.mean > 0 &&
				 100 * fabs(d->wall.rel) >= d->opts.threshold;
	} else {
		double b = d->before.duration_s.mean, a = d->after.duration_s.mean;
		/* no noise estimate: no interval either */
		d->wall = (struct hp_diff_change){ .delta = a - b, .p = 1,
						   .rel = b > 0 ? (a - b) / b : NAN,
						   .rel_lo = NAN, .rel_hi = NAN };
	}
	d->wall_verdict = d->wall.beyond ? direction(&d->wall) : HP_VERDICT_SAME;
}

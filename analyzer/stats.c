/*
 * stats.c - means, standard deviations, Student's t and Welch's test
 * (stats.h).
 */
#include "analyzer/stats.h"

#include <math.h>
#include <stddef.h>

void stats_mean_sd(const double *v, unsigned n, unsigned stride, double *mean, double *sd)
{
	double m = 0, ss = 0;
	for (unsigned i = 0; i < n; i++)
		m += v[(size_t)i * stride];
	m /= n ? n : 1;
	for (unsigned i = 0; i < n; i++) {
		double d = v[(size_t)i * stride] - m;
		ss += d * d;
	}
	*mean = m;
	*sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
}

double stats_rel_sem_pct(double mean, double sd, unsigned n)
{
	if (n < 2 || mean == 0)
		return 0;
	return 100.0 * sd / sqrt((double)n) / fabs(mean);
}

/* Continued fraction of the incomplete beta function (Lentz). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + aa * d;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-12)
			break;
	}
	return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double stats_t_two_sided(double t, double df)
{
	return beta_inc(df / 2, 0.5, df / (df + t * t));
}

double stats_f_upper(double f, double d1, double d2)
{
	return f > 0 ? beta_inc(d2 / 2, d1 / 2, d2 / (d2 + d1 * f)) : 1;
}

double stats_welch_p(double mean_b, double sd_b, unsigned nb, double mean_a, double sd_a,
		     unsigned na)
{
	double delta = mean_a - mean_b;
	double vb = sd_b * sd_b / nb, va = sd_a * sd_a / na, se2 = vb + va;
	if (delta == 0)
		return 1;
	if (se2 <= 0)
		return 0;
	double df = se2 * se2 / (vb * vb / (nb - 1) + va * va / (na - 1));
	return stats_t_two_sided(delta / sqrt(se2), df);
}

void stats_welch(double mean_b, double sd_b, unsigned nb, double mean_a, double sd_a,
		 unsigned na, struct hp_stats_test *t)
{
	double vb = sd_b * sd_b / (nb ? nb : 1), va = sd_a * sd_a / (na ? na : 1);
	double se2 = vb + va, den = 0;
	t->delta = mean_a - mean_b;
	t->se = sqrt(se2);
	if (nb > 1)
		den += vb * vb / (nb - 1);
	if (na > 1)
		den += va * va / (na - 1);
	t->df = den > 0 ? se2 * se2 / den : INFINITY;
	t->p = stats_welch_p(mean_b, sd_b, nb, mean_a, sd_a, na);
}

/* P(|T| > t) for df degrees of freedom, the normal beyond 1e6. */
static double two_sided(double t, double df)
{
	return isfinite(df) && df <= 1e6 ? stats_t_two_sided(t, df) : erfc(fabs(t) / sqrt(2.0));
}

void stats_t(double delta, double se, double df, struct hp_stats_test *t)
{
	t->delta = delta;
	t->se = se;
	t->df = df;
	t->p = delta == 0 ? 1 : se > 0 ? two_sided(delta / se, df) : 0;
}

void stats_z(double delta, double se, struct hp_stats_test *t)
{
	t->delta = delta;
	t->se = se;
	t->df = INFINITY;
	t->p = delta == 0 ? 1 : se > 0 ? erfc(fabs(delta) / se / sqrt(2.0)) : 0;
}


double stats_t_critical(double alpha, double df)
{
	double lo = 0, hi = 1;
	if (!(alpha > 0 && alpha < 1))
		return alpha >= 1 ? 0 : INFINITY;
	while (two_sided(hi, df) > alpha && hi < 1e6)     /* bracket, then bisect */
		hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 1e-10 * hi; i++) {
		double mid = (lo + hi) / 2;
		if (two_sided(mid, df) > alpha)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

double stats_ci_half(const struct hp_stats_test *t, double alpha)
{
	return t->se > 0 ? stats_t_critical(alpha, t->df) * t->se : 0;
}

/*
 * diff_gate.c - regression gates for CI (`hpprof diff --fail-if`): parse
 * a condition such as 'total>+3%' or 'calculate_z>+5%', evaluate it on a
 * diff (diff.h), describe the outcome.
 *
 * A gate fails only when the regression is beyond the noise: the change is
 * significant (p < alpha) and its whole (1 - alpha) confidence interval
 * lies past the limit - with repeated runs, Welch's interval over the runs;
 * with one run per side, the sampling error alone. A measured +4% whose
 * interval reaches down to +1% does not fail 'total>+3%'.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff_internal.h"

/* Parse LIMIT: [+-]NUMBER followed by %, s, ms, us or µs. */
static int parse_limit(const char *s, struct hp_diff_gate *g)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || !(isdigit((unsigned char)*s) || *s == '+' || *s == '-' || *s == '.'))
		return -EINVAL;
	double v = strtod(s, &end);
	if (end == s || !isfinite(v))
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	static const struct { const char *unit; double scale; int relative; } units[] = {
		{ "%", 0.01, 1 }, { "s", 1, 0 }, { "ms", 1e-3, 0 }, { "us", 1e-6, 0 },
		{ "\xc2\xb5s", 1e-6, 0 },
	};
	size_t len = strlen(end);
	while (len && isspace((unsigned char)end[len - 1]))
		len--;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (len == strlen(units[i].unit) && !strncmp(end, units[i].unit, len)) {
			g->bound = v * units[i].scale;
			g->relative = units[i].relative;
			return 0;
		}
	return -EINVAL;
}

int diff_gate_parse(const char *text, struct hp_diff_gate *g, const char **why)
{
	memset(g, 0, sizeof(*g));
	*why = "expected SUBJECT>LIMIT or SUBJECT<LIMIT, e.g. 'total>+3%' or 'calculate_z>+20ms'";
	if (strlen(text) >= sizeof(g->text))
		return *why = "the condition is too long", -EINVAL;
	snprintf(g->text, sizeof(g->text), "%s", text);
	/* the operator is the last > or < that a valid limit follows (C++ names
	 * hold < and > of their own) */
	const char *op = NULL;
	for (const char *p = text + strlen(text); p-- > text;)
		if ((*p == '>' || *p == '<') && !parse_limit(p + 1, g)) {
			op = p;
			break;
		}
	if (!op)
		return -EINVAL;
	g->greater = *op == '>';
	const char *s = text, *e = op;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e == s)
		return *why = "the condition names no subject (total, wall, imbalance, or a function)", -EINVAL;
	size_t n = (size_t)(e - s);
	if (n == 5 && !strncmp(s, "total", 5))
		g->subject = HP_GATE_TOTAL;
	else if (n == 4 && !strncmp(s, "wall", 4))
		g->subject = HP_GATE_WALL;
	else if (n == 9 && !strncmp(s, "imbalance", 9)) {
		g->subject = HP_GATE_IMBALANCE;
		if (!g->relative)
			return *why = "the imbalance has no unit: give its limit in percent,"
				      " e.g. 'imbalance>+10%'", -EINVAL;
	}
	else if (n > 5 && !strncmp(s, "self:", 5)) {
		g->subject = HP_GATE_FUNCTION_SELF;
		s += 5;
		n -= 5;
	} else
		g->subject = HP_GATE_FUNCTION;
	if (n >= sizeof(g->name))
		return *why = "the function name is too long", -EINVAL;
	memcpy(g->name, s, n);
	g->name[n] = '\0';
	return 0;
}

/* The row of function name with the most time (before or after), or NULL. */
static const struct hp_diff_row *find_row(const struct hp_diff *d, const char *name)
{
	const struct hp_diff_row *best = NULL;
	for (uint32_t i = 0; i < d->nrows; i++) {
		const struct hp_diff_row *r = &d->rows[i];
		if (!r->name || strcmp(r->name, name))
			continue;
		if (!best || fmax(r->before_ttime.mean, r->after_ttime.mean) >
			     fmax(best->before_ttime.mean, best->after_ttime.mean))
			best = r;
	}
	return best;
}

/* Does the whole interval [delta - ci, delta + ci] lie past the limit? */
static int past_limit(const struct hp_diff_gate *g, double before)
{
	const struct hp_diff_change *c = &g->change;
	double edge = g->greater ? c->delta - c->ci : c->delta + c->ci;
	if (g->relative) {
		if (before <= 0)       /* from nothing: any change is infinitely many % */
			return g->greater ? edge > 0 : edge < 0;
		edge /= before;
	}
	return g->greater ? edge > g->bound : edge < g->bound;
}

void diff_gate_eval_imbalance(struct hp_diff_gate *g, double before, double after, double delta,
			      double ci, double p, double alpha)
{
	g->before = before;
	g->after = after;
	/* no interval of the ratio: the ranks' test gives the difference's */
	g->change = (struct hp_diff_change){ .delta = delta, .ci = ci, .p = p,
					     .rel = before > 0 ? delta / before : NAN,
					     .rel_lo = NAN, .rel_hi = NAN };
	g->evaluated = 1;
	g->failed = delta != 0 && p < alpha && past_limit(g, before);
	g->change.beyond = g->failed;
}

int diff_gate_eval(const struct hp_diff *d, struct hp_diff_gate *g)
{
	const struct hp_diff_row *r;
	if (g->subject == HP_GATE_IMBALANCE)
		return 0;                     /* decided from the ranks: diff_gate_eval_imbalance */
	g->evaluated = 0;
	g->failed = 0;
	switch (g->subject) {
	case HP_GATE_TOTAL:
		g->before = d->before.time.mean;
		g->after = d->after.time.mean;
		g->change = d->time;
		break;
	case HP_GATE_WALL:
		g->before = d->before.duration_s.mean;
		g->after = d->after.duration_s.mean;
		g->change = d->wall;
		break;
	default:
		if (d->opts.by != HP_DIFF_FUNCTION || !(r = find_row(d, g->name)))
			return -ENOENT;
		/* a single test at alpha, not the rows' corrected level */
		diff_judge_row_change(d, d->opts.alpha, r, g->subject != HP_GATE_FUNCTION_SELF,
				      &g->change);
		g->before = g->subject == HP_GATE_FUNCTION_SELF ? r->before_time.mean
								 : r->before_ttime.mean;
		g->after = g->subject == HP_GATE_FUNCTION_SELF ? r->after_time.mean
							       : r->after_ttime.mean;
		break;
	}
	g->evaluated = 1;
	/* beyond the noise: significant, and the interval clear of the limit;
	 * the wall time of single runs has no noise estimate and never fails */
	int noise_known = g->subject != HP_GATE_WALL || d->wall_judged;
	g->failed = noise_known && g->change.delta != 0 && g->change.p < d->opts.alpha &&
		    past_limit(g, g->before);
	return 0;
}

static void amount(char *buf, size_t len, const struct hp_diff *d, double v)
{
	if (d->basis == HP_DIFF_TIME_SAMPLES && d->opts.norm == HP_DIFF_PER_RUN)
		snprintf(buf, len, "%.4g samples", v);
	else if (fabs(v) >= 1)
		snprintf(buf, len, "%.4g s", v);
	else if (fabs(v) >= 1e-3)
		snprintf(buf, len, "%.4g ms", v * 1e3);
	else
		snprintf(buf, len, "%.4g us", v * 1e6);
}

void diff_gate_describe(const struct hp_diff *d, const struct hp_diff_gate *g, char *buf,
			size_t len)
{
	char b[48], a[48], lo[48], hi[48];
	const struct hp_diff_change *c = &g->change;
	if (!g->evaluated) {
		snprintf(buf, len, "'%s': '%s' is in neither profile", g->text, g->name);
		return;
	}
	if (g->subject == HP_GATE_IMBALANCE) {
		snprintf(buf, len, "'%s': load imbalance %.3f -> %.3f, %+.1f%% (%.4g%% CI %+.1f%% .."
			 " %+.1f%%; sampling error of the ranks' compute samples, p %.2g): %s",
			 g->text, g->before, g->after, 100 * c->delta / (g->before > 0 ? g->before : 1),
			 100 * (1 - d->opts.alpha), 100 * (c->delta - c->ci) / (g->before > 0 ? g->before : 1),
			 100 * (c->delta + c->ci) / (g->before > 0 ? g->before : 1), c->p,
			 g->failed ? "FAILED" : "passed");
		return;
	}
	amount(b, sizeof(b), d, g->before);
	amount(a, sizeof(a), d, g->after);
	char chg[48];
	if (g->before > 0) {
		snprintf(chg, sizeof(chg), "%+.1f%%", 100 * c->delta / g->before);
		snprintf(lo, sizeof(lo), "%+.1f%%", 100 * (c->delta - c->ci) / g->before);
		snprintf(hi, sizeof(hi), "%+.1f%%", 100 * (c->delta + c->ci) / g->before);
	} else {
		snprintf(chg, sizeof(chg), "from nothing");
		amount(lo, sizeof(lo), d, c->delta - c->ci);
		amount(hi, sizeof(hi), d, c->delta + c->ci);
	}
	char assumed[64];
	snprintf(assumed, sizeof(assumed), "sampling error, %g%% run noise assumed",
		 diff_run_noise(d));
	const char *noise = g->subject == HP_GATE_WALL && !d->wall_judged
		? "no noise estimate with one run per side"
		: d->welch ? "Welch over runs" : diff_run_noise(d) > 0 ? assumed
		: "sampling error only";
	snprintf(buf, len, "'%s': %s -> %s, %s (%.4g%% CI %s .. %s; %s, p %.2g): %s", g->text, b, a,
		 chg, 100 * (1 - d->opts.alpha), lo, hi, noise, c->p,
		 g->failed ? "FAILED" : "passed");
}

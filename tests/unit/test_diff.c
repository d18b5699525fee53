/*
 * test_diff.c - analyzer/diff.c, diff_judge.c and diff_gate.c on profiles
 * built by hand (the model's fields diff reads: functions with samples,
 * run_info, sample counts), so every expected value follows from the
 * construction:
 * - one function 3x faster, the others keep their samples: only it is
 *   faster, their shares rise and they stay "same"; times are samples /
 *   frequency; the interval is the binomial sampling error;
 * - a function under --min-samples on both sides is minor, not gone;
 * - a program renamed between the runs still joins;
 * - --norm work divides by the work counts; without a time basis, sample
 *   counts stand for time;
 * - by line, a hot line that moved by 2 pairs with its new place although
 *   a line of 2 skid samples sits 1 line from the old place (the offset is
 *   voted for by samples, not by count of candidate lines);
 * - gates parse (C++ names with < and > included), pass and fail by their
 *   interval; repeated runs switch to Welch;
 * - the interval of a change in percent is the ratio's (Fieller's): 100 ->
 *   400 samples, one run a side, binomial error only, prints bounds where
 *   (a - t b)^2 = q^2 (va + t^2 vb); over simulated binomial pairs it holds
 *   the true change at its nominal rate.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/profile.h"
#include "hp_test.h"
#include "test_diff_util.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

struct fake {
	struct hp_profile p;
	struct hp_pfunc f[8];
	char *keys[4], *values[4];
};

/* A run at 1000 Hz of program `exe` with functions names[i] holding
 * self[i] samples each (total = self; a leaf-only profile). */
static void fake_init(struct fake *x, const char *exe, const char *const *names,
		      const uint64_t *self, int n)
{
	memset(x, 0, sizeof(*x));
	x->keys[0] = "frequency";
	x->values[0] = "1000";
	x->keys[1] = "target";
	x->values[1] = (char *)exe;
	x->p.meta_keys = x->keys;
	x->p.meta_values = x->values;
	x->p.nmeta = 2;
	x->p.offcpu_col = x->p.wall_col = x->p.cpu_col = -1;
	for (int i = 0; i < n; i++) {
		x->f[i] = (struct hp_pfunc){ (uint32_t)i, names[i], exe, NULL, self[i], self[i],
					     NULL, NULL };
		x->p.nsamples += self[i];
	}
	x->p.functions = x->f;
	x->p.nfunctions = (uint32_t)n;
	x->p.duration_ns = x->p.nsamples * 1000000;
}

static void test_three_times_faster(void)
{
	static const char *const names[] = { "a", "b", "c", "tiny" };
	const uint64_t before[] = { 600, 300, 100, 3 }, after[] = { 200, 300, 100, 0 };
	struct fake b, a;
	struct hp_diff *d;
	fake_init(&b, "/old/prog", names, before, 4);
	fake_init(&a, "/new/prog-renamed", names, after, 3);
	/* the program's own module joins although its file name changed */
	a.f[0].module = a.f[1].module = a.f[2].module = "/new/prog-renamed";
	/* the default assumes a run-to-run spread for one run a side: the
	 * whole run's interval is then not 0 */
	CHECK(diff_pair(&b.p, &a.p, NULL, &d) == 0);
	CHECK(d && d->opts.run_noise == HP_DIFF_RUN_NOISE && d->time.ci > 0);
	diff_free(d);
	/* the sampling error alone (--run-noise 0): the formulas below */
	struct hp_diff_opts o0;
	diff_opts_init(&o0);
	o0.run_noise = 0;
	CHECK(diff_pair(&b.p, &a.p, &o0, &d) == 0);
	if (!d)
		return;
	CHECK(d->basis == HP_DIFF_TIME_PERIOD && !d->welch);
	const struct hp_diff_row *ra = row(d, "a"), *rb = row(d, "b"), *rc = row(d, "c");
	const struct hp_diff_row *rt = row(d, "tiny");
	CHECK(ra && rb && rc && rt);
	if (!ra || !rb || !rc || !rt)
		goto out;
	CHECK_EQ_INT(d->nrows, 4);                   /* joined: no new/gone pairs */
	CHECK(NEAR(ra->before_time.mean, 0.600, 1e-12) && NEAR(ra->after_time.mean, 0.200, 1e-12));
	CHECK(ra->verdict == HP_VERDICT_FASTER);
	CHECK(rb->verdict == HP_VERDICT_SAME && rc->verdict == HP_VERDICT_SAME);
	CHECK(rb->after_self.mean > rb->before_self.mean);   /* its share rose: 30% -> 50% */
	CHECK(NEAR(rb->before_self.mean, 300.0 / 1003 * 100, 1e-9));
	CHECK(rt->verdict == HP_VERDICT_MINOR);      /* 3 samples -> 0: minor, not gone */
	CHECK(d->verdict == HP_VERDICT_FASTER);      /* the run: 1.003 s -> 0.6 s */
	CHECK_EQ_INT(d->judged, 3);
	CHECK(NEAR(d->row_alpha, 0.05 / 3, 1e-12));
	/* the binomial interval of a: var = m^2 (1 - n/N) / n per side */
	double vb = 0.6 * 0.6 * (1 - 600.0 / 1003) / 600, va = 0.2 * 0.2 * (1 - 200.0 / 600) / 200;
	CHECK(NEAR(ra->self.ci, 2.3940 * sqrt(vb + va), 2e-4));   /* z for 0.05/3 two-sided */
	/* the whole run's CPU time is measured: no sampling error */
	CHECK(d->time.ci == 0 && d->time.p == 0);

	struct hp_diff_gate g;
	const char *why;
	CHECK(diff_gate_parse("a<-50%", &g, &why) == 0);
	CHECK(diff_gate_eval(d, &g) == 0 && g.failed);   /* -66.7% +- ~11%: all below -50% */
	CHECK(diff_gate_parse("a<-70%", &g, &why) == 0);
	CHECK(diff_gate_eval(d, &g) == 0 && !g.failed);  /* the interval reaches past -70% */
	CHECK(diff_gate_parse("total>+3%", &g, &why) == 0);
	CHECK(diff_gate_eval(d, &g) == 0 && !g.failed);  /* faster */
	CHECK(diff_gate_parse("nope>+3%", &g, &why) == 0);
	CHECK(diff_gate_eval(d, &g) == -ENOENT && !g.evaluated);
out:
	diff_free(d);
}

static void test_norm_work(void)
{
	static const char *const names[] = { "a" };
	const uint64_t s1[] = { 400 }, s2[] = { 800 };
	const double work[] = { 100, 200 };
	struct fake b, a;
	struct hp_diff_opts o;
	struct hp_diff *d = NULL;
	fake_init(&b, "/p", names, s1, 1);
	fake_init(&a, "/p", names, s2, 1);
	diff_opts_init(&o);
	o.norm = HP_DIFF_PER_WORK;
	CHECK(diff_pair(&b.p, &a.p, &o, &d) == -EINVAL);      /* no work counts */
	o.work = work;
	CHECK(diff_pair(&b.p, &a.p, &o, &d) == 0);
	if (!d)
		return;
	/* twice the time for twice the work: 4 ms per unit both sides */
	CHECK(NEAR(d->rows[0].before_time.mean, 0.004, 1e-12));
	CHECK(NEAR(d->rows[0].after_time.mean, 0.004, 1e-12));
	CHECK(d->rows[0].verdict == HP_VERDICT_SAME);
	diff_free(d);
}

/* Lines of one function "hot" in shift.c, one-sided each: before
 * {16: 1, 17: 1, 19: 401}, after {18: 1, 20: 2, 21: 369} (the hot line of
 * a CI run, with the skid lines around it). The edit moved the block by
 * +2, so 19 -> 21. Counted by candidate lines, offsets +1 (17->18, 19->20)
 * and +2 (16->18, 19->21) tie and the closer +1 won: 19 paired with the
 * 2-sample line 20 and 21 came out new. */
static void lines_init(struct fake *x, struct hp_pline *l, const uint32_t *line,
		       const uint64_t *self)
{
	static const char *const names[] = { "hot" };
	uint64_t sum = self[0] + self[1] + self[2];
	fake_init(x, "/p", names, &sum, 1);
	for (int i = 0; i < 3; i++)
		l[i] = (struct hp_pline){ "/src/shift.c", 1, line[i], 0, self[i], 0, NULL };
	x->p.lines = l;
	x->p.nlines = 3;
}

static void test_moved_lines(void)
{
	const uint32_t lb[] = { 16, 17, 19 }, la[] = { 18, 20, 21 };
	const uint64_t sb[] = { 1, 1, 401 }, sa[] = { 1, 2, 369 };
	struct hp_pline lines_b[3], lines_a[3];
	struct fake b, a;
	struct hp_diff_opts o;
	struct hp_diff *d = NULL;
	lines_init(&b, lines_b, lb, sb);
	lines_init(&a, lines_a, la, sa);
	diff_opts_init(&o);
	o.by = HP_DIFF_LINE;
	CHECK(diff_pair(&b.p, &a.p, &o, &d) == 0);
	if (!d)
		return;
	CHECK_EQ_INT(d->nrows, 3);                   /* every line paired: no gone or new */
	int hot = 0;
	for (uint32_t i = 0; i < d->nrows; i++) {
		const struct hp_diff_row *r = &d->rows[i];
		CHECK(r->verdict != HP_VERDICT_NEW && r->verdict != HP_VERDICT_GONE);
		if (r->before_line == 19) {
			hot = 1;
			CHECK_EQ_INT(r->line, 21);
		}
	}
	CHECK(hot);
	diff_free(d);
}

/* Two runs per side: the runs' spread (pooled over the rows, or Welch's
 * over the row's own runs) is never taken below the binomial sampling
 * error. */
static void test_welch(void)
{
	static const char *const names[] = { "a", "b" };
	const uint64_t x1[] = { 500, 500 }, x2[] = { 510, 490 }, y1[] = { 700, 500 },
		       y2[] = { 710, 505 };
	struct fake b1, b2, a1, a2;
	struct hp_diff *d = NULL;
	fake_init(&b1, "/p", names, x1, 2);
	fake_init(&b2, "/p", names, x2, 2);
	fake_init(&a1, "/p", names, y1, 2);
	fake_init(&a2, "/p", names, y2, 2);
	const struct hp_profile *before[] = { &b1.p, &b2.p }, *after[] = { &a1.p, &a2.p };
	CHECK(diff_profiles(before, 2, after, 2, NULL, NULL, NULL, &d) == 0);
	if (!d)
		return;
	CHECK(d->welch && d->before.runs == 2 && d->after.runs == 2);
	const struct hp_diff_row *ra = row(d, "a"), *rb = row(d, "b");
	CHECK(ra && rb);
	if (ra && rb) {
		CHECK(NEAR(ra->before_time.mean, 0.505, 1e-12) && NEAR(ra->after_time.mean, 0.705, 1e-12));
		CHECK(NEAR(ra->before_time.sd, sqrt(0.00005), 1e-9));   /* sd of 0.500, 0.510 */
		CHECK(ra->verdict == HP_VERDICT_SLOWER);
		CHECK(rb->verdict == HP_VERDICT_SAME);
		/* the floor: the noise is never below the sampling error, whatever
		 * the runs' spread (pooled: the model's c + (1 - n/N)/n, and the
		 * runs' own spread floored at it) - p no smaller than the z test
		 * of the sampling error alone */
		double sb = 0.505 * 0.505 * (1 - 505.0 / 1005) / 505 / 2;
		double sa = 0.705 * 0.705 * (1 - 705.0 / 1207.5) / 705 / 2;
		CHECK(ra->self.p >= erfc(0.2 / sqrt(sb + sa) / sqrt(2.0)));
		CHECK(ra->self.p < d->row_alpha);
	}
	diff_free(d);
}

/* Without a frequency or task-clock (merged runs of mixed rates, sampling
 * by a period of another event), sample counts stand for time. */
static void test_no_time_basis(void)
{
	static const char *const names[] = { "a" };
	const uint64_t s1[] = { 400 }, s2[] = { 100 };
	struct fake b, a;
	struct hp_diff *d = NULL;
	fake_init(&b, "/p", names, s1, 1);
	fake_init(&a, "/p", names, s2, 1);
	b.values[0] = "0";                   /* frequency 0: by period */
	CHECK(diff_pair(&b.p, &a.p, NULL, &d) == 0);
	if (!d)
		return;
	CHECK(d->basis == HP_DIFF_TIME_SAMPLES);
	CHECK(NEAR(d->rows[0].before_time.mean, 400, 1e-12) && NEAR(d->rows[0].after_time.mean, 100, 1e-12));
	CHECK(d->rows[0].verdict == HP_VERDICT_FASTER);
	diff_free(d);
}

/* Fieller's equation at ratio t: <= 0 inside the interval. */
static double fieller(double b, double vb, double a, double va, double q, double t)
{
	return (a - t * b) * (a - t * b) - q * q * (va + t * t * vb);
}

/* Fieller's equation at t relative to its scale: ~0 at a bound. */
static double fieller_rel(double b, double vb, double a, double va, double q, double t)
{
	return fieller(b, vb, a, va, q, t) / (q * q * (va + t * t * vb));
}

/* "LO..HI%" (strtod alone would take "+222." for a number). */
static int parse_bounds(const char *s, double *lo, double *hi)
{
	char buf[32];
	const char *dots = strstr(s, "..");
	if (!dots || dots - s >= (long)sizeof(buf))
		return 0;
	memcpy(buf, s, (size_t)(dots - s));
	buf[dots - s] = '\0';
	char *end;
	*lo = strtod(buf, &end);
	if (end == buf || *end)
		return 0;
	*hi = strtod(dots + 2, &end);
	return end != dots + 2 && *end == '%';
}

/* Does the printed bound x (percent, shown to +-half_ulp) hold a root of
 * Fieller's equation: the equation changes sign across x +- half_ulp? */
static int root_within(double b, double vb, double a, double va, double q, double x,
		       double half_ulp)
{
	double lo = 1 + (x - half_ulp) / 100, hi = 1 + (x + half_ulp) / 100;
	return fieller(b, vb, a, va, q, lo) * fieller(b, vb, a, va, q, hi) <= 0;
}

/* One function f of 100 of 1000 samples before and 400 of 1300 after (g
 * keeps 900), one run a side, --run-noise 0: each time is binomial, with
 * the variance m^2 (1 - n/N) / n (1000 Hz: 1 sample = 1 ms). The change is
 * +300%; its interval from the ratio's equation (q = z at 0.05 / 2 rows)
 * is +222..+416% - the old display, (delta +- ci) / before, said +-42.9%,
 * leaving out the before time's own error, which 4x magnifies. */
static void test_ratio_interval(void)
{
	static const char *const names[] = { "f", "g" };
	const uint64_t before[] = { 100, 900 }, after[] = { 400, 900 };
	struct fake b, a;
	struct hp_diff *d = NULL;
	struct hp_diff_opts o;
	fake_init(&b, "/p", names, before, 2);
	fake_init(&a, "/p", names, after, 2);
	diff_opts_init(&o);
	o.run_noise = 0;
	CHECK(diff_pair(&b.p, &a.p, &o, &d) == 0);
	if (!d)
		return;
	const struct hp_diff_row *r = row(d, "f");
	CHECK(r && d->judged == 2);
	if (!r)
		goto out;
	double q = 2.241403;        /* two-sided normal quantile of 0.05 / 2 */
	double mb = 0.1, ma = 0.4, vb = mb * mb * (1 - 0.1) / 100, va = ma * ma * (1 - 400.0 / 1300) / 400;
	/* the struct: the roots of the equation (q given to 7 digits) */
	CHECK(fabs(fieller_rel(mb, vb, ma, va, q, 1 + r->self.rel_lo)) < 1e-5);
	CHECK(fabs(fieller_rel(mb, vb, ma, va, q, 1 + r->self.rel_hi)) < 1e-5);
	CHECK(r->self.rel_lo < 3 && r->self.rel_hi > 3);
	/* the text: "+222..+416%" in the row of f, each bound the root within
	 * its rounding (whole percents past 100: +-0.5) */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct hp_diff_print_opts po = { .format = HP_DIFF_TEXT };
	CHECK(f && diff_print(f, d, &po) == 0);
	if (f)
		fclose(f);
	const char *line = text ? strstr(text, "+300.0% ") : NULL;
	double lo = NAN, hi = NAN;
	CHECK(line && parse_bounds(line + strlen("+300.0% "), &lo, &hi));
	CHECK(root_within(mb, vb, ma, va, q, lo, 0.5) && root_within(mb, vb, ma, va, q, hi, 0.5));
	fprintf(stderr, "printed: %.60s\n", line ? line : "(no row of f)");
	free(text);
out:
	diff_free(d);
}

/* A before mean within q standard errors of 0 bounds the ratio from below
 * at most: b = 1, a = 10, both variances 1, q = 2: (10 - t)^2 <= 4 (1 +
 * t^2) for t >= (sqrt(1552) - 20) / 6 = 3.2325 (and t <= -9.9, no time
 * ratio): ">=+223%"; a = 1 instead: every ratio fits (no real root). */
static void test_ratio_unbounded(void)
{
	struct hp_diff_change c = { .delta = 9, .ci = 2 * sqrt(2.0), .rel = 9 };
	char buf[32];
	diff_ratio_interval(1, 1, 10, 1, 2, &c);
	CHECK(NEAR(c.rel_lo, (sqrt(1552.0) - 20) / 6 - 1, 1e-12) && isinf(c.rel_hi));
	diff_rel_ci_text(buf, sizeof(buf), &c);
	CHECK(!strcmp(buf, ">=+223%"));
	c.rel = 0;
	diff_ratio_interval(1, 1, 1, 1, 2, &c);
	CHECK(c.rel_lo == -1 && isinf(c.rel_hi));
	diff_rel_ci_text(buf, sizeof(buf), &c);
	CHECK(!strcmp(buf, "unbounded"));
	/* about symmetric (b's error small): "±", the wider side */
	c.rel = 0.1;
	diff_ratio_interval(100, 1, 110, 1, 2, &c);
	diff_rel_ci_text(buf, sizeof(buf), &c);
	CHECK(!strcmp(buf, "±3.0%"));
}

/* A binomial draw of n trials of p (xorshift64*, fixed seed). */
static uint64_t rng = 0x2545f4914f6cdd1dull;
static double uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

static uint64_t binomial(uint64_t n, double p)
{
	uint64_t k = 0;
	for (uint64_t i = 0; i < n; i++)
		k += uniform() < p;
	return k;
}

/* Pairs of one-run profiles whose f is a binomial draw with the mean nb of
 * nb_total samples before and na of na_total after, --run-noise 0: how
 * often the interval of its change in percent misses the true change
 * na / nb - 1 (times are samples / 1000 Hz). *alpha: the rows' level. */
static unsigned misses(uint64_t nb_total, double nb, uint64_t na_total, double na, unsigned pairs,
		       double *alpha)
{
	static const char *const names[] = { "f", "g" };
	double truth = na / nb - 1;
	unsigned miss = 0;
	struct hp_diff_opts o;
	diff_opts_init(&o);
	o.run_noise = 0;
	for (unsigned i = 0; i < pairs; i++) {
		uint64_t kb = binomial(nb_total, nb / nb_total), ka = binomial(na_total, na / na_total);
		const uint64_t before[] = { kb, nb_total - kb }, after[] = { ka, na_total - ka };
		struct fake b, a;
		struct hp_diff *d = NULL;
		fake_init(&b, "/p", names, before, 2);
		fake_init(&a, "/p", names, after, 2);
		if (diff_pair(&b.p, &a.p, &o, &d) || !d || !row(d, "f"))
			miss++;               /* counted against the check */
		else
			miss += !(row(d, "f")->self.rel_lo <= truth && truth <= row(d, "f")->self.rel_hi);
		if (d)
			*alpha = d->row_alpha;
		diff_free(d);
	}
	return miss;
}

/* Coverage: over 4000 simulated pairs the interval misses the true change
 * at about its nominal rate, row_alpha = 0.05 / 2 rows = 2.5%: 100 misses
 * expected, sd sqrt(4000 x 0.025 x 0.975) = 9.9; accepted within 4 sd
 * (60..140; a correct interval fails this 6e-5 of the time, and the seed
 * is fixed). Measured: 91 and 108 misses; the old interval, (delta +- ci)
 * / before, missed 1169 of the 4000 at 100 -> 400 (29%) and 795 at 30 -> 90
 * (20%). */
static void test_ratio_coverage(void)
{
	double alpha = 0;
	unsigned m1 = misses(1000, 100, 1300, 400, 4000, &alpha);
	CHECK(NEAR(alpha, 0.025, 1e-12));
	unsigned m2 = misses(1000, 30, 1000, 90, 4000, &alpha);
	fprintf(stderr, "ratio interval misses: %u and %u of 4000 (nominal 100)\n", m1, m2);
	CHECK(m1 >= 60 && m1 <= 140);
	CHECK(m2 >= 60 && m2 <= 140);
}

static void test_gate_parse(void)
{
	struct hp_diff_gate g;
	const char *why;
	CHECK(diff_gate_parse("total>+3%", &g, &why) == 0);
	CHECK(g.subject == HP_GATE_TOTAL && g.greater && g.relative && NEAR(g.bound, 0.03, 1e-12));
	CHECK(diff_gate_parse(" wall > 5 % ", &g, &why) == 0);
	CHECK(g.subject == HP_GATE_WALL && NEAR(g.bound, 0.05, 1e-12));
	CHECK(diff_gate_parse("self:calculate_z>+20ms", &g, &why) == 0);
	CHECK(g.subject == HP_GATE_FUNCTION_SELF && !strcmp(g.name, "calculate_z") && !g.relative &&
	      NEAR(g.bound, 0.020, 1e-12));
	CHECK(diff_gate_parse("std::vector<int>::push_back>0.5s", &g, &why) == 0);
	CHECK(g.subject == HP_GATE_FUNCTION && !strcmp(g.name, "std::vector<int>::push_back") &&
	      g.greater && NEAR(g.bound, 0.5, 1e-12));
	CHECK(diff_gate_parse("f<-10%", &g, &why) == 0 && !g.greater && NEAR(g.bound, -0.1, 1e-12));
	CHECK(diff_gate_parse("f>300us", &g, &why) == 0 && NEAR(g.bound, 300e-6, 1e-15));
	CHECK(diff_gate_parse("total>>3", &g, &why) == -EINVAL);
	CHECK(diff_gate_parse("total", &g, &why) == -EINVAL);
	CHECK(diff_gate_parse(">+3%", &g, &why) == -EINVAL);
	CHECK(diff_gate_parse("total>+3 parsecs", &g, &why) == -EINVAL);
}

int main(void)
{
	test_three_times_faster();
	test_norm_work();
	test_moved_lines();
	test_welch();
	test_no_time_basis();
	test_gate_parse();
	test_ratio_interval();
	test_ratio_unbounded();
	test_ratio_coverage();
	return hp_test_result();
}

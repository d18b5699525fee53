/*
 * test_diff_pool.c - the run-to-run spread pooled over the rows of a diff
 * with few runs per side (analyzer/diff_judge.c, diff_pool_spread), on
 * profiles built by hand at 1000 Hz (a row's time = samples / 1000 s), so
 * every expected value follows from the construction:
 * - 3 + 3 runs whose rows repeat exactly: nothing beyond sampling to pool,
 *   so the spread is the whole run's (0 here), and a function going from
 *   100 to 130 samples a run is "slower": pooled, its z is
 *   30 / sqrt(100 (1 - 100/N) / 3 + 130 (1 - 130/N) / 3) = 3.5, beyond the
 *   rows' level 0.05 / 6 (z 2.64); Welch's test alone (each run's spread
 *   floored at its sampling error, ~4 degrees of freedom, t 7.1 needed)
 *   called it "same" (the code before wave 18);
 * - a row whose runs spread far beyond the pool (50, 400, 50 samples) is
 *   left out of the pool (else its spread would be every row's) and
 *   judged on its own spread (Welch), "same";
 * - kernel rows ([kernel.kallsyms]) are pooled apart from the program's;
 * - the pooled spread is never below the whole run's relative spread;
 * - one run a side: kernel rows are assumed to spread 3x --run-noise, in
 *   diff's table and in the TUI's flame-graph diff (difftree.c) alike.
 */
#include <math.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/difftree.h"
#include "analyzer/profile.h"
#include "hp_test.h"
#include "test_diff_util.h"

#define NF 6

struct fake {
	struct hp_profile p;
	struct hp_pfunc f[NF];
	struct hp_pstack s[NF];       /* one stack per function, of its frame alone */
	uint32_t sf[NF];
	char *keys[2], *values[2];
};

static const char *const names[NF] = { "a", "b", "c", "d", "noisy", "clear_page" };
static const char *const modules[NF] = { "/p", "/p", "/p", "/p", "/p", "[kernel.kallsyms]" };

/* One run at 1000 Hz of /p: function i holds n[i] samples (self = total). */
static void fake_init(struct fake *x, const uint64_t *n)
{
	memset(x, 0, sizeof(*x));
	x->keys[0] = "frequency";
	x->values[0] = "1000";
	x->keys[1] = "target";
	x->values[1] = "/p";
	x->p.meta_keys = x->keys;
	x->p.meta_values = x->values;
	x->p.nmeta = 2;
	x->p.offcpu_col = x->p.wall_col = x->p.cpu_col = -1;
	for (int i = 0; i < NF; i++) {
		x->f[i] = (struct hp_pfunc){ (uint32_t)i, names[i], modules[i], NULL, n[i], n[i],
					     NULL, NULL };
		x->p.nsamples += n[i];
		x->sf[i] = (uint32_t)i;
		x->s[i] = (struct hp_pstack){ .id = (uint32_t)i + 1, .nframes = 1, .func = &x->sf[i],
					      .samples = n[i], .leaf_line = UINT32_MAX,
					      .py_line = UINT32_MAX };
	}
	x->p.stacks = x->s;
	x->p.nstacks = NF;
	x->p.functions = x->f;
	x->p.nfunctions = NF;
	x->p.duration_ns = x->p.nsamples * 1000000;
}

static void test_pooled(void)
{
	/* per run: a, b, c, d, noisy, clear_page */
	static const uint64_t before[3][NF] = { { 2000, 1000, 100, 500, 50, 40 },
						{ 2000, 1000, 100, 500, 400, 40 },
						{ 2000, 1000, 100, 500, 50, 40 } };
	static const uint64_t after[3][NF] = { { 2000, 1000, 130, 500, 60, 40 },
					       { 2000, 1000, 130, 500, 70, 40 },
					       { 2000, 1000, 130, 500, 400, 40 } };
	struct fake b[3], a[3];
	const struct hp_profile *pb[3], *pa[3];
	struct hp_diff *d = NULL;
	for (int i = 0; i < 3; i++) {
		fake_init(&b[i], before[i]);
		fake_init(&a[i], after[i]);
		pb[i] = &b[i].p;
		pa[i] = &a[i].p;
	}
	CHECK(diff_profiles(pb, 3, pa, 3, NULL, NULL, NULL, &d) == 0);
	if (!d)
		return;
	CHECK(d->welch && d->pool.ok);
	CHECK_EQ_INT(d->judged, 6);
	/* each side of a row is one entry: program rows a, b, c, d pooled,
	 * both sides of noisy left out (they alone would make the pool's
	 * spread ~20%); the kernel's clear_page apart */
	CHECK_EQ_INT(d->pool.rows[HP_DIFF_POOL_PROGRAM], 8);
	CHECK_EQ_INT(d->pool.left_out[HP_DIFF_POOL_PROGRAM], 2);
	CHECK_EQ_INT(d->pool.rows[HP_DIFF_POOL_MACHINE], 2);
	for (int k = 0; k < HP_DIFF_POOLS; k++)
		CHECK(d->pool.spread_var[k] >= d->pool.run_var && d->pool.df[k] > 0);
	const struct hp_diff_row *c = row(d, "c"), *noisy = row(d, "noisy"), *ra = row(d, "a");
	CHECK(c && noisy && ra);
	if (c && noisy && ra) {
		CHECK(c->self.pooled);
		CHECK(c->verdict == HP_VERDICT_SLOWER);
		CHECK(c->self.p < d->row_alpha);
		CHECK(!noisy->self.pooled);            /* beyond the pool: its own spread */
		CHECK(noisy->verdict == HP_VERDICT_SAME);
		CHECK(ra->self.pooled && ra->verdict == HP_VERDICT_SAME);
	}
	diff_free(d);
}

/* The same runs on both sides: nothing changed, nothing is judged. */
static void test_identical(void)
{
	static const uint64_t runs[3][NF] = { { 2000, 1000, 100, 500, 50, 40 },
					      { 2100, 950, 110, 520, 60, 30 },
					      { 1950, 1040, 95, 490, 55, 45 } };
	struct fake b[3], a[3];
	const struct hp_profile *pb[3], *pa[3];
	struct hp_diff *d = NULL;
	for (int i = 0; i < 3; i++) {
		fake_init(&b[i], runs[i]);
		fake_init(&a[i], runs[(i + 1) % 3]);
		pb[i] = &b[i].p;
		pa[i] = &a[i].p;
	}
	CHECK(diff_profiles(pb, 3, pa, 3, NULL, NULL, NULL, &d) == 0);
	if (!d)
		return;
	CHECK(d->pool.ok && d->verdict == HP_VERDICT_SAME);
	for (uint32_t i = 0; i < d->nrows; i++)
		CHECK(d->rows[i].verdict == HP_VERDICT_SAME && d->rows[i].self.p > 0.99);
	diff_free(d);
}

/* One run a side: a kernel row is assumed to spread HP_DIFF_MACHINE_NOISE
 * times --run-noise (30%), the program's rows 10%. clear_page 40 -> 80
 * samples (the page zeroing of two identical runs can differ so) is
 * "same": z = 40 / sqrt(40 + 80 + 0.3^2 (40^2 + 80^2)) = 1.4; with the
 * program's 10% it would be z = 40 / sqrt(120 + 80) = 2.8, "slower" at the
 * rows' level 0.05 / 6 (z 2.64). a, 2000 -> 3600 samples, is "slower" (z 3.9). */
static void test_one_run_machine(void)
{
	static const uint64_t before[NF] = { 2000, 1000, 100, 500, 50, 40 };
	static const uint64_t after[NF] = { 3600, 1000, 100, 500, 50, 80 };
	struct fake b, a;
	struct hp_diff *d = NULL;
	fake_init(&b, before);
	fake_init(&a, after);
	CHECK(diff_pair(&b.p, &a.p, NULL, &d) == 0);
	if (!d)
		return;
	CHECK(!d->welch && !d->pool.ok);
	const struct hp_diff_row *k = row(d, "clear_page"), *ra = row(d, "a");
	CHECK(k && ra);
	if (k && ra) {
		CHECK(k->verdict == HP_VERDICT_SAME);
		CHECK(ra->verdict == HP_VERDICT_SLOWER);
	}
	diff_free(d);
}

/* The same in the TUI's flame-graph diff: its nodes are judged as diff's
 * rows of one run a side, the kernel's with the machine's spread. The
 * nodes (the six functions' one-frame paths) are judged at 0.05 / 6 (z
 * 2.64): noisy 50 -> 100 samples, z = 50 / sqrt(150 + 0.1^2 (50^2 +
 * 100^2)) = 3.0, "slower"; clear_page 40 -> 80, z 1.4, not (before wave
 * 18 the tree judged it with the program's 10%: z 2.8, "slower"). */
static void test_tree_machine(void)
{
	static const uint64_t before[NF] = { 2000, 1000, 100, 500, 50, 40 };
	static const uint64_t after[NF] = { 2000, 1000, 100, 500, 100, 80 };
	struct fake b, a;
	struct hp_difftree *t = NULL;
	fake_init(&b, before);
	fake_init(&a, after);
	CHECK(difftree_build(&b.p, &a.p, NULL, NULL, &t) == 0);
	if (!t)
		return;
	CHECK_EQ_INT(t->judged, NF);
	int seen = 0;
	for (uint32_t i = 1; i < t->after->nnodes; i++) {
		const char *name = a.p.functions[t->after->nodes[i].func].name;
		if (!strcmp(name, "noisy") && ++seen)
			CHECK_EQ_INT(t->diff[i].verdict, 1);
		if (!strcmp(name, "clear_page") && ++seen)
			CHECK_EQ_INT(t->diff[i].verdict, 0);
	}
	CHECK_EQ_INT(seen, 2);
	difftree_free(t);
}

int main(void)
{
	test_pooled();
	test_identical();
	test_one_run_machine();
	test_tree_machine();
	return hp_test_result();
}

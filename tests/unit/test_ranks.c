/*
 * test_ranks.c - analyzer/ranks_diff.c: the sampling standard error of a
 * job's load imbalance (ranks_imbalance_se) against the spread of the
 * imbalance over many simulated jobs whose ranks' compute samples are
 * binomial draws out of their samples, as the model says they are; the
 * pairing of two jobs' ranks side by side (ranks_diff_row, which the text
 * diff and the TUI share) and the verdict's words.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hp_test.h"
#include "analyzer/profile.h"
#include "analyzer/ranks.h"

#define NR 4

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double uniform(void)          /* splitmix64: a fixed series, the same on every machine */
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static uint64_t binomial(uint64_t n, double p)
{
	uint64_t k = 0;
	for (uint64_t i = 0; i < n; i++)
		k += uniform() < p;
	return k;
}

/* The imbalance of compute counts c[] (max/mean), and the rank of the max. */
static double imbalance(const uint64_t *c, uint32_t *max_at)
{
	uint64_t sum = 0, max = 0;
	for (uint32_t i = 0; i < NR; i++) {
		sum += c[i];
		if (c[i] > max || i == 0) {
			max = c[i];
			*max_at = i;
		}
	}
	return sum ? (double)max * NR / (double)sum : 0;
}

/* A job with these samples and compute samples per rank. */
static void job(struct hp_profile *p, struct hp_prun *runs, struct hp_ranks *r, uint32_t *order,
		const uint64_t *n, const uint64_t *c)
{
	memset(p, 0, sizeof(*p));
	memset(r, 0, sizeof(*r));
	for (uint32_t i = 0; i < NR; i++) {
		memset(&runs[i], 0, sizeof(runs[i]));
		runs[i].rank = i;
		runs[i].samples = n[i];
		runs[i].mpi_samples = n[i] - c[i];
		order[i] = i;
	}
	p->runs = runs;
	p->nruns = NR;
	r->n = NR;
	r->order = order;
	r->imbalance = imbalance(c, &r->compute_max_run);
}

static void test_se_against_simulation(void)
{
	/* rank 0 computes 80% of its 1000 samples, the others 40%: imbalance
	 * 0.8 * 4 / 2.0 = 1.6, as the mpi-pi kernel's --skew 2 */
	const uint64_t n[NR] = { 1000, 1000, 1000, 1000 };
	const double pc[NR] = { 0.8, 0.4, 0.4, 0.4 };
	uint64_t c[NR];
	struct hp_profile p;
	struct hp_prun runs[NR];
	struct hp_ranks r;
	uint32_t order[NR], at;
	for (uint32_t i = 0; i < NR; i++)
		c[i] = (uint64_t)(n[i] * pc[i]);
	job(&p, runs, &r, order, n, c);
	CHECK(fabs(r.imbalance - 1.6) < 1e-12);
	double se = ranks_imbalance_se(&p, &r);
	/* the spread of the imbalance over M simulated jobs */
	const unsigned M = 4000;
	double sum = 0, sum2 = 0;
	for (unsigned m = 0; m < M; m++) {
		for (uint32_t i = 0; i < NR; i++)
			c[i] = binomial(n[i], pc[i]);
		double v = imbalance(c, &at);
		sum += v;
		sum2 += v * v;
	}
	double mean = sum / M, sd = sqrt((sum2 - M * mean * mean) / (M - 1));
	printf("# imbalance 1.6: delta-method se %.5f, simulated sd %.5f over %u jobs\n", se, sd, M);
	/* the simulated sd has a relative standard error of 1/sqrt(2(M-1)) =
	 * 1.1%: 4 of those plus 2% for the delta method's linearization */
	CHECK(fabs(sd / se - 1) < 4 / sqrt(2.0 * (M - 1)) + 0.02);
	CHECK(fabs(mean - 1.6) < 4 * sd / sqrt(M) + 0.002);
}

static void test_se_edges(void)
{
	struct hp_profile p;
	struct hp_prun runs[NR];
	struct hp_ranks r;
	uint32_t order[NR];
	/* no MPI sample anywhere: the compute counts are the ranks' CPU time,
	 * measured, and the imbalance has no sampling error */
	const uint64_t n[NR] = { 500, 300, 200, 100 };
	job(&p, runs, &r, order, n, n);
	CHECK(ranks_imbalance_se(&p, &r) == 0);
	/* no compute at all: no imbalance, no error */
	const uint64_t zero[NR] = { 0, 0, 0, 0 };
	job(&p, runs, &r, order, n, zero);
	CHECK(r.imbalance == 0 && ranks_imbalance_se(&p, &r) == 0);
	/* no ranks */
	r.n = 0;
	CHECK(ranks_imbalance_se(&p, &r) == 0);
}

/* A side of a comparison: runs with these ranks, in this order. */
static void side(struct hp_profile *p, struct hp_prun *runs, struct hp_ranks *r, uint32_t *order,
		 const int64_t *ranks, uint32_t n)
{
	memset(p, 0, sizeof(*p));
	memset(r, 0, sizeof(*r));
	for (uint32_t i = 0; i < n; i++) {
		memset(&runs[i], 0, sizeof(runs[i]));
		runs[i].id = i + 1;
		runs[i].rank = ranks[i];
		order[i] = n - 1 - i;     /* an order that is not the runs' own */
	}
	p->runs = runs;
	p->nruns = n;
	r->n = n;
	r->order = order;
}

static void test_rank_rows(void)
{
	struct hp_profile p[2];
	struct hp_prun runs[2][NR];
	struct hp_ranks r[2];
	uint32_t order[2][NR];
	struct hp_ranks_diff d = { .p = { &p[0], &p[1] }, .r = { &r[0], &r[1] } };
	int idx[2];
	/* before: ranks 3, 1, 0 (no rank 2); after: ranks 0..3 */
	const int64_t three[] = { 3, 1, 0 }, four[] = { 0, 1, 2, 3 };
	side(&p[0], runs[0], &r[0], order[0], three, 3);
	side(&p[1], runs[1], &r[1], order[1], four, 4);
	CHECK(ranks_diff_nrows(&d) == 4);
	/* rows follow the after job's order (it has more ranks): runs 3, 2, 1, 0
	 * = ranks 3, 2, 1, 0; before holds rank 3 at run 0, rank 1 at 1, none of 2 */
	const int want[4][2] = { { 0, 3 }, { -1, 2 }, { 1, 1 }, { 2, 0 } };
	for (uint32_t k = 0; k < 4; k++) {
		ranks_diff_row(&d, k, idx);
		CHECK(idx[0] == want[k][0] && idx[1] == want[k][1]);
	}
	/* swapped: the before job has more; equal counts: the before job's order */
	d.p[0] = &p[1], d.p[1] = &p[0], d.r[0] = &r[1], d.r[1] = &r[0];
	ranks_diff_row(&d, 1, idx);
	CHECK(idx[0] == 2 && idx[1] == -1);
	side(&p[0], runs[0], &r[0], order[0], four, 4);
	ranks_diff_row(&d, 0, idx);
	CHECK(ranks_diff_nrows(&d) == 4 && idx[0] == 3 && idx[1] == 3);
	/* runs that were no MPI rank pair with nothing */
	const int64_t none[] = { -1, -1 };
	side(&p[0], runs[0], &r[0], order[0], none, 2);
	side(&p[1], runs[1], &r[1], order[1], none, 1);
	d.p[0] = &p[0], d.p[1] = &p[1], d.r[0] = &r[0], d.r[1] = &r[1];
	ranks_diff_row(&d, 0, idx);
	CHECK(ranks_diff_nrows(&d) == 2 && idx[0] == 1 && idx[1] == -1);
}

static void test_verdict_text(void)
{
	struct hp_ranks_diff d = { .alpha = 0.05, .threshold = 5 };
	char buf[64];
	d.verdict = -1;
	CHECK(!strcmp(ranks_diff_verdict_text(&d, buf, sizeof(buf)), "better balanced"));
	d.verdict = 1;
	CHECK(!strcmp(ranks_diff_verdict_text(&d, buf, sizeof(buf)), "worse balanced"));
	d.verdict = 0;
	d.p_value = 0.2;
	CHECK(!strcmp(ranks_diff_verdict_text(&d, buf, sizeof(buf)), "same (within the noise)"));
	d.p_value = 0.01;
	CHECK(!strcmp(ranks_diff_verdict_text(&d, buf, sizeof(buf)),
		      "same (under the threshold of 5%)"));
}

int main(void)
{
	test_se_against_simulation();
	test_se_edges();
	test_rank_rows();
	test_verdict_text();
	return hp_test_result();
}

/*
 * ranks_diff.c - the rank dimension of `hpprof diff` between two MPI jobs
 * (ranks.h): the load imbalance before and after, judged against the
 * sampling error of the ranks' compute samples, and per function the
 * min/mean/max of its samples across the ranks of each job with the rank
 * that holds the max (self and total).
 *
 * Functions of the two jobs are joined as the diff joins them
 * (diff_function_key: name and module basename); functions of one job that
 * share a key are summed rank by rank. Each side's figures are over that
 * side's own ranks (a rank where the function never ran counts 0).
 * Rendering is in ranks_diff_print.c.
 */
#include "analyzer/ranks.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/profile.h"
#include "analyzer/stacks.h"
#include "analyzer/stats.h"
#include "common/hmap.h"

double ranks_imbalance_se(const struct hp_profile *p, const struct hp_ranks *r)
{
	/* I = n c_m / S with c_r binomial out of the rank's n_r samples (its
	 * CPU time, measured): Var(c_r) = c_r (n_r - c_r) / n_r. By the delta
	 * method, with the rank of the max held fixed:
	 * Var(ln I) = v_m (1/c_m - 1/S)^2 + sum over r != m of v_r / S^2.
	 * In CPU time (r->timed) c_r is w_r times the count, w_r the run's
	 * period: its variance w_r^2 times the count's. */
	double sum = 0, var = 0;
	if (!r->n || !(r->imbalance > 0))
		return 0;
	for (uint32_t k = 0; k < r->n; k++) {
		const struct hp_prun *run = &p->runs[r->order[k]];
		double w = ranks_run_weight(p, r, r->order[k]);
		sum += (double)(run->samples - run->mpi_samples) * w;
	}
	for (uint32_t k = 0; k < r->n; k++) {
		const struct hp_prun *run = &p->runs[r->order[k]];
		double w = ranks_run_weight(p, r, r->order[k]);
		double c = (double)(run->samples - run->mpi_samples), n = (double)run->samples;
		double v = n > 0 ? w * w * c * (n - c) / n : 0;
		c *= w;
		double d = r->order[k] == r->compute_max_run ? 1 / c - 1 / sum : -1 / sum;
		if (c > 0 || r->order[k] != r->compute_max_run)
			var += v * d * d;
	}
	return r->imbalance * sqrt(var);
}

/* --- joining the functions of the two jobs --- */

struct join {
	struct hp_ranks_diff *d;
	struct hp_hmap map;           /* key hash (probed) -> entry index */
	char **keys;                  /* [nfuncs] */
	uint32_t *first[2];           /* entry -> first function of that side + 1 (0: none) */
	uint32_t *next[2];            /* side's function -> next function of its key + 1 */
	size_t cap;
};

static int grow_entries(struct join *j)
{
	size_t cap = j->cap ? 2 * j->cap : 64;
	struct hp_ranks_fdiff *f = realloc(j->d->funcs, cap * sizeof(*f));
	if (f)
		j->d->funcs = f;
	char **k = realloc(j->keys, cap * sizeof(*k));
	if (k)
		j->keys = k;
	for (int s = 0; s < 2; s++) {
		uint32_t *x = realloc(j->first[s], cap * sizeof(*x));
		if (x)
			j->first[s] = x;
		if (!x)
			return -ENOMEM;
	}
	if (!f || !k)
		return -ENOMEM;
	j->cap = cap;
	return 0;
}

/* The entry of key, added when new; -1 when out of memory. */
static int64_t entry_of(struct join *j, const char *key)
{
	uint64_t h = hmap_str_key(key), v;
	for (uint64_t attempt = 1;; attempt++) {
		if (!hmap_get(&j->map, h, &v))
			break;
		if (!strcmp(j->keys[v], key))
			return (int64_t)v;
		h = hmap_key2(h, attempt);
	}
	uint32_t e = j->d->nfuncs;
	if (e == j->cap && grow_entries(j))
		return -1;
	if (!(j->keys[e] = strdup(key)))
		return -1;
	memset(&j->d->funcs[e], 0, sizeof(j->d->funcs[e]));
	j->first[0][e] = j->first[1][e] = 0;
	if (hmap_put(&j->map, h, e))
		return free(j->keys[e]), -1;
	j->d->nfuncs++;
	return e;
}

static int join_side(struct join *j, int side)
{
	const struct hp_profile *p = j->d->p[side];
	char key[4096];
	if (!(j->next[side] = calloc(p->nfunctions ? p->nfunctions : 1, sizeof(uint32_t))))
		return -ENOMEM;
	for (uint32_t fi = 0; fi < p->nfunctions; fi++) {
		const struct hp_pfunc *f = &p->functions[fi];
		if (!f->total)
			continue;
		diff_function_key(p, f, key, sizeof(key));
		int64_t e = entry_of(j, key);
		if (e < 0)
			return -ENOMEM;
		struct hp_ranks_fdiff *x = &j->d->funcs[e];
		if (!x->name || side == 1) {          /* the after side names it */
			x->name = f->name;
			x->module = f->module ? stacks_basename(f->module) : NULL;
		}
		x->in[side] = 1;
		j->next[side][fi] = j->first[side][e];
		j->first[side][e] = fi + 1;
	}
	return 0;
}

/* The functions of one side chained from first (1-based). */
struct chain {
	const struct join *j;
	int side, total;
	uint32_t first;
};

/* The chain's samples in a run, summed over its functions. */
static uint64_t chain_value(const void *ctx, uint32_t run)
{
	const struct chain *c = ctx;
	const struct hp_profile *p = c->j->d->p[c->side];
	uint64_t v = 0;
	for (uint32_t fi = c->first; fi; fi = c->j->next[c->side][fi - 1])
		v += c->total ? profile_run_total(p, &p->functions[fi - 1], run)
			      : profile_run_self(p, &p->functions[fi - 1], run);
	return ranks_weigh(p, c->j->d->r[c->side], run, v);
}

/* min/mean/max over the ranks of one side of the functions chained from
 * first (1-based), summed rank by rank. */
static struct hp_rank_fstat side_stat(const struct join *j, int side, uint32_t first, int total)
{
	struct chain c = { j, side, total, first };
	return ranks_fstat(j->d->r[side], first ? first - 1 : 0, chain_value, &c);
}

static uint64_t peak(const struct hp_ranks_fdiff *f, int total)
{
	uint64_t a = f->side[0][total].max, b = f->side[1][total].max;
	return a > b ? a : b;
}

static int by_peak(const struct hp_ranks_fdiff *x, const struct hp_ranks_fdiff *y, int total)
{
	if (peak(x, total) != peak(y, total))
		return peak(x, total) > peak(y, total) ? -1 : 1;
	if (x->side[1][total].mean != y->side[1][total].mean)
		return x->side[1][total].mean > y->side[1][total].mean ? -1 : 1;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return strcmp(x->module ? x->module : "", y->module ? y->module : "");
}

static int by_self_peak(const void *a, const void *b)
{
	return by_peak(a, b, 0);
}

static int by_total_peak(const void *a, const void *b, void *ctx)
{
	const struct hp_ranks_fdiff *f = ctx;
	return by_peak(&f[*(const uint32_t *)a], &f[*(const uint32_t *)b], 1);
}

static int join_functions(struct hp_ranks_diff *d)
{
	struct join j = { .d = d };
	int err;
	hmap_init(&j.map);
	if (!(err = grow_entries(&j)) && !(err = join_side(&j, 0)) && !(err = join_side(&j, 1))) {
		for (uint32_t e = 0; e < d->nfuncs; e++)
			for (int side = 0; side < 2; side++)
				for (int total = 0; total < 2; total++)
					d->funcs[e].side[side][total] =
						side_stat(&j, side, j.first[side][e], total);
		qsort(d->funcs, d->nfuncs, sizeof(*d->funcs), by_self_peak);
		if (!(d->by_total = malloc((d->nfuncs ? d->nfuncs : 1) * sizeof(*d->by_total)))) {
			err = -ENOMEM;
		} else {
			for (uint32_t e = 0; e < d->nfuncs; e++)
				d->by_total[e] = e;
			qsort_r(d->by_total, d->nfuncs, sizeof(*d->by_total), by_total_peak, d->funcs);
		}
	}
	for (uint32_t e = 0; e < d->nfuncs; e++)
		free(j.keys[e]);
	free(j.keys);
	for (int s = 0; s < 2; s++) {
		free(j.first[s]);
		free(j.next[s]);
	}
	hmap_release(&j.map);
	return err;
}

/* --- the imbalance, judged --- */

static void judge(struct hp_ranks_diff *d)
{
	struct hp_stats_test t;
	double a = d->r[0]->imbalance, b = d->r[1]->imbalance;
	d->imbalance_se[0] = ranks_imbalance_se(d->p[0], d->r[0]);
	d->imbalance_se[1] = ranks_imbalance_se(d->p[1], d->r[1]);
	stats_z(b - a, sqrt(d->imbalance_se[0] * d->imbalance_se[0] +
			    d->imbalance_se[1] * d->imbalance_se[1]), &t);
	d->delta = t.delta;
	d->p_value = t.p;
	d->ci = stats_ci_half(&t, d->alpha);
	d->verdict = 0;
	if (a > 0 && b > 0 && t.p < d->alpha && 100 * fabs(t.delta) / a >= d->threshold)
		d->verdict = t.delta < 0 ? -1 : 1;
}

int ranks_diff(const struct hp_profile *before, const struct hp_profile *after, double alpha,
	       double threshold, struct hp_ranks_diff **out)
{
	struct hp_ranks_diff *d = calloc(1, sizeof(*d));
	int err = -ENOMEM;
	if (!d)
		return err;
	d->p[0] = before;
	d->p[1] = after;
	d->alpha = alpha;
	d->threshold = threshold;
	/* one unit on both sides: CPU ms when either is a merge of runs at
	 * different rates (and both know their periods) */
	int timed = ranks_need_time(before) || ranks_need_time(after);
	if (!(err = ranks_analyze_timed(before, timed, &d->r[0])) &&
	    !(err = ranks_analyze_timed(after, timed, &d->r[1])) &&
	    d->r[0]->timed != d->r[1]->timed) {
		ranks_free(d->r[0]);            /* a side without periods: both in samples */
		ranks_free(d->r[1]);
		d->r[0] = d->r[1] = NULL;
		if (!(err = ranks_analyze_timed(before, 0, &d->r[0])))
			err = ranks_analyze_timed(after, 0, &d->r[1]);
	}
	if (!err && !(err = join_functions(d))) {
		judge(d);
		*out = d;
		return 0;
	}
	ranks_diff_free(d);
	return err;
}

void ranks_diff_free(struct hp_ranks_diff *d)
{
	if (!d)
		return;
	ranks_free(d->r[0]);
	ranks_free(d->r[1]);
	free(d->funcs);
	free(d->by_total);
	free(d);
}

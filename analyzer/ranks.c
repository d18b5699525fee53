/*
 * ranks.c - the rank dimension of a profile (ranks.h): per-rank compute
 * and MPI samples, the load imbalance, per-function min/mean/max across
 * ranks, what is wrong with the job, and a per-rank timeline.
 *
 * Takes a loaded profile (profile.h: runs[], and rself/rtotal per function
 * when there are several runs; a run's period, to weigh the ranks of a
 * merge of runs at different rates in time); the only pass over samples is the
 * timeline's, which classes each sample through the profile's stack model
 * (stacks_class) like the aggregation does.
 */
#include "analyzer/ranks.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/stacks.h"
#include "common/hmap.h"
#include "common/store.h"

static int by_rank(const void *a, const void *b, void *ctx)
{
	const struct hp_profile *p = ctx;
	const struct hp_prun *x = &p->runs[*(const uint32_t *)a], *y = &p->runs[*(const uint32_t *)b];
	if ((x->rank < 0) != (y->rank < 0))
		return x->rank < 0 ? 1 : -1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

int ranks_need_time(const struct hp_profile *p)
{
	return p->cpu_col >= 0;
}

double ranks_run_weight(const struct hp_profile *p, const struct hp_ranks *r, uint32_t run)
{
	return r->timed ? profile_run_ms(p, run) : 1;
}

uint64_t ranks_weigh(const struct hp_profile *p, const struct hp_ranks *r, uint32_t run,
		     uint64_t n)
{
	return r->timed ? (uint64_t)llround((double)n * ranks_run_weight(p, r, run)) : n;
}

const char *ranks_unit(const struct hp_ranks *r)
{
	return r->timed ? "CPU ms" : "samples";
}

/* Samples stand for time only when every run knows its period. */
static int can_time(const struct hp_profile *p)
{
	for (uint32_t i = 0; i < p->nruns; i++)
		if (p->runs[i].sample_ns <= 0)
			return 0;
	return p->nruns > 0;
}

static void compute_figures(const struct hp_profile *p, struct hp_ranks *r)
{
	uint64_t sum = 0;
	r->compute_min = UINT64_MAX;
	for (uint32_t k = 0; k < r->n; k++) {
		uint32_t i = r->order[k];
		const struct hp_prun *run = &p->runs[i];
		uint64_t c = ranks_weigh(p, r, i, run->samples - run->mpi_samples);
		r->samples += ranks_weigh(p, r, i, run->samples);
		r->mpi_samples += ranks_weigh(p, r, i, run->mpi_samples);
		sum += c;
		if (c < r->compute_min)
			r->compute_min = c;
		if (c > r->compute_max || k == 0) {
			r->compute_max = c;
			r->compute_max_run = i;
		}
		if (run->size > r->size)
			r->size = run->size;
		if (run->interrupted)
			r->ninterrupted++;
		else if (run->signal || run->exit_status > 0)
			r->nfailed++;
	}
	if (!r->n)
		r->compute_min = 0;
	r->compute_mean = r->n ? (double)sum / r->n : 0;
	r->imbalance = r->compute_mean > 0 ? (double)r->compute_max / r->compute_mean : 0;
}

static int push(int64_t **arr, uint32_t *n, int64_t v)
{
	int64_t *a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	a[(*n)++] = v;
	*arr = a;
	return 0;
}

/* Ranks of [0, size) no run holds, and ranks held twice (order is by rank). */
static int membership(const struct hp_profile *p, struct hp_ranks *r)
{
	int64_t next = 0;
	int err = 0;
	for (uint32_t k = 0; k < r->n && !err; k++) {
		int64_t rank = p->runs[r->order[k]].rank;
		if (rank < 0)
			break;
		if (k && rank == p->runs[r->order[k - 1]].rank) {
			if (!r->nduplicate || r->duplicate[r->nduplicate - 1] != rank)
				err = push(&r->duplicate, &r->nduplicate, rank);
			continue;
		}
		for (; next < rank && next < r->size && !err; next++)
			err = push(&r->missing, &r->nmissing, next);
		next = rank + 1;
	}
	for (; next < r->size && profile_has_ranks(p) && !err; next++)
		err = push(&r->missing, &r->nmissing, next);
	return err;
}

static int by_max(const void *a, const void *b)
{
	const struct hp_rank_fstat *x = a, *y = b;
	if (x->max != y->max)
		return x->max > y->max ? -1 : 1;
	if (x->mean != y->mean)
		return x->mean > y->mean ? -1 : 1;
	return (x->func > y->func) - (x->func < y->func);
}

struct hp_rank_fstat ranks_fstat(const struct hp_ranks *r, uint32_t func,
				 uint64_t (*value)(const void *ctx, uint32_t run), const void *ctx)
{
	struct hp_rank_fstat s = { .func = func, .min = UINT64_MAX };
	uint64_t sum = 0;
	for (uint32_t k = 0; k < r->n; k++) {
		uint32_t run = r->order[k];
		uint64_t v = value(ctx, run);
		sum += v;
		if (v < s.min)
			s.min = v;
		if (v > s.max || k == 0) {
			s.max = v;
			s.max_run = run;
		}
	}
	if (!r->n)
		s.min = 0;
	s.mean = r->n ? (double)sum / r->n : 0;
	return s;
}

/* One function's self or total samples (or CPU ms, r->timed) in a run. */
struct one_func {
	const struct hp_profile *p;
	const struct hp_ranks *r;
	const struct hp_pfunc *f;
	int total;
};

static uint64_t one_func_value(const void *ctx, uint32_t run)
{
	const struct one_func *o = ctx;
	return ranks_weigh(o->p, o->r, run, o->total ? profile_run_total(o->p, o->f, run)
						      : profile_run_self(o->p, o->f, run));
}

/* min/mean/max of one function's samples over the ranks. */
static struct hp_rank_fstat fstat(const struct hp_profile *p, const struct hp_ranks *r,
				  uint32_t fi, int total)
{
	struct one_func o = { p, r, &p->functions[fi], total };
	return ranks_fstat(r, fi, one_func_value, &o);
}

static int function_figures(const struct hp_profile *p, struct hp_ranks *r)
{
	r->self = calloc(p->nfunctions ? p->nfunctions : 1, sizeof(*r->self));
	r->total = calloc(p->nfunctions ? p->nfunctions : 1, sizeof(*r->total));
	if (!r->self || !r->total)
		return -ENOMEM;
	for (uint32_t fi = 0; fi < p->nfunctions; fi++) {
		if (!p->functions[fi].total)
			continue;
		r->self[r->nfuncs] = fstat(p, r, fi, 0);
		r->total[r->nfuncs++] = fstat(p, r, fi, 1);
	}
	qsort(r->self, r->nfuncs, sizeof(*r->self), by_max);
	qsort(r->total, r->nfuncs, sizeof(*r->total), by_max);
	return 0;
}

int ranks_analyze(const struct hp_profile *p, struct hp_ranks **out)
{
	return ranks_analyze_timed(p, ranks_need_time(p), out);
}

int ranks_analyze_timed(const struct hp_profile *p, int timed, struct hp_ranks **out)
{
	struct hp_ranks *r = calloc(1, sizeof(*r));
	int err = -ENOMEM;
	if (!r || !(r->order = malloc((p->nruns ? p->nruns : 1) * sizeof(*r->order))))
		goto fail;
	r->timed = timed && can_time(p);
	r->size = -1;
	for (uint32_t i = 0; i < p->nruns; i++)       /* the selected run only, under --rank */
		if (!p->run_filter || p->runs[i].id == p->run_filter)
			r->order[r->n++] = i;
	qsort_r(r->order, r->n, sizeof(*r->order), by_rank, (void *)p);
	compute_figures(p, r);
	if ((!p->run_filter && (err = membership(p, r))) || (err = function_figures(p, r)))
		goto fail;
	*out = r;
	return 0;
fail:
	ranks_free(r);
	return err;
}

void ranks_free(struct hp_ranks *r)
{
	if (!r)
		return;
	free(r->order);
	free(r->missing);
	free(r->duplicate);
	free(r->self);
	free(r->total);
	free(r);
}

const char *ranks_name(const struct hp_profile *p, uint32_t run, char *buf, size_t len)
{
	const struct hp_prun *r = &p->runs[run];
	if (r->rank >= 0)
		snprintf(buf, len, "rank %lld", (long long)r->rank);
	else if (r->path)
		snprintf(buf, len, "run %u (%s)", r->id, r->path);
	else
		snprintf(buf, len, "run %u", r->id);
	return buf;
}

const char *ranks_cell(const struct hp_prun *r, char *buf, size_t len)
{
	if (r->rank >= 0)
		snprintf(buf, len, "%lld", (long long)r->rank);
	else
		snprintf(buf, len, "run %u", r->id);
	return buf;
}

/* --- the per-rank timeline --- */

struct tl_pass {
	const struct hp_profile *p;
	struct hp_rank_timeline *tl;
	struct hp_hmap run_of;        /* tid + 1 -> index into runs[] */
};

/* What a sample of run counts for in tl: its period in us, or 1. */
static uint32_t tl_weight(const struct tl_pass *ps, uint32_t run)
{
	int64_t ns = ps->p->runs[run].sample_ns;
	return ps->tl->timed && ns >= 1000 ? (uint32_t)(ns / 1000) : 1;
}

static uint32_t run_of_tid(struct tl_pass *ps, uint32_t tid)
{
	uint64_t v;
	if (hmap_get(&ps->run_of, (uint64_t)tid + 1, &v))
		return (uint32_t)v;
	const struct hp_sthread *t = stacks_thread(ps->p->model, tid);
	uint32_t run = 0;
	for (uint32_t i = 0; t && i < ps->p->nruns; i++)
		if (ps->p->runs[i].id == t->run)
			run = i;
	hmap_put(&ps->run_of, (uint64_t)tid + 1, run);
	return run;
}

static int tl_extent(void *ctx, const struct hp_sample_row *s)
{
	struct tl_pass *ps = ctx;
	if (s->event == 0 && s->t_ns >= ps->tl->t_end)
		ps->tl->t_end = s->t_ns + 1;
	return 0;
}

static int tl_count(void *ctx, const struct hp_sample_row *s)
{
	struct tl_pass *ps = ctx;
	struct hp_rank_timeline *tl = ps->tl;
	if (s->event != 0)
		return 0;
	uint64_t b = s->t_ns / tl->bucket_ns;
	size_t at = (size_t)run_of_tid(ps, s->tid) * tl->nbuckets + (b < tl->nbuckets ? b
						   : tl->nbuckets - 1);
	uint32_t w = tl_weight(ps, (uint32_t)(at / tl->nbuckets));
	if (stacks_class(ps->p->model, s->stack_id) == HP_STACK_MPI)
		tl->mpi[at] += w;
	else
		tl->compute[at] += w;
	return 0;
}

int ranks_timeline_load(struct hp_store *st, const struct hp_profile *p, uint32_t nbuckets,
			struct hp_rank_timeline **out)
{
	struct hp_rank_timeline *tl = calloc(1, sizeof(*tl));
	struct tl_pass ps = { p, tl };
	int err = -ENOMEM;
	if (!tl || !nbuckets || !p->nruns)
		goto fail;
	hmap_init(&ps.run_of);
	tl->nruns = p->nruns;
	tl->nbuckets = nbuckets;
	tl->timed = can_time(p);
	tl->compute = calloc((size_t)p->nruns * nbuckets, sizeof(*tl->compute));
	tl->mpi = calloc((size_t)p->nruns * nbuckets, sizeof(*tl->mpi));
	if (!tl->compute || !tl->mpi)
		goto fail_map;
	if ((err = store_each_sample(st, 0, 0, tl_extent, &ps)))
		goto fail_map;
	tl->bucket_ns = tl->t_end / nbuckets + 1;
	tl->t_end = tl->bucket_ns * nbuckets;
	if ((err = store_each_sample(st, 0, 0, tl_count, &ps)))
		goto fail_map;
	hmap_release(&ps.run_of);
	*out = tl;
	return 0;
fail_map:
	hmap_release(&ps.run_of);
fail:
	ranks_timeline_free(tl);
	return err;
}

void ranks_timeline_free(struct hp_rank_timeline *tl)
{
	if (!tl)
		return;
	free(tl->compute);
	free(tl->mpi);
	free(tl);
}

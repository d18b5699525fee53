/*
 * timeline.c - samples per time bucket and thread (timeline.h).
 *
 * One pass over the store's samples (store_each_sample) into per-thread
 * bucket rows, then the rows are ordered busiest first and the tail beyond
 * HP_TIMELINE_MAX_THREADS is folded into one "other threads" row. It does
 * not attribute samples to functions: that is profile_load's job, with a
 * time-range filter taken from here.
 */
#include "analyzer/timeline.h"

#include "analyzer/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/hmap.h"
#include "common/store.h"

struct row {
	uint32_t tid;
	uint64_t samples;
	uint32_t *counts;             /* [nbuckets] */
	uint64_t *blocked;            /* [nbuckets] off-CPU ns, NULL without */
};

struct pass {
	struct hp_hmap index;         /* tid + 1 -> row */
	struct row *rows;
	uint32_t nrows;
	size_t cap;
	uint32_t nbuckets;
	uint64_t bucket_ns;
	uint64_t t_max;               /* latest sample seen */
	uint64_t nsamples;
	int offcpu_event;             /* events.id of off-cpu, 0 when none */
	const struct hp_profile_filter *f;  /* the threads to count (NULL: all) */
	struct hp_hmap chosen;        /* f with a pid or run: tid + 1 of its threads */
};

/* The threads of f's pid and run (threads table: a thread not in it is in
 * neither, as in profile_load). */
static int on_thread(void *ctx, const struct hp_thread_row *t)
{
	struct pass *ps = ctx;
	if ((ps->f->pid && t->pid != ps->f->pid) || (ps->f->run && t->run != ps->f->run))
		return 0;
	return hmap_put(&ps->chosen, (uint64_t)t->tid + 1, 1);
}

static int counted(const struct pass *ps, uint32_t tid)
{
	uint64_t v;
	if (!ps->f)
		return 1;
	if (ps->f->tid && tid != ps->f->tid)
		return 0;
	return !(ps->f->pid || ps->f->run) || hmap_get(&ps->chosen, (uint64_t)tid + 1, &v);
}

static struct row *row_of(struct pass *ps, uint32_t tid)
{
	uint64_t v;
	if (hmap_get(&ps->index, (uint64_t)tid + 1, &v))
		return &ps->rows[v];
	if (hp_grow((void **)&ps->rows, &ps->cap, (size_t)ps->nrows + 1, sizeof(*ps->rows)))
		return NULL;
	struct row *r = &ps->rows[ps->nrows];
	r->tid = tid;
	r->samples = 0;
	r->counts = calloc(ps->nbuckets, sizeof(*r->counts));
	r->blocked = ps->offcpu_event ? calloc(ps->nbuckets, sizeof(*r->blocked)) : NULL;
	if (!r->counts || (ps->offcpu_event && !r->blocked) ||
	    hmap_put(&ps->index, (uint64_t)tid + 1, ps->nrows)) {
		free(r->counts);
		free(r->blocked);
		return NULL;
	}
	ps->nrows++;
	return r;
}

/* An off-CPU interval [t, t + own ns) spread over the buckets it covers.
 * At high switch rates its stack was sampled and its row weighs more than
 * its own time (counters[0] weighted ns, counters[2] own ns: docs/offcpu.md):
 * the weighted time is spread over the interval's own span, so that each
 * bucket's blocked time estimates all the intervals there, sampled or not,
 * and no interval reaches past the time it lasted. */
static int on_offcpu(struct pass *ps, const struct hp_sample_row *s)
{
	int64_t w = s->nr_counters ? s->counters[0] : 0;
	int64_t ns = s->nr_counters > 2 && s->counters[2] > 0 ? s->counters[2] : w;
	double scale = ns > 0 && w > ns ? (double)w / (double)ns : 1.0;
	uint64_t t = s->t_ns, end = s->t_ns + (uint64_t)(ns > 0 ? ns : 0);
	if (end > ps->t_max)
		ps->t_max = end;
	if (!ps->bucket_ns || end <= t || !counted(ps, s->tid))
		return 0;
	struct row *r = row_of(ps, s->tid);
	if (!r)
		return -ENOMEM;
	while (t < end) {
		uint64_t b = t / ps->bucket_ns;
		if (b >= ps->nbuckets)
			break;
		uint64_t stop = (b + 1) * ps->bucket_ns < end ? (b + 1) * ps->bucket_ns : end;
		r->blocked[b] += (uint64_t)((double)(stop - t) * scale);
		t = stop;
	}
	return 0;
}

static int on_sample(void *ctx, const struct hp_sample_row *s)
{
	struct pass *ps = ctx;
	if (ps->offcpu_event && s->event == ps->offcpu_event)
		return on_offcpu(ps, s);
	if (s->event != 0)
		return 0;
	if (s->t_ns > ps->t_max)
		ps->t_max = s->t_ns;       /* the run's extent, whatever is counted */
	if (!counted(ps, s->tid))
		return 0;
	ps->nsamples++;
	if (!ps->bucket_ns)
		return 0;                     /* first pass: only the extent */
	struct row *r = row_of(ps, s->tid);
	if (!r)
		return -ENOMEM;
	uint64_t b = s->t_ns / ps->bucket_ns;
	r->counts[b < ps->nbuckets ? b : ps->nbuckets - 1]++;
	r->samples++;
	return 0;
}

static int find_offcpu(void *ctx, const struct hp_event_info *ev)
{
	struct pass *ps = ctx;
	if (ev->id > 0 && ev->measured && !strcmp(ev->role, "offcpu"))
		ps->offcpu_event = ev->id;
	return 0;
}

static int by_samples(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Move the busiest rows into tl, folding the rest into a tid-0 row. */
static int fold(struct pass *ps, struct hp_timeline *tl)
{
	uint32_t n = ps->nrows, keep = n;
	if (n > HP_TIMELINE_MAX_THREADS)
		keep = HP_TIMELINE_MAX_THREADS - 1;
	tl->nthreads = keep + (n > keep);
	tl->tids = calloc(tl->nthreads + 1, sizeof(*tl->tids));
	tl->thread_samples = calloc(tl->nthreads + 1, sizeof(*tl->thread_samples));
	tl->counts = calloc((size_t)(tl->nthreads + 1) * tl->nbuckets, sizeof(*tl->counts));
	tl->total = calloc(tl->nbuckets, sizeof(*tl->total));
	if (ps->offcpu_event)
		tl->blocked_ns = calloc((size_t)(tl->nthreads + 1) * tl->nbuckets,
					sizeof(*tl->blocked_ns));
	if (!tl->tids || !tl->thread_samples || !tl->counts || !tl->total ||
	    (ps->offcpu_event && !tl->blocked_ns))
		return -ENOMEM;
	if (n)                        /* no threads (a simulated run): rows is NULL */
		qsort(ps->rows, n, sizeof(*ps->rows), by_samples);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = i < keep ? i : keep;
		uint32_t *dst = tl->counts + (size_t)r * tl->nbuckets;
		tl->tids[r] = i < keep ? ps->rows[i].tid : 0;
		tl->thread_samples[r] += ps->rows[i].samples;
		for (uint32_t b = 0; b < tl->nbuckets; b++) {
			dst[b] += ps->rows[i].counts[b];
			tl->total[b] += ps->rows[i].counts[b];
		}
		for (uint32_t b = 0; tl->blocked_ns && b < tl->nbuckets; b++)
			tl->blocked_ns[(size_t)r * tl->nbuckets + b] += ps->rows[i].blocked[b];
	}
	return 0;
}

static void release_pass(struct pass *ps)
{
	for (uint32_t i = 0; i < ps->nrows; i++) {
		free(ps->rows[i].counts);
		free(ps->rows[i].blocked);
	}
	free(ps->rows);
	hmap_release(&ps->index);
	hmap_release(&ps->chosen);
}

int timeline_load(struct hp_store *st, uint64_t duration_ns, uint32_t nbuckets,
		  struct hp_timeline **out)
{
	return timeline_load_where(st, duration_ns, nbuckets, NULL, out);
}

int timeline_load_where(struct hp_store *st, uint64_t duration_ns, uint32_t nbuckets,
			const struct hp_profile_filter *f, struct hp_timeline **out)
{
	struct hp_timeline *tl = calloc(1, sizeof(*tl));
	struct pass ps = { .nbuckets = nbuckets ? nbuckets : 1 };
	int err;

	if (!tl)
		return -ENOMEM;
	hmap_init(&ps.index);
	hmap_init(&ps.chosen);
	if (f && (f->tid || f->pid || f->run))
		ps.f = f;
	if ((err = store_each_event(st, find_offcpu, &ps)) ||
	    (ps.f && (ps.f->pid || ps.f->run) && (err = store_each_thread(st, on_thread, &ps))))
		goto fail;
	if (!duration_ns && (err = store_each_sample(st, 0, 0, on_sample, &ps)))
		goto fail;
	tl->t_end = duration_ns > ps.t_max ? duration_ns : ps.t_max + 1;
	tl->nbuckets = ps.nbuckets;
	tl->bucket_ns = (tl->t_end + ps.nbuckets - 1) / ps.nbuckets;
	if (!tl->bucket_ns)
		tl->bucket_ns = 1;
	tl->t_end = tl->bucket_ns * ps.nbuckets;
	ps.bucket_ns = tl->bucket_ns;
	ps.nsamples = 0;
	if ((err = store_each_sample(st, 0, 0, on_sample, &ps)) || (err = fold(&ps, tl)))
		goto fail;
	tl->nsamples = ps.nsamples;
	release_pass(&ps);
	*out = tl;
	return 0;
fail:
	release_pass(&ps);
	timeline_free(tl);
	return err;
}

void timeline_free(struct hp_timeline *tl)
{
	if (!tl)
		return;
	free(tl->tids);
	free(tl->thread_samples);
	free(tl->counts);
	free(tl->total);
	free(tl->blocked_ns);
	free(tl);
}

uint64_t timeline_sum(const struct hp_timeline *tl, uint32_t r, uint32_t b0, uint32_t b1)
{
	const uint32_t *row = r < tl->nthreads ? tl->counts + (size_t)r * tl->nbuckets : tl->total;
	uint64_t s = 0;
	for (uint32_t b = b0; b < b1 && b < tl->nbuckets; b++)
		s += row[b];
	return s;
}

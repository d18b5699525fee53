/*
 * alloctrack.c - per-stack allocation facts from the event stream
 * (alloctrack.h). Live blocks live in a hash map keyed by (pid, address);
 * per-(process, stack) counters in an array indexed through another map;
 * one heap state per process.
 */
#include "collector/alloctrack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/hmap.h"
#include "common/runfacts.h"
#include "common/store.h"

#define NONE UINT32_MAX

/* One allocating stack of one process. */
struct site {
	uint32_t stack_id, proc;      /* proc: index into procs[] */
	uint64_t allocs, bytes;
	int64_t live, live_blocks;
	int64_t peak_live;            /* live bytes at the process's peak (see touch_site) */
	uint64_t last_mod;            /* sequence number of the last change of live */
	uint64_t temporary;
};

/* A live block's value in the blocks map: site index and bytes in one word,
 * so that a free costs one probe of one table. */
#define BLOCK_BYTES_BITS 40
#define BLOCK_VALUE(site, bytes) (((uint64_t)(site) << BLOCK_BYTES_BITS) | (bytes))
#define BLOCK_SITE(v)  ((uint32_t)((v) >> BLOCK_BYTES_BITS))
#define BLOCK_BYTES(v) ((v) & ((1ull << BLOCK_BYTES_BITS) - 1))

struct proc_heap {
	uint32_t pid;
	int64_t live, peak;
	uint64_t peak_t;              /* event time of the peak */
	uint64_t peak_seq;            /* sequence number of the event that reached it */
	uint64_t next_point;          /* event time of the next heap timeline point */
	struct { uint64_t t; int64_t live; } hi, last;  /* the interval's highest and last */
	int pending;                  /* ... states, not yet points (events after a point) */
	uint32_t last_site;           /* the last allocation's site, NONE after a free */
	uint64_t last_bytes;          /* ... and its bytes */
};

/* A point of the heap timeline. */
struct heap_point {
	uint32_t pid;
	uint64_t t;                   /* CLOCK_MONOTONIC ns */
	int64_t live;
};

struct hp_alloctrack {
	hp_alloc_locate locate;
	void *ctx;
	uint64_t interval;
	struct heap_point *points;
	size_t npoints, points_cap;
	struct hp_hmap site_of_stack; /* (pid, stack id) -> site index */
	struct site *sites;
	uint32_t nsites;
	size_t sites_cap;
	struct hp_hmap blocks;        /* key(pid, ptr) -> BLOCK_VALUE(site, bytes) */
	struct proc_heap *procs;
	uint32_t nprocs;
	size_t procs_cap;
	struct hp_hmap proc_of_pid;   /* pid + 1 -> index into procs[] */
	/* the last lookups of proc_of and site_of (most events repeat them);
	 * indices never change once given */
	uint64_t memo_pid;            /* pid + 1 of memo_proc, 0 = none */
	uint32_t memo_proc;
	uint64_t memo_site_key;       /* site_of_stack's key of memo_site, 0 = none */
	uint32_t memo_site;
	uint64_t seq;                 /* events so far */
	uint64_t allocs, frees, unknown_frees, dropped, temporary;
	uint64_t sample_period;
};

int alloctrack_new(hp_alloc_locate locate, void *ctx, uint64_t interval_ns,
		   struct hp_alloctrack **out)
{
	struct hp_alloctrack *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->locate = locate;
	t->ctx = ctx;
	t->interval = interval_ns ? interval_ns : 10000000ull;
	hmap_init(&t->site_of_stack);
	hmap_init(&t->blocks);
	hmap_init(&t->proc_of_pid);
	*out = t;
	return 0;
}

void alloctrack_free(struct hp_alloctrack *t)
{
	if (!t)
		return;
	hmap_release(&t->site_of_stack);
	hmap_release(&t->blocks);
	hmap_release(&t->proc_of_pid);
	free(t->sites);
	free(t->procs);
	free(t->points);
	free(t);
}

/* Record the heap of ph at event time now when a point is due (or forced). */
static void add_point(struct hp_alloctrack *t, uint32_t pid, uint64_t now, int64_t live)
{
	if (hp_grow((void **)&t->points, &t->points_cap, t->npoints + 1, sizeof(*t->points)))
		return;
	t->points[t->npoints++] = (struct heap_point){ pid, now, live };
}

/* The states held back since the last point: the interval's highest (its
 * peak) and last (what holds until the next event). */
static void flush_points(struct hp_alloctrack *t, struct proc_heap *ph)
{
	if (!ph->pending)
		return;
	add_point(t, ph->pid, ph->hi.t, ph->hi.live);
	if (ph->last.t != ph->hi.t)
		add_point(t, ph->pid, ph->last.t, ph->last.live);
	ph->pending = 0;
}

/* One point per interval at the first event in it, and before it the
 * highest and the last state of the events held back since the previous
 * point. Until wave 17 those were dropped: a 1 GiB heap allocated in the
 * 10 ms after xz's first small allocation showed in the timeline only at
 * its next allocation, seconds later. */
static void heap_point(struct hp_alloctrack *t, struct proc_heap *ph, uint64_t now, int force)
{
	if (!force && now < ph->next_point) {
		if (!ph->pending || ph->live > ph->hi.live) {
			ph->hi.t = now;
			ph->hi.live = ph->live;
		}
		ph->last.t = now;
		ph->last.live = ph->live;
		ph->pending = 1;
		return;
	}
	flush_points(t, ph);
	add_point(t, ph->pid, now, ph->live);
	ph->next_point = now + t->interval;
}

static int proc_of(struct hp_alloctrack *t, uint32_t pid, uint32_t *idx)
{
	uint64_t v;
	if (t->memo_pid == (uint64_t)pid + 1) {
		*idx = t->memo_proc;
		return 0;
	}
	if (hmap_get(&t->proc_of_pid, (uint64_t)pid + 1, &v)) {
		*idx = t->memo_proc = (uint32_t)v;
		t->memo_pid = (uint64_t)pid + 1;
		return 0;
	}
	if (hp_grow((void **)&t->procs, &t->procs_cap, (size_t)t->nprocs + 1, sizeof(*t->procs)))
		return -ENOMEM;
	struct proc_heap *n = &t->procs[t->nprocs];
	memset(n, 0, sizeof(*n));
	n->pid = pid;
	n->last_site = NONE;
	*idx = t->nprocs;
	return hmap_put(&t->proc_of_pid, (uint64_t)pid + 1, t->nprocs++);
}

static int site_of(struct hp_alloctrack *t, uint32_t proc, uint32_t stack_id, uint32_t *idx)
{
	uint64_t v, key = hmap_key2(t->procs[proc].pid, (uint64_t)stack_id + 1);
	if (key && key == t->memo_site_key) {
		*idx = t->memo_site;
		return 0;
	}
	if (hmap_get(&t->site_of_stack, key, &v)) {
		*idx = t->memo_site = (uint32_t)v;
		t->memo_site_key = key;
		return 0;
	}
	if (hp_grow((void **)&t->sites, &t->sites_cap, (size_t)t->nsites + 1, sizeof(*t->sites)))
		return -ENOMEM;
	memset(&t->sites[t->nsites], 0, sizeof(struct site));
	t->sites[t->nsites].stack_id = stack_id;
	t->sites[t->nsites].proc = proc;
	*idx = t->nsites;
	return hmap_put(&t->site_of_stack, key, t->nsites++);
}

/* Before a site's live bytes change: when they last changed at or before
 * its process's peak, they are what the site held at the peak. */
static void touch_site(struct hp_alloctrack *t, struct site *s)
{
	if (s->last_mod <= t->procs[s->proc].peak_seq)
		s->peak_live = s->live;
	s->last_mod = ++t->seq;
}

static int on_alloc(struct hp_alloctrack *t, const struct hp_alloc_event *ev)
{
	uint32_t stack_id = 0, si, pi;
	int err = t->locate(t->ctx, ev, &stack_id);
	if (err || (err = proc_of(t, ev->pid, &pi)) || (err = site_of(t, pi, stack_id, &si)))
		return err;
	uint64_t w = ev->weight < (1ull << BLOCK_BYTES_BITS) ? ev->weight
							     : (1ull << BLOCK_BYTES_BITS) - 1;
	struct site *s = &t->sites[si];
	struct proc_heap *ph = &t->procs[pi];
	if ((err = hmap_put(&t->blocks, hmap_key2(ev->pid, ev->ptr), BLOCK_VALUE(si, w))))
		return err;
	touch_site(t, s);
	s->allocs++;
	s->bytes += w;
	s->live += (int64_t)w;
	s->live_blocks++;
	ph->live += (int64_t)w;
	ph->last_site = si;
	ph->last_bytes = w;
	t->allocs++;
	if (ph->live > ph->peak) {
		ph->peak = ph->live;
		ph->peak_t = ev->t_ns;
		ph->peak_seq = s->last_mod;
	}
	heap_point(t, ph, ev->t_ns, 0);
	return 0;
}

static int on_free(struct hp_alloctrack *t, const struct hp_alloc_event *ev)
{
	uint64_t v;
	uint32_t pi;
	int err = proc_of(t, ev->pid, &pi);
	if (err)
		return err;
	struct proc_heap *ph = &t->procs[pi];
	if (!hmap_del(&t->blocks, hmap_key2(ev->pid, ev->ptr), &v)) {
		t->unknown_frees++;         /* allocated before tracking, or not sampled */
		return 0;
	}
	struct site *s = &t->sites[BLOCK_SITE(v)];
	int64_t bytes = (int64_t)BLOCK_BYTES(v);
	touch_site(t, s);
	s->live -= bytes;
	s->live_blocks--;
	if (ph->last_site == BLOCK_SITE(v) && ph->last_bytes == (uint64_t)bytes) {
		s->temporary++;
		t->temporary++;
	}
	ph->last_site = NONE;
	ph->live -= bytes;
	t->frees++;
	heap_point(t, ph, ev->t_ns, 0);
	return 0;
}

int alloctrack_event(void *track, const struct hp_alloc_event *ev)
{
	struct hp_alloctrack *t = track;
	uint32_t pi;
	switch (ev->kind) {
	case HP_ALLOC_ALLOC:
		return on_alloc(t, ev);
	case HP_ALLOC_FREE:
		return on_free(t, ev);
	case HP_ALLOC_BEGIN:
		if (ev->sample_period)
			t->sample_period = ev->sample_period;
		return 0;
	case HP_ALLOC_END:
		t->dropped += ev->dropped;
		if (!proc_of(t, ev->pid, &pi) && ev->t_ns)
			heap_point(t, &t->procs[pi], ev->t_ns, 1);
		return 0;
	}
	return 0;
}

/* RSS readings of the run, to pair each heap point with the last one. */
struct rss_list {
	struct hp_mem_reading *v;
	size_t n, cap;
};

static int collect_rss(void *ctx, const struct hp_mem_reading *m)
{
	struct rss_list *l = ctx;
	if (m->heap_bytes >= 0)
		return 0;
	if (hp_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n++] = *m;
	return 0;
}

/* Last RSS of pid at or before t, or its first one when t comes earlier
 * (readings are ordered by pid, then time: binary search). */
static uint64_t rss_before(const struct rss_list *l, uint32_t pid, uint64_t t)
{
	size_t lo = 0, hi = l->n;          /* first reading after (pid, t) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hp_mem_reading *m = &l->v[mid];
		if (m->pid < pid || (m->pid == pid && m->t_ns <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && l->v[lo - 1].pid == pid)
		return l->v[lo - 1].rss_bytes;
	return lo < l->n && l->v[lo].pid == pid ? l->v[lo].rss_bytes : 0;
}

static int write_heap_timeline(struct hp_alloctrack *t, struct hp_store *st, uint64_t t0)
{
	struct rss_list l = { 0 };
	int err = store_each_memory(st, collect_rss, &l);
	for (uint32_t i = 0; i < t->nprocs; i++)     /* a process whose stream never ended */
		flush_points(t, &t->procs[i]);
	for (size_t i = 0; i < t->npoints && !err; i++) {
		const struct heap_point *h = &t->points[i];
		uint64_t rel = h->t > t0 ? h->t - t0 : 0;
		struct hp_mem_reading m = { h->pid, rel, rss_before(&l, h->pid, rel),
					    h->live > 0 ? h->live : 0, 0, 0, 0, 0 };
		err = store_add_memory(st, &m);
	}
	free(l.v);
	return err;
}

/* The largest heap peak of one process: the run's heap peak facts. */
static void peak_facts(const struct hp_alloctrack *t, uint64_t t0, struct hp_run_facts *facts)
{
	const struct proc_heap *best = NULL;
	for (uint32_t i = 0; i < t->nprocs; i++)
		if (!best || t->procs[i].peak > best->peak)
			best = &t->procs[i];
	facts->heap_peak_bytes = best ? best->peak : 0;
	facts->heap_peak_t_ns = best && best->peak_t > t0 ? (int64_t)(best->peak_t - t0) : 0;
	if (best)
		facts->heap_peak_pid = best->pid;
}

int alloctrack_write(struct hp_alloctrack *t, struct hp_store *st, uint64_t t0,
		     struct hp_run_facts *facts)
{
	int err = write_heap_timeline(t, st, t0);
	for (uint32_t i = 0; i < t->nsites && !err; i++) {
		struct site *s = &t->sites[i];
		if (s->last_mod <= t->procs[s->proc].peak_seq)
			s->peak_live = s->live;     /* unchanged since the peak */
		struct hp_alloc_site_row r = { s->stack_id, t->procs[s->proc].pid, s->allocs,
					       s->bytes, (uint64_t)s->peak_live, (uint64_t)s->live,
					       (uint64_t)s->live_blocks, s->temporary };
		err = store_add_alloc_stack(st, &r);
	}
	for (uint32_t i = 0; i < t->nprocs && !err; i++)
		err = store_set_process_heap(st, t->procs[i].pid, t->procs[i].peak);
	if (err)
		return err;
	facts->alloc_count = (int64_t)t->allocs;
	facts->alloc_frees = (int64_t)t->frees;
	facts->alloc_temporary = (int64_t)t->temporary;
	peak_facts(t, t0, facts);
	facts->alloc_dropped = (int64_t)t->dropped;
	facts->alloc_unknown_frees = (int64_t)t->unknown_frees;
	facts->alloc_sample_bytes = (int64_t)t->sample_period;
	return 0;
}

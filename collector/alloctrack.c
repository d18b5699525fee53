/*
 * alloctrack.c - per-stack allocation facts from the event stream
 * (alloctrack.h). Live blocks live in a hash map keyed by (pid, address);
 * per-stack counters in an array indexed through another map.
 */
#include "collector/alloctrack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hmap.h"
#include "common/store.h"

struct site {
	uint32_t stack_id;
	uint64_t allocs, bytes;
	int64_t live, live_blocks;
	int64_t peak_live;            /* live bytes at the global peak */
	uint64_t temporary;
};

struct block {
	uint32_t site;
	uint32_t pid;
	uint64_t size;
};

struct proc_heap {
	uint32_t pid;
	int64_t live;
	uint64_t last_alloc_ptr;      /* per process, approximates "per thread" for temporaries */
	uint32_t last_alloc_tid;
};

struct hp_alloctrack {
	hp_alloc_locate locate;
	void *ctx;
	struct hp_hmap site_of_stack; /* stack id + 1 -> site index */
	struct site *sites;
	uint32_t nsites, sites_cap;
	struct hp_hmap blocks;        /* key(pid, ptr) -> block index */
	struct block *block_v;
	uint32_t nblocks, blocks_cap;
	uint32_t *free_slots;         /* reusable block indices */
	uint32_t nfree, free_cap;
	struct proc_heap *procs;
	uint32_t nprocs;
	int64_t live, peak;
	uint64_t peak_t;
	int peak_current;             /* the live values are the peak's */
	uint64_t allocs, frees, unknown_frees, dropped;
	uint64_t sample_period;
};

int alloctrack_new(hp_alloc_locate locate, void *ctx, struct hp_alloctrack **out)
{
	struct hp_alloctrack *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->locate = locate;
	t->ctx = ctx;
	hmap_init(&t->site_of_stack);
	hmap_init(&t->blocks);
	*out = t;
	return 0;
}

void alloctrack_free(struct hp_alloctrack *t)
{
	if (!t)
		return;
	hmap_release(&t->site_of_stack);
	hmap_release(&t->blocks);
	free(t->sites);
	free(t->block_v);
	free(t->free_slots);
	free(t->procs);
	free(t);
}

static struct proc_heap *proc_of(struct hp_alloctrack *t, uint32_t pid)
{
	for (uint32_t i = 0; i < t->nprocs; i++)
		if (t->procs[i].pid == pid)
			return &t->procs[i];
	struct proc_heap *n = realloc(t->procs, (t->nprocs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	t->procs = n;
	memset(&n[t->nprocs], 0, sizeof(*n));
	n[t->nprocs].pid = pid;
	return &n[t->nprocs++];
}

int64_t alloctrack_heap(const struct hp_alloctrack *t, uint32_t pid)
{
	for (uint32_t i = 0; t && i < t->nprocs; i++)
		if (t->procs[i].pid == pid)
			return t->procs[i].live;
	return -1;
}

static int site_of(struct hp_alloctrack *t, uint32_t stack_id, uint32_t *idx)
{
	uint64_t v;
	if (hmap_get(&t->site_of_stack, (uint64_t)stack_id + 1, &v)) {
		*idx = (uint32_t)v;
		return 0;
	}
	if (t->nsites == t->sites_cap) {
		uint32_t cap = t->sites_cap ? t->sites_cap * 2 : 256;
		struct site *n = realloc(t->sites, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->sites = n;
		t->sites_cap = cap;
	}
	memset(&t->sites[t->nsites], 0, sizeof(struct site));
	t->sites[t->nsites].stack_id = stack_id;
	*idx = t->nsites;
	return hmap_put(&t->site_of_stack, (uint64_t)stack_id + 1, t->nsites++);
}

static int new_block(struct hp_alloctrack *t, uint32_t *idx)
{
	if (t->nfree) {
		*idx = t->free_slots[--t->nfree];
		return 0;
	}
	if (t->nblocks == t->blocks_cap) {
		uint32_t cap = t->blocks_cap ? t->blocks_cap * 2 : 4096;
		struct block *n = realloc(t->block_v, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->block_v = n;
		t->blocks_cap = cap;
	}
	*idx = t->nblocks++;
	return 0;
}

/* The heap shrinks for the first time since a new peak: keep the peak's
 * live bytes per site. */
static void snapshot_peak(struct hp_alloctrack *t)
{
	for (uint32_t i = 0; i < t->nsites; i++)
		t->sites[i].peak_live = t->sites[i].live;
	t->peak_current = 0;
}

static int on_alloc(struct hp_alloctrack *t, const struct hp_alloc_event *ev)
{
	uint32_t stack_id = 0, si, bi;
	int err = t->locate(t->ctx, ev->pid, ev->pcs, ev->nr_pcs, &stack_id);
	struct proc_heap *ph = proc_of(t, ev->pid);
	if (err || !ph || (err = site_of(t, stack_id, &si)) || (err = new_block(t, &bi)))
		return err ? err : -ENOMEM;
	uint64_t key = hmap_key2(ev->pid, ev->ptr);
	int64_t w = (int64_t)ev->weight;
	struct site *s = &t->sites[si];
	s->allocs++;
	s->bytes += (uint64_t)w;
	s->live += w;
	s->live_blocks++;
	t->block_v[bi] = (struct block){ si, ev->pid, (uint64_t)w };
	if ((err = hmap_put(&t->blocks, key, bi)))
		return err;
	ph->live += w;
	ph->last_alloc_ptr = ev->ptr;
	ph->last_alloc_tid = ev->tid;
	t->live += w;
	t->allocs++;
	if (t->live > t->peak) {
		t->peak = t->live;
		t->peak_t = ev->t_ns;
		t->peak_current = 1;
	}
	return 0;
}

static int on_free(struct hp_alloctrack *t, const struct hp_alloc_event *ev)
{
	uint64_t key = hmap_key2(ev->pid, ev->ptr), bi;
	struct proc_heap *ph = proc_of(t, ev->pid);
	if (!ph)
		return -ENOMEM;
	if (!hmap_get(&t->blocks, key, &bi) || bi == UINT32_MAX) {
		t->unknown_frees++;         /* allocated before tracking, or not sampled */
		return 0;
	}
	if (t->peak_current)
		snapshot_peak(t);
	struct block *b = &t->block_v[bi];
	struct site *s = &t->sites[b->site];
	s->live -= (int64_t)b->size;
	s->live_blocks--;
	if (ph->last_alloc_ptr == ev->ptr && ph->last_alloc_tid == ev->tid)
		s->temporary++;
	ph->last_alloc_ptr = 0;
	ph->live -= (int64_t)b->size;
	t->live -= (int64_t)b->size;
	t->frees++;
	hmap_put(&t->blocks, key, UINT32_MAX);    /* tombstone: the map has no delete */
	if (t->nfree == t->free_cap) {
		uint32_t cap = t->free_cap ? t->free_cap * 2 : 4096;
		uint32_t *n = realloc(t->free_slots, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->free_slots = n;
		t->free_cap = cap;
	}
	t->free_slots[t->nfree++] = (uint32_t)bi;
	return 0;
}

int alloctrack_event(void *track, const struct hp_alloc_event *ev)
{
	struct hp_alloctrack *t = track;
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
		return 0;
	}
	return 0;
}

int alloctrack_write(struct hp_alloctrack *t, struct hp_store *st, uint64_t t0)
{
	int err = 0;
	if (t->peak_current)
		snapshot_peak(t);
	for (uint32_t i = 0; i < t->nsites && !err; i++) {
		const struct site *s = &t->sites[i];
		struct hp_alloc_site_row r = { s->stack_id, s->allocs, s->bytes,
					       (uint64_t)s->peak_live, (uint64_t)s->live,
					       (uint64_t)s->live_blocks, s->temporary };
		err = store_add_alloc_stack(st, &r);
	}
	if (!err && !(err = store_set_meta_int(st, "alloc_count", (int64_t)t->allocs)) &&
	    !(err = store_set_meta_int(st, "alloc_frees", (int64_t)t->frees)) &&
	    !(err = store_set_meta_int(st, "heap_peak_bytes", t->peak)) &&
	    !(err = store_set_meta_int(st, "heap_peak_t_ns",
						     (int64_t)(t->peak_t > t0 ? t->peak_t - t0 : 0))) &&
	    !(err = store_set_meta_int(st, "alloc_dropped", (int64_t)t->dropped)) &&
	    !(err = store_set_meta_int(st, "alloc_unknown_frees", (int64_t)t->unknown_frees)))
		err = store_set_meta_int(st, "alloc_sample_bytes", (int64_t)t->sample_period);
	return err;
}

/*
 * stackjoin.c - stacks the kernel's copy cut short, completed from a later
 * sample of the same frame (stackjoin.h).
 *
 * Held samples are kept compact (their frames and counters only, about
 * 200 bytes plus 16 per frame) in arrival order in one array, within a
 * byte budget. The next sample of their thread that is not held resolves
 * them, joined or not, so they do not wait long: a hole lasts until its
 * function touches the page.
 */
#include "collector/stackjoin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"

struct held {
	uint64_t t_ns;
	uint32_t pid, tid, nr_frames, nr_counters;
	int32_t unwind;
	int event;
	int64_t counters[HP_MAX_COUNTERS];
	struct hp_location *frames;
	uint64_t func, sp;             /* the outermost frame reached */
};

struct hp_stackjoin {
	struct held *h;
	size_t n, cap;
	size_t bytes, max_bytes;
	hp_stackjoin_emit emit;
	hp_stackjoin_func func;
	void *ctx;
	uint64_t joined;
	struct hp_sample out;          /* what emit is given */
};

int stackjoin_new(size_t max_bytes, hp_stackjoin_emit emit, hp_stackjoin_func func, void *ctx,
		  struct hp_stackjoin **out)
{
	struct hp_stackjoin *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->max_bytes = max_bytes;
	j->emit = emit;
	j->func = func;
	j->ctx = ctx;
	*out = j;
	return 0;
}

void stackjoin_free(struct hp_stackjoin *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		free(j->h[i].frames);
	free(j->h);
	free(j);
}

static size_t held_bytes(uint32_t nr_frames)
{
	return sizeof(struct held) + nr_frames * sizeof(struct hp_location);
}

int stackjoin_hold(struct hp_stackjoin *j, const struct hp_sample *smp, uint64_t func,
		   uint64_t sp)
{
	size_t size = held_bytes(smp->nr_frames);
	if (!func || !smp->nr_frames || j->bytes + size > j->max_bytes ||
	    hp_grow((void **)&j->h, &j->cap, j->n + 1, sizeof(*j->h)))
		return 0;
	struct held *h = &j->h[j->n];
	*h = (struct held){ .t_ns = smp->t_ns, .pid = smp->pid, .tid = smp->tid,
			    .nr_frames = smp->nr_frames, .nr_counters = smp->nr_counters,
			    .unwind = smp->unwind, .event = smp->event, .func = func, .sp = sp };
	if (!(h->frames = malloc(smp->nr_frames * sizeof(*h->frames))))
		return 0;
	memcpy(h->frames, smp->frames, smp->nr_frames * sizeof(*h->frames));
	memcpy(h->counters, smp->counters, smp->nr_counters * sizeof(h->counters[0]));
	j->bytes += size;
	j->n++;
	return 1;
}

/* Emit held sample i, with the callers in more[0..nmore) when joined, and
 * forget it (the caller compacts the array: its frames pointer is NULL). */
static int release(struct hp_stackjoin *j, struct held *h, const struct hp_location *more,
		   uint32_t nmore, int joined)
{
	struct hp_sample *o = &j->out;
	o->t_ns = h->t_ns;
	o->pid = h->pid;
	o->tid = h->tid;
	o->unwind = h->unwind;
	o->event = h->event;
	o->nr_counters = h->nr_counters;
	memcpy(o->counters, h->counters, h->nr_counters * sizeof(o->counters[0]));
	memcpy(o->frames, h->frames, h->nr_frames * sizeof(o->frames[0]));
	o->nr_frames = h->nr_frames;
	if (joined) {
		uint32_t room = HP_MAX_FRAMES - o->nr_frames;
		memcpy(o->frames + o->nr_frames, more, (nmore < room ? nmore : room) * sizeof(*more));
		o->nr_frames += nmore < room ? nmore : room;
		o->unwind = nmore > room ? HP_STACK_END_DEEP : HP_STACK_END_JOINED;
		j->joined++;
	}
	j->bytes -= held_bytes(h->nr_frames);
	free(h->frames);
	h->frames = NULL;
	return j->emit(j->ctx, o);
}

static void compact(struct hp_stackjoin *j)
{
	size_t k = 0;
	for (size_t i = 0; i < j->n; i++)
		if (j->h[i].frames)
			j->h[k++] = j->h[i];
	j->n = k;
}

/* The frame (pcs, sps) that is h's outermost one: the same SP in the same
 * function; -1 when the activation is gone. funcs[] caches the functions
 * of the frames (0: not looked up yet, 1: none). */
static int find_frame(struct hp_stackjoin *j, const struct held *h, const uint64_t *pcs,
		      const uint64_t *sps, uint32_t n, uint64_t *funcs)
{
	for (uint32_t i = 0; i < n && sps[i] <= h->sp; i++) {
		if (sps[i] != h->sp)
			continue;
		if (!funcs[i]) {
			uint64_t f = j->func(j->ctx, h->pid, pcs[i] - (i > 0));
			funcs[i] = f ? f : 1;
		}
		if (funcs[i] == h->func)
			return (int)i;
	}
	return -1;
}

int stackjoin_next(struct hp_stackjoin *j, const struct hp_sample *smp, uint32_t first,
		   const uint64_t *pcs, const uint64_t *sps, uint32_t n)
{
	uint64_t funcs[HP_MAX_FRAMES] = { 0 };
	int err = 0, e;
	if (n > HP_MAX_FRAMES)
		n = HP_MAX_FRAMES;
	for (size_t i = 0; i < j->n; i++) {
		struct held *h = &j->h[i];
		if (h->tid != smp->tid || h->pid != smp->pid)
			continue;
		int at = n ? find_frame(j, h, pcs, sps, n, funcs) : -1;
		uint32_t from = first + (uint32_t)at + 1;
		int joined = at >= 0 && from <= smp->nr_frames;
		e = release(j, h, joined ? smp->frames + from : NULL,
			    joined ? smp->nr_frames - from : 0, joined);
		if (e && !err)
			err = e;
	}
	compact(j);
	return err;
}

int stackjoin_flush(struct hp_stackjoin *j, uint32_t pid, uint32_t tid)
{
	int err = 0, e;
	for (size_t i = 0; i < j->n; i++) {
		struct held *h = &j->h[i];
		if ((tid && h->tid != tid) || (!tid && pid && h->pid != pid))
			continue;
		if ((e = release(j, h, NULL, 0, 0)) && !err)
			err = e;
	}
	compact(j);
	return err;
}

size_t stackjoin_held(const struct hp_stackjoin *j)
{
	return j ? j->n : 0;
}

uint64_t stackjoin_joined(const struct hp_stackjoin *j)
{
	return j ? j->joined : 0;
}

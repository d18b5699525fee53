/*
 * offcpu.c - pair switch-out samples with switch records into off-CPU
 * intervals per thread and write them as samples (offcpu.h).
 *
 * Takes parsed samples of the context-switches event (hp_sample, located)
 * and PERF_RECORD_SWITCH records (hp_perf_switch) in time order; produces
 * store samples of the off-CPU event. One slot per thread holds the stack
 * of its pending switch-out (a copy: the session reuses its sample); slots
 * are kept for reuse, so the ring drain allocates only for new threads.
 *
 * Weights: at high switch rates the session turns the stack samplers off
 * and on (offcpu_gate_plan): the SWITCH records still time every interval,
 * but only those switched out while the samplers were on have a stack. The
 * session decides for one slot of time at a time, on with probability pi
 * (1 while the switch-out rate is at most the stack budget; budget / rate
 * above it), drawn at random and from the past only; an interval switched
 * out in an "on" slot is written with 1/pi times its time, one switched out
 * in an "off" slot is counted and not written: the weights stand for it
 * (Horvitz-Thompson: unbiased per stack whatever the program does, as long
 * as its phases do not follow hpprof's random slots). At low rates pi = 1:
 * every interval is written with its own time, as before.
 */
#include "collector/offcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/hmap.h"
#include "common/store.h"

/* Gate slots remembered: records of a slot may come a few drains late. */
#define GATES 256

/* From t on (relative ns), the stack samplers were on (weight 1/pi) or off. */
struct gate {
	uint64_t t;
	int on;
	double weight;
};

struct pending {
	uint32_t pid, tid;
	int open;                     /* switched out, not back yet */
	int have_stack;               /* the switch-out sample came */
	int cls;                      /* enum hp_wait_class */
	uint64_t t_out;               /* relative ns */
	uint32_t nr_frames;
	int32_t unwind;               /* enum hp_stack_end of the switch-out stack */
	int skipped;                  /* switched out in an "off" slot: counted, not written */
	double weight;                /* 1/pi of the slot it switched out in */
	struct hp_location frames[HP_MAX_FRAMES];
};

struct hp_offcpu {
	int event;
	unsigned budget;              /* stacks a second, about, at high rates (0: all) */
	uint64_t rng;                 /* xorshift64 state of the draws */
	struct gate gates[GATES];     /* the last slots, a ring: gates[(ngates - 1) % GATES] newest */
	uint64_t ngates;
	uint64_t outs;                /* switch-outs since the last plan */
	uint64_t t_plan;              /* relative ns of the last plan */
	struct pending **slots;       /* one per thread seen */
	size_t nslots, cap;
	struct hp_hmap index;         /* tid + 1 -> slot */
	struct hp_sample out;         /* the sample being written */
	struct hp_offcpu_totals tot;
};

int offcpu_new(int event, unsigned budget, struct hp_offcpu **out)
{
	struct hp_offcpu *oc = calloc(1, sizeof(*oc));
	if (!oc)
		return -ENOMEM;
	oc->event = event;
	oc->budget = budget;
	oc->rng = 0x9e3779b97f4a7c15ull;      /* fixed: a run's draws are reproducible */
	hmap_init(&oc->index);
	*out = oc;
	return 0;
}

void offcpu_free(struct hp_offcpu *oc)
{
	if (!oc)
		return;
	for (size_t i = 0; i < oc->nslots; i++)
		free(oc->slots[i]);
	free(oc->slots);
	hmap_release(&oc->index);
	free(oc);
}

static struct pending *slot(struct hp_offcpu *oc, uint32_t tid, int create)
{
	uint64_t idx;
	if (hmap_get(&oc->index, (uint64_t)tid + 1, &idx))
		return oc->slots[idx];
	if (!create)
		return NULL;
	struct pending *p = calloc(1, sizeof(*p));
	if (!p || hp_grow((void **)&oc->slots, &oc->cap, oc->nslots + 1, sizeof(*oc->slots)) ||
	    hmap_put(&oc->index, (uint64_t)tid + 1, oc->nslots)) {
		free(p);
		return NULL;
	}
	p->tid = tid;
	oc->slots[oc->nslots++] = p;
	return p;
}

static uint64_t draw(struct hp_offcpu *oc)
{
	oc->rng ^= oc->rng << 13;
	oc->rng ^= oc->rng >> 7;
	oc->rng ^= oc->rng << 17;
	return oc->rng;
}

/* The slot that t_rel is in; before the first one, on with weight 1. */
static struct gate gate_at(const struct hp_offcpu *oc, uint64_t t_rel)
{
	uint64_t n = oc->ngates < GATES ? oc->ngates : GATES;
	for (uint64_t k = 1; k <= n; k++) {
		const struct gate *g = &oc->gates[(oc->ngates - k) % GATES];
		if (g->t <= t_rel)
			return *g;
	}
	return (struct gate){ 0, 1, 1.0 };
}

double offcpu_gate_pi(struct hp_offcpu *oc, uint64_t now_rel)
{
	uint64_t dt = now_rel > oc->t_plan ? now_rel - oc->t_plan : 0;
	double rate = dt ? (double)oc->outs * 1e9 / (double)dt : 0, pi = 1.0;
	if (oc->budget && rate > oc->budget)
		pi = oc->budget / rate;
	oc->outs = 0;
	oc->t_plan = now_rel;
	return pi;
}

int offcpu_gate_draw(struct hp_offcpu *oc, double pi)
{
	int on = pi >= 1.0 || (double)(draw(oc) >> 11) / 9007199254740992.0 < pi;
	oc->tot.slots++;
	oc->tot.slots_off += !on;
	return on;
}

void offcpu_gate_start(struct hp_offcpu *oc, uint64_t t_rel, int on, double weight)
{
	oc->gates[oc->ngates++ % GATES] = (struct gate){ t_rel, on, on ? weight : 0 };
}

int offcpu_decide(const struct hp_offcpu *oc, uint64_t t_rel)
{
	return gate_at(oc, t_rel).on;
}

int offcpu_sample(struct hp_offcpu *oc, const struct hp_sample *smp)
{
	struct pending *p = slot(oc, smp->tid, 1);
	if (!p)
		return -ENOMEM;
	p->pid = smp->pid;
	p->open = 0;                  /* the switch record opens it */
	p->have_stack = 1;
	p->cls = HP_WAIT_BLOCKED;
	p->t_out = smp->t_ns;
	p->nr_frames = smp->nr_frames;
	p->unwind = smp->unwind;
	memcpy(p->frames, smp->frames, smp->nr_frames * sizeof(*p->frames));
	return 0;
}

/* Close p's interval at t_in: switched out in an "off" slot, it is only
 * counted; else written with 1/pi times its time (counters[0]) and its own
 * time (counters[2]), with its stack or, when the sample was lost or there
 * are none (no kernel-mode sampling), without. */
static int close_interval(struct hp_offcpu *oc, struct hp_store *st, struct pending *p,
			  uint64_t t_in)
{
	struct hp_sample *s = &oc->out;
	uint64_t ns = t_in > p->t_out ? t_in - p->t_out : 0;
	double weight = p->weight;
	int stack = p->have_stack, skipped = p->skipped;
	p->open = 0;
	p->have_stack = 0;
	p->skipped = 0;
	oc->tot.intervals++;
	oc->tot.ns += ns;
	if (skipped) {
		oc->tot.unsampled++;
		return 0;
	}
	s->t_ns = p->t_out;
	s->pid = p->pid;
	s->tid = p->tid;
	s->event = oc->event;
	s->unwind = stack ? p->unwind : HP_STACK_END_UNKNOWN;
	s->nr_frames = stack ? p->nr_frames : 0;
	memcpy(s->frames, p->frames, s->nr_frames * sizeof(*s->frames));
	s->nr_counters = 3;
	s->counters[0] = weight == 1.0 ? (int64_t)ns : (int64_t)((double)ns * weight + 0.5);
	s->counters[1] = p->cls;
	s->counters[2] = (int64_t)ns;
	oc->tot.sampled += stack;
	oc->tot.no_stack += !stack;
	oc->tot.weighted_ns += (uint64_t)s->counters[0];
	return store_add_sample(st, s);
}

int offcpu_switch(struct hp_offcpu *oc, struct hp_store *st, const struct hp_perf_switch *sw,
		  uint64_t t_rel)
{
	struct pending *p = slot(oc, sw->tid, sw->out);
	if (!p)
		return sw->out ? -ENOMEM : 0;   /* in without an out: it left before we looked */
	if (sw->out) {
		if (!p->have_stack) {         /* its sample was lost: the time still counts */
			p->nr_frames = 0;
			p->cls = HP_WAIT_BLOCKED;
		}
		struct gate g = gate_at(oc, t_rel);
		p->pid = sw->pid;
		p->open = 1;
		p->t_out = t_rel;
		p->skipped = !g.on;
		p->weight = g.weight;
		oc->outs++;
		if (sw->preempt)
			p->cls = HP_WAIT_PREEMPTED;
		return 0;
	}
	return p->open ? close_interval(oc, st, p, t_rel) : 0;
}

void offcpu_forget(struct hp_offcpu *oc, uint32_t tid)
{
	struct pending *p = slot(oc, tid, 0);
	if (p) {
		p->open = 0;
		p->have_stack = 0;
	}
}

int offcpu_flush(struct hp_offcpu *oc, struct hp_store *st, uint64_t t_rel)
{
	int err = 0;
	for (size_t i = 0; i < oc->nslots && !err; i++)
		if (oc->slots[i]->open)
			err = close_interval(oc, st, oc->slots[i], t_rel);
	return err;
}

void offcpu_totals(const struct hp_offcpu *oc, struct hp_offcpu_totals *t)
{
	memset(t, 0, sizeof(*t));
	if (oc)
		*t = oc->tot;
}

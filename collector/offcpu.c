/*
 * offcpu.c - pair switch-out samples with switch records into off-CPU
 * intervals per thread and write them as samples (offcpu.h).
 *
 * Takes parsed samples of the context-switches event (hp_sample, located)
 * and PERF_RECORD_SWITCH records (hp_perf_switch) in time order; produces
 * store samples of the off-CPU event. One slot per thread holds the stack
 * of its pending switch-out (a copy: the session reuses its sample); slots
 * are kept for reuse, so the ring drain allocates only for new threads.
 */
#include "collector/offcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/hmap.h"
#include "common/store.h"

struct pending {
	uint32_t pid, tid;
	int open;                     /* switched out, not back yet */
	int have_stack;               /* the switch-out sample came */
	int cls;                      /* enum hp_wait_class */
	uint64_t t_out;               /* relative ns */
	uint32_t nr_frames;
	uint32_t complete;
	struct hp_location frames[HP_MAX_FRAMES];
};

struct hp_offcpu {
	int event;
	struct pending **slots;       /* one per thread seen */
	size_t nslots, cap;
	struct hp_hmap index;         /* tid + 1 -> slot */
	struct hp_sample out;         /* the sample being written */
	struct hp_offcpu_totals tot;
};

int offcpu_new(int event, struct hp_offcpu **out)
{
	struct hp_offcpu *oc = calloc(1, sizeof(*oc));
	if (!oc)
		return -ENOMEM;
	oc->event = event;
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
	p->complete = smp->complete;
	memcpy(p->frames, smp->frames, smp->nr_frames * sizeof(*p->frames));
	return 0;
}

static int write_interval(struct hp_offcpu *oc, struct hp_store *st, struct pending *p,
			  uint64_t t_in)
{
	struct hp_sample *s = &oc->out;
	p->open = 0;
	s->t_ns = p->t_out;
	s->pid = p->pid;
	s->tid = p->tid;
	s->event = oc->event;
	s->complete = p->have_stack ? p->complete : 0;
	s->nr_frames = p->have_stack ? p->nr_frames : 0;
	memcpy(s->frames, p->frames, s->nr_frames * sizeof(*s->frames));
	s->nr_counters = 2;
	s->counters[0] = (int64_t)(t_in > p->t_out ? t_in - p->t_out : 0);
	s->counters[1] = p->cls;
	oc->tot.intervals++;
	oc->tot.ns += (uint64_t)s->counters[0];
	oc->tot.no_stack += !p->have_stack;
	p->have_stack = 0;
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
		p->pid = sw->pid;
		p->open = 1;
		p->t_out = t_rel;
		if (sw->preempt)
			p->cls = HP_WAIT_PREEMPTED;
		return 0;
	}
	return p->open ? write_interval(oc, st, p, t_rel) : 0;
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
			err = write_interval(oc, st, oc->slots[i], t_rel);
	return err;
}

void offcpu_totals(const struct hp_offcpu *oc, struct hp_offcpu_totals *t)
{
	if (oc)
		*t = oc->tot;
	else
		memset(t, 0, sizeof(*t));
}

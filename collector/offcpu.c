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
 * and on (offcpu_gate_pi, offcpu_gate_draw): the SWITCH records still time
 * every interval, but only those switched out while the samplers were
 * surely on have a stack. Each decision, every few ms, is "on" with
 * probability pi (1 while the switch-out rate is at most the stack budget;
 * budget / rate above it), drawn at random from the past only. An "on"
 * period [t_on, t_off) stands for itself and the "off" time since the last
 * one ended: its intervals are written with their time times 1 + off /
 * (t_off - t_on) (a ratio of real times, so that neither the random number
 * of "on" periods nor how late hpprof's loop switched the samplers biases
 * the total); the intervals switched out while off are counted and not
 * written. Unbiased per stack when the program does much the same over a
 * few periods whatever it does in any one of them; a change of phase is
 * seen up to ~1/pi decisions late. At low rates pi = 1: the samplers stay
 * on and every interval is written with its own time, as before.
 *
 * The SWITCH records are gated too (offcpu_records_*): they are on with
 * the stack samplers, and stay on after an "on" period until every
 * interval switched out in it has been switched back in, so that each
 * written interval keeps its exact time; switch-outs outside the "on"
 * periods are then seen only while the records are on (the totals become
 * partial). An interval of an "on" period still open RECORDS_HOLD_NS after
 * it (a long wait) is "cut": the records go off, and its end is found by
 * reading the thread's switch-in count (/proc/.../schedstat, through the
 * caller's offcpu_pcount_fn) at times that follow its age (offcpu_poll):
 * unchanged, the thread was still off the CPU then; changed, its end lies
 * between that read and the last unchanged one and is written as their
 * midpoint. A switch-in record of a cut thread is its exact end when the
 * records were on from an unchanged read up to it. The switch-out rate is
 * measured over the records' "on" time.
 */
#include "collector/offcpu.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/hmap.h"
#include "common/store.h"

/* The switch-out rate is measured over windows at least this long, or
 * at least RATE_WINDOW_MIN_NS long once they have seen the budget's worth
 * of switch-outs of a whole window (budget x 100 ms): then the rate is
 * over the budget whatever the rest of the window brings, and a flood is
 * gated after ~10 ms instead of 100 (at 55,000 switches a second the
 * first 100 ms had been ~60% of the stacks of a 1.8 s run:
 * docs/offcpu.md, "Wave 8"). Either is a measured rate, no burst of a
 * few switches. */
#define RATE_WINDOW_NS 100000000ull
#define RATE_WINDOW_MIN_NS 10000000ull

/* While the stack samplers are on, every switch copies a stack and the
 * program runs slower: the rate over the records' "on" time (mostly "on"
 * periods) came out at ~half the rate (pi ~2x budget / rate: docs/offcpu.md,
 * "Wave 9"). The records' holds after an "on" period (the stacks off) see
 * the program at its own speed: once they add up to this long, their rate
 * is the rate, if higher. */
#define HOLD_RATE_MIN_NS 5000000ull

/* The session's gate is stepped after this many switch-outs handled
 * (offcpu_set_step): at 100k switches a second, every ~0.6 ms of them. */
#define STEP_OUTS 64

/* "On" periods remembered: records of one may come a few drains late. */
#define PERIODS 256

/* The records stay on at most this long after an "on" period for its
 * intervals to end; one still open then is cut (a wait this long is timed
 * by reads of its thread's switch-in count, to 1/(2 CUT_POLL_AGE_DIV) of
 * its length). */
#define RECORDS_HOLD_NS 10000000ull
#define CUT_POLL_MIN_NS 2000000ull
#define CUT_POLL_AGE_DIV 8

/* The stack samplers were surely on in [t_on, t_off): every switch-out in
 * it has its stack. It stands for itself and the "off" time before it
 * (gap): its intervals weigh 1 + gap / (t_off - t_on), known when it ends
 * (at once when gap = 0: weight 1). */
struct period {
	uint64_t t_on, t_off;         /* t_off: UINT64_MAX while it lasts */
	uint64_t gap;
	double weight;                /* 0 while unknown */
};

enum { P_NONE, P_OPEN, P_CUT };

struct pending {
	uint32_t pid, tid;
	int open;                     /* P_OPEN: switched out, not back yet; P_CUT: and the
				       * records went off since (its end from reads) */
	int have_stack;               /* the switch-out sample came */
	int at_attach;                /* opened by offcpu_attach_wait, no record yet */
	int cls;                      /* enum hp_wait_class */
	uint64_t t_out;               /* relative ns */
	uint32_t nr_frames;
	int32_t unwind;               /* enum hp_stack_end of the switch-out stack */
	int skipped;                  /* switched out while gated off: counted, not written */
	uint64_t jfunc, jsp;          /* the stack was cut in function jfunc at SP jsp */
	uint64_t period;              /* else the "on" period it switched out in */
	uint64_t pcount;              /* P_CUT: the thread's switch-ins at the cut */
	uint64_t t_lo;                /* P_CUT: it was surely off the CPU then (relative ns) */
	uint64_t t_poll;              /* P_CUT: read its switch-ins again from then */
	uint64_t t_cut;               /* P_CUT: the records went off then (on since its out) */
	double cut_weight;            /* P_CUT: its period's weight (long waits may outlast
				       * the PERIODS remembered) */
	struct hp_location frames[HP_MAX_FRAMES];
};

struct hp_offcpu {
	int event;
	unsigned budget;              /* stacks a second, about, at high rates (0: all) */
	uint64_t rng;                 /* xorshift64 state of the draws */
	struct period periods[PERIODS]; /* a ring: periods[(nperiods - 1) % PERIODS] newest */
	uint64_t nperiods;
	uint64_t last_off;            /* relative ns the last "on" period ended */
	struct hp_sample *held;       /* intervals of the open period, its weight unknown */
	uint64_t *held_ns;            /* their own ns */
	size_t nheld, held_cap, held_ns_cap;
	uint64_t outs;                /* switch-outs since the last plan */
	uint64_t t_plan;              /* relative ns pi was last measured */
	double pi;                    /* the last pi */
	int rec_on;                   /* the SWITCH records are on */
	uint64_t rec_t_on, rec_t_off; /* their last "on" span (rec_t_off: UINT64_MAX while on) */
	uint64_t rec_acc;             /* their "on" ns since t_plan, spans ended */
	uint64_t hold_from;           /* records on, stacks off since then (UINT64_MAX: not) */
	uint64_t hold_acc, hold_outs; /* such time, and its switch-outs, since last measured */
	double hold_rate;             /* switch-outs a second measured so (0: none yet) */
	size_t nwindow;               /* open intervals switched out in an "on" period */
	size_t ncut;                  /* cut intervals */
	struct pending **slots;       /* one per thread seen */
	size_t nslots, cap;
	struct hp_hmap index;         /* tid + 1 -> slot */
	struct hp_sample out;         /* the sample being written */
	void (*step)(void *ctx);      /* offcpu_set_step */
	offcpu_hold_fn hold;          /* offcpu_set_hold */
	void *hold_ctx;
	void *step_ctx;
	uint64_t step_outs;           /* switch-outs handled since the last step */
	struct hp_offcpu_totals tot;
};

int offcpu_new(int event, unsigned budget, struct hp_offcpu **out)
{
	struct hp_offcpu *oc = calloc(1, sizeof(*oc));
	if (!oc)
		return -ENOMEM;
	oc->event = event;
	oc->budget = budget;
	oc->pi = 1.0;
	oc->rng = 0x9e3779b97f4a7c15ull;      /* fixed: a run's draws are reproducible */
	oc->periods[0] = (struct period){ 0, UINT64_MAX, 0, 1.0 };   /* on from the start */
	oc->nperiods = 1;
	oc->rec_on = 1;                       /* the records too, from the start */
	oc->rec_t_off = UINT64_MAX;
	oc->hold_from = UINT64_MAX;
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
	free(oc->held);
	free(oc->held_ns);
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

/* The number of the "on" period t_rel is in, or UINT64_MAX: gated off
 * (or older than the periods remembered). */
static uint64_t period_at(const struct hp_offcpu *oc, uint64_t t_rel)
{
	uint64_t n = oc->nperiods < PERIODS ? oc->nperiods : PERIODS;
	for (uint64_t k = 1; k <= n; k++) {
		const struct period *q = &oc->periods[(oc->nperiods - k) % PERIODS];
		if (q->t_on <= t_rel)
			return t_rel < q->t_off ? oc->nperiods - k : UINT64_MAX;
	}
	return UINT64_MAX;
}

static double period_weight(const struct hp_offcpu *oc, uint64_t idx)
{
	if (idx + PERIODS < oc->nperiods)
		return 1.0;                   /* long gone: cannot be (PERIODS "on" ago) */
	return oc->periods[idx % PERIODS].weight;
}

/* The records' "on" ns since t_plan, up to now_rel. */
static uint64_t records_on_ns(const struct hp_offcpu *oc, uint64_t now_rel)
{
	uint64_t from = oc->rec_t_on > oc->t_plan ? oc->rec_t_on : oc->t_plan;
	return oc->rec_acc + (oc->rec_on && now_rel > from ? now_rel - from : 0);
}

double offcpu_gate_pi(struct hp_offcpu *oc, uint64_t now_rel)
{
	uint64_t dt = records_on_ns(oc, now_rel);
	int full = dt >= RATE_WINDOW_NS;
	int early = oc->budget && dt >= RATE_WINDOW_MIN_NS &&
		    (double)oc->outs >= (double)oc->budget * (double)RATE_WINDOW_NS / 1e9;
	if (!full && !early)
		return oc->pi;                /* a burst of a few switches is no rate */
	double rate = (double)oc->outs * 1e9 / (double)dt;
	uint64_t hold = oc->hold_acc + (oc->hold_from != UINT64_MAX && now_rel > oc->hold_from
					? now_rel - oc->hold_from : 0);
	if (hold >= HOLD_RATE_MIN_NS) {
		oc->hold_rate = (double)oc->hold_outs * 1e9 / (double)hold;
		oc->hold_acc = oc->hold_outs = 0;
		if (oc->hold_from != UINT64_MAX)
			oc->hold_from = now_rel;
	}
	if (oc->hold_rate > rate)
		rate = oc->hold_rate;
	oc->pi = oc->budget && rate > oc->budget ? oc->budget / rate : 1.0;
	oc->outs = 0;
	oc->t_plan = now_rel;
	oc->rec_acc = 0;
	return oc->pi;
}

int offcpu_gate_first(const struct hp_offcpu *oc)
{
	return !oc->t_plan;
}

void offcpu_gate_outs(struct hp_offcpu *oc, uint64_t n)
{
	if (!oc->t_plan && n > oc->outs)
		oc->outs = n;
}

int offcpu_gate_draw(struct hp_offcpu *oc, double pi)
{
	int on = pi >= 1.0 || (double)(draw(oc) >> 11) / 9007199254740992.0 < pi;
	oc->tot.slots++;
	oc->tot.slots_off += !on;
	return on;
}

/* The records' hold (on, the stacks off) ends at t_rel. */
static void hold_end(struct hp_offcpu *oc, uint64_t t_rel)
{
	if (oc->hold_from != UINT64_MAX && t_rel > oc->hold_from)
		oc->hold_acc += t_rel - oc->hold_from;
	oc->hold_from = UINT64_MAX;
}

void offcpu_gate_on(struct hp_offcpu *oc, uint64_t t_rel)
{
	hold_end(oc, t_rel);
	uint64_t gap = t_rel > oc->last_off ? t_rel - oc->last_off : 0;
	oc->periods[oc->nperiods++ % PERIODS] =
		(struct period){ t_rel, UINT64_MAX, gap, gap ? 0 : 1.0 };
}

/* func, sp: where the row's stack was cut (0: it was not, or is not
 * known any more), offered to the hold function. */
static int write_row(struct hp_offcpu *oc, struct hp_store *st, struct hp_sample *s,
		     uint64_t ns, double weight, uint64_t func, uint64_t sp)
{
	s->counters[0] = weight == 1.0 ? (int64_t)ns : (int64_t)((double)ns * weight + 0.5);
	oc->tot.weighted_ns += (uint64_t)s->counters[0];
	if (func && oc->hold && oc->hold(oc->hold_ctx, s, func, sp))
		return 0;
	return store_add_sample(st, s);
}

void offcpu_set_hold(struct hp_offcpu *oc, offcpu_hold_fn fn, void *ctx)
{
	oc->hold = fn;
	oc->hold_ctx = ctx;
}

int offcpu_gate_off(struct hp_offcpu *oc, struct hp_store *st, uint64_t t_rel)
{
	struct period *q = &oc->periods[(oc->nperiods - 1) % PERIODS];
	int err = 0;
	if (q->t_off != UINT64_MAX)
		return 0;                     /* off already */
	q->t_off = t_rel > q->t_on ? t_rel : q->t_on + 1;
	q->weight = 1.0 + (double)q->gap / (double)(q->t_off - q->t_on);
	oc->last_off = q->t_off;
	if (oc->rec_on)
		oc->hold_from = q->t_off;
	for (size_t i = 0; i < oc->nheld && !err; i++)
		err = write_row(oc, st, &oc->held[i], oc->held_ns[i], q->weight, 0, 0);
	oc->nheld = 0;
	return err;
}

void offcpu_set_step(struct hp_offcpu *oc, void (*fn)(void *ctx), void *ctx)
{
	oc->step = fn;
	oc->step_ctx = ctx;
}

int offcpu_decide(struct hp_offcpu *oc, uint64_t t_rel)
{
	oc->tot.samples++;
	return period_at(oc, t_rel) != UINT64_MAX;
}

/* End p's interval without writing anything (close_interval writes its
 * row after): here its thread exited, its switch-in record was lost, or
 * the records went off while it was counted only. */
static void drop_interval(struct hp_offcpu *oc, struct pending *p)
{
	if (p->open == P_OPEN && !p->skipped)
		oc->nwindow--;
	else if (p->open == P_CUT)
		oc->ncut--;
	p->open = P_NONE;
	p->have_stack = 0;
	p->skipped = 0;
	p->at_attach = 0;
}

/* Close p's interval at t_in: switched out while gated off, it is only
 * counted; else written with its time times its period's weight
 * (counters[0]; held until the period ends when that is not known yet)
 * and its own time (counters[2]), with its stack or, when the sample was
 * lost or there are none (no kernel-mode sampling), without. */
static int close_interval(struct hp_offcpu *oc, struct hp_store *st, struct pending *p,
			  uint64_t t_in)
{
	struct hp_sample *s = &oc->out;
	uint64_t ns = t_in > p->t_out ? t_in - p->t_out : 0;
	int stack = p->have_stack, skipped = p->skipped;
	uint64_t jfunc = stack ? p->jfunc : 0, jsp = p->jsp;
	double weight = p->open == P_CUT ? p->cut_weight : skipped ? 0 : period_weight(oc, p->period);
	drop_interval(oc, p);
	oc->tot.intervals++;
	oc->tot.ns += ns;
	if (skipped) {
		oc->tot.unsampled++;
		return 0;
	}
	if (!weight) {                        /* the period lasts: hold the row */
		if (hp_grow((void **)&oc->held, &oc->held_cap, oc->nheld + 1, sizeof(*oc->held)) ||
		    hp_grow((void **)&oc->held_ns, &oc->held_ns_cap, oc->nheld + 1,
			    sizeof(*oc->held_ns)))
			return -ENOMEM;
		s = &oc->held[oc->nheld];
		oc->held_ns[oc->nheld++] = ns;
	}
	s->t_ns = p->t_out;
	s->pid = p->pid;
	s->tid = p->tid;
	s->event = oc->event;
	s->unwind = stack ? p->unwind : HP_STACK_END_UNKNOWN;
	s->nr_frames = stack ? p->nr_frames : 0;
	memcpy(s->frames, p->frames, s->nr_frames * sizeof(*s->frames));
	s->nr_counters = 3;
	s->counters[0] = 0;
	s->counters[1] = p->cls;
	s->counters[2] = (int64_t)ns;
	oc->tot.sampled += stack;
	oc->tot.no_stack += !stack;
	return weight ? write_row(oc, st, s, ns, weight, jfunc, jsp) : 0;
}

/* A cut interval that ended before t_hi (its thread was seen switched in,
 * or switching out again), after t_lo: closed at their midpoint. */
static int close_cut(struct hp_offcpu *oc, struct hp_store *st, struct pending *p, uint64_t t_hi)
{
	uint64_t lo = p->t_lo > p->t_out ? p->t_lo : p->t_out;
	oc->tot.estimated++;
	oc->tot.estimated_err_ns += t_hi > lo ? (t_hi - lo) / 2 : 0;
	return close_interval(oc, st, p, t_hi > lo ? lo + (t_hi - lo) / 2 : lo);
}

int offcpu_sample(struct hp_offcpu *oc, struct hp_store *st, const struct hp_sample *smp,
		  uint64_t func, uint64_t sp)
{
	struct pending *p = slot(oc, smp->tid, 1);
	int err = 0;
	if (!p)
		return -ENOMEM;
	if (p->open == P_CUT)                 /* it ran since: that wait ended before */
		err = close_cut(oc, st, p, smp->t_ns);
	else if (p->open == P_OPEN)           /* its switch-in record was lost */
		drop_interval(oc, p);
	p->pid = smp->pid;
	p->have_stack = 1;                    /* the switch record opens the interval */
	p->cls = HP_WAIT_BLOCKED;
	p->t_out = smp->t_ns;
	p->nr_frames = smp->nr_frames;
	p->unwind = smp->unwind;
	p->jfunc = func;
	p->jsp = sp;
	memcpy(p->frames, smp->frames, smp->nr_frames * sizeof(*p->frames));
	return err;
}

int offcpu_switch(struct hp_offcpu *oc, struct hp_store *st, const struct hp_perf_switch *sw,
		  uint64_t t_rel)
{
	struct pending *p = slot(oc, sw->tid, sw->out);
	int err = 0;
	if (!p)
		return sw->out ? -ENOMEM : 0;   /* in without an out: it left before we looked */
	if (sw->out) {
		/* without a sample since (it would have closed them): a cut
		 * wait ended before, an open one lost its switch-in record */
		if (p->open == P_CUT)
			err = close_cut(oc, st, p, t_rel);
		else if (p->open == P_OPEN)
			drop_interval(oc, p);
		if (!p->have_stack) {         /* its sample was lost: the time still counts */
			p->nr_frames = 0;
			p->cls = HP_WAIT_BLOCKED;
		}
		p->pid = sw->pid;
		p->open = P_OPEN;
		p->t_out = t_rel;
		p->period = period_at(oc, t_rel);
		p->skipped = p->period == UINT64_MAX;
		oc->nwindow += !p->skipped;
		oc->hold_outs += p->skipped && oc->hold_from != UINT64_MAX && t_rel >= oc->hold_from;
		oc->outs++;
		if (sw->preempt)
			p->cls = HP_WAIT_PREEMPTED;
		if (oc->step && ++oc->step_outs >= STEP_OUTS) {
			oc->step_outs = 0;
			oc->step(oc->step_ctx);   /* p is done with: the step may close others */
		}
		return err;
	}
	if (p->open == P_OPEN) {
		/* counted only, and switched out before the records' last
		 * "off": its time is not known; or opened at an attach and
		 * in before then (it was found asleep again after running) */
		if ((p->skipped && p->t_out < oc->rec_t_on) || (p->at_attach && t_rel <= p->t_out)) {
			drop_interval(oc, p);
			return 0;
		}
		return close_interval(oc, st, p, t_rel);
	}
	/* A cut thread's switch-in: its end when the records were on from
	 * the out to it (before the cut), or from a read that found it still
	 * off up to it; else the reads tell (offcpu_poll). */
	if (p->open == P_CUT &&
	    (t_rel < p->t_cut ||
	     (oc->rec_t_on <= p->t_lo && p->t_lo <= t_rel && t_rel < oc->rec_t_off)))
		return close_interval(oc, st, p, t_rel);
	return 0;
}

int offcpu_attach_wait(struct hp_offcpu *oc, const struct hp_sample *smp, int cls)
{
	struct pending *p = slot(oc, smp->tid, 1);
	if (!p)
		return -ENOMEM;
	if (p->open != P_NONE)
		return 0;                     /* a record opened it: exact */
	p->pid = smp->pid;
	p->open = P_OPEN;
	p->at_attach = 1;
	p->have_stack = smp->nr_frames > 0;
	p->nr_frames = smp->nr_frames;
	p->unwind = smp->unwind;
	p->jfunc = p->jsp = 0;
	memcpy(p->frames, smp->frames, smp->nr_frames * sizeof(*p->frames));
	p->cls = cls;
	p->t_out = smp->t_ns;
	p->period = period_at(oc, smp->t_ns);
	p->skipped = p->period == UINT64_MAX;
	oc->nwindow += !p->skipped;
	return 1;
}

void offcpu_records_on(struct hp_offcpu *oc, uint64_t t_rel)
{
	oc->rec_on = 1;
	oc->rec_t_on = t_rel;
	oc->rec_t_off = UINT64_MAX;
}

int offcpu_records_idle(const struct hp_offcpu *oc, uint64_t now_rel, int can_cut)
{
	const struct period *q = &oc->periods[(oc->nperiods - 1) % PERIODS];
	if (!oc->rec_on || q->t_off == UINT64_MAX)
		return 0;                     /* off already, or the stacks are on */
	return !oc->nwindow || (can_cut && now_rel >= q->t_off + RECORDS_HOLD_NS);
}

static uint64_t poll_gap(const struct pending *p, uint64_t now_rel)
{
	uint64_t age = now_rel > p->t_out ? now_rel - p->t_out : 0;
	return age / CUT_POLL_AGE_DIV > CUT_POLL_MIN_NS ? age / CUT_POLL_AGE_DIV : CUT_POLL_MIN_NS;
}

void offcpu_records_off(struct hp_offcpu *oc, uint64_t t_rel, offcpu_pcount_fn *fn, void *ctx)
{
	for (size_t i = 0; i < oc->nslots; i++) {
		struct pending *p = oc->slots[i];
		uint64_t c;
		if (p->open != P_OPEN)
			continue;
		if (p->skipped || fn(ctx, p->pid, p->tid, &c)) {
			drop_interval(oc, p);  /* counted only, or its thread is gone */
			continue;
		}
		oc->nwindow--;
		oc->ncut++;
		oc->tot.cut++;
		p->open = P_CUT;
		p->cut_weight = period_weight(oc, p->period);   /* its period has ended */
		p->pcount = c;
		p->t_lo = p->t_cut = t_rel;
		p->t_poll = t_rel + poll_gap(p, t_rel);
	}
	oc->rec_acc = records_on_ns(oc, t_rel);
	hold_end(oc, t_rel);
	oc->rec_on = 0;
	oc->rec_t_off = t_rel;
	oc->tot.records_off++;
}

int offcpu_poll(struct hp_offcpu *oc, struct hp_store *st, uint64_t now_rel, int all,
		offcpu_pcount_fn *fn, void *ctx)
{
	int err = 0;
	for (size_t i = 0; i < oc->nslots && oc->ncut && !err; i++) {
		struct pending *p = oc->slots[i];
		uint64_t c;
		if (p->open != P_CUT || (!all && now_rel < p->t_poll))
			continue;
		if (fn(ctx, p->pid, p->tid, &c))
			drop_interval(oc, p);  /* its thread exited */
		else if (c != p->pcount)
			err = close_cut(oc, st, p, now_rel);
		else {
			p->t_lo = now_rel;
			p->t_poll = now_rel + poll_gap(p, now_rel);
		}
	}
	return err;
}

size_t offcpu_cut_count(const struct hp_offcpu *oc)
{
	return oc->ncut;
}

void offcpu_forget(struct hp_offcpu *oc, uint32_t tid)
{
	struct pending *p = slot(oc, tid, 0);
	if (p)
		drop_interval(oc, p);
}

int offcpu_flush(struct hp_offcpu *oc, struct hp_store *st, uint64_t t_rel)
{
	int err = 0;
	for (size_t i = 0; i < oc->nslots && !err; i++)
		if (oc->slots[i]->open != P_NONE)
			err = close_interval(oc, st, oc->slots[i], t_rel);
	return err ? err : offcpu_gate_off(oc, st, t_rel);
}

void offcpu_totals(const struct hp_offcpu *oc, struct hp_offcpu_totals *t)
{
	memset(t, 0, sizeof(*t));
	if (oc)
		*t = oc->tot;
}

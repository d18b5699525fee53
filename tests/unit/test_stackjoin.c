/*
 * test_stackjoin.c - collector/stackjoin.c on hand-made samples: a held
 * sample is joined only with the callers of a later complete sample of the
 * same thread that has its outermost frame (same function, same SP); else
 * it is stored as it was; nothing is lost or stored twice.
 */
#include <stdlib.h>
#include <string.h>

#include "collector/stackjoin.h"
#include "hp_test.h"

#define MAXOUT 16

/* What emit was given, in order. */
static struct hp_sample got[MAXOUT];
static int ngot;

static int emit(void *ctx, const struct hp_sample *smp)
{
	if (ngot < MAXOUT)
		got[ngot] = *smp;
	ngot++;
	return 0;
}

/* Functions are 0x1000 apart: pc 0x1234 is in the function at 0x1000;
 * nothing below 0x1000 has one. */
static uint64_t func_of(void *ctx, uint32_t pid, uint64_t pc)
{
	return pc < 0x1000 ? 0 : pc & ~0xfffull;
}

/* A sample of tid whose user frames (after nk kernel frames, addr 1..nk)
 * are at addrs[0..n). */
static void sample(struct hp_sample *s, uint32_t tid, int unwind, uint32_t nk,
		   const uint64_t *addrs, uint32_t n)
{
	memset(s, 0, sizeof(*s));
	s->t_ns = 1000 + tid;
	s->pid = 7;
	s->tid = tid;
	s->unwind = unwind;
	s->nr_counters = 1;
	s->counters[0] = 42;
	for (uint32_t i = 0; i < nk; i++)
		s->frames[s->nr_frames++] = (struct hp_location){ 0, i + 1 };
	for (uint32_t i = 0; i < n; i++)
		s->frames[s->nr_frames++] = (struct hp_location){ 3, addrs[i] };
}

static uint64_t addr(const struct hp_sample *s, uint32_t i)
{
	return s->frames[i].addr;
}

int main(void)
{
	struct hp_stackjoin *j;
	struct hp_sample *s = calloc(1, sizeof(*s));
	CHECK(s != NULL);
	CHECK_EQ_INT(stackjoin_new(1 << 20, emit, func_of, NULL, &j), 0);

	/* held: tid 1 cut in F (0x2000) at SP 0x500 after a kernel frame;
	 * tid 2 cut in F too */
	const uint64_t cut1[] = { 0x5010, 0x2040 };     /* G, then a return into F */
	sample(s, 1, HP_STACK_END_HOLE, 1, cut1, 2);
	CHECK_EQ_INT(stackjoin_hold(j, s, 0x2000, 0x500), 1);
	sample(s, 2, HP_STACK_END_CUT, 0, cut1, 2);
	CHECK_EQ_INT(stackjoin_hold(j, s, 0x2000, 0x500), 1);
	CHECK_EQ_INT(stackjoin_held(j), 2);
	/* no function: not held (the caller stores it) */
	CHECK_EQ_INT(stackjoin_hold(j, s, 0, 0x500), 0);
	CHECK_EQ_INT(ngot, 0);

	/* tid 1 complete: H at 0x480, F at 0x500, then its callers C, M */
	const uint64_t pcs[] = { 0x7008, 0x2111, 0x3333, 0x4444 };
	const uint64_t sps[] = { 0x480, 0x500, 0x600, 0x700 };
	sample(s, 1, HP_STACK_END_OUTERMOST, 2, pcs, 4);
	CHECK_EQ_INT(stackjoin_next(j, s, 2, pcs, sps, 4), 0);
	CHECK_EQ_INT(ngot, 1);
	CHECK_EQ_INT(got[0].tid, 1);
	CHECK_EQ_INT(got[0].unwind, HP_STACK_END_JOINED);
	CHECK_EQ_INT(got[0].nr_frames, 5);         /* kernel, G, F, then C, M */
	CHECK_EQ_INT(addr(&got[0], 0), 1);
	CHECK_EQ_INT(addr(&got[0], 1), 0x5010);
	CHECK_EQ_INT(addr(&got[0], 2), 0x2040);
	CHECK_EQ_INT(addr(&got[0], 3), 0x3333);
	CHECK_EQ_INT(addr(&got[0], 4), 0x4444);
	CHECK_EQ_INT(got[0].t_ns, 1001);
	CHECK_EQ_INT(got[0].counters[0], 42);
	CHECK_EQ_INT(stackjoin_held(j), 1);         /* tid 2 waits */
	CHECK_EQ_INT(stackjoin_joined(j), 1);

	/* tid 2 complete, but another function at that SP: the activation is
	 * gone, so the sample is stored as it was, never guessed */
	const uint64_t other[] = { 0x7008, 0x9111, 0x3333 };
	const uint64_t osps[] = { 0x480, 0x500, 0x600 };
	sample(s, 2, HP_STACK_END_OUTERMOST, 0, other, 3);
	CHECK_EQ_INT(stackjoin_next(j, s, 0, other, osps, 3), 0);
	CHECK_EQ_INT(ngot, 2);
	CHECK_EQ_INT(got[1].unwind, HP_STACK_END_CUT);
	CHECK_EQ_INT(got[1].nr_frames, 2);
	CHECK_EQ_INT(stackjoin_held(j), 0);

	/* the same function one frame lower (recursion): only the same SP joins */
	sample(s, 3, HP_STACK_END_HOLE, 0, cut1, 2);
	CHECK_EQ_INT(stackjoin_hold(j, s, 0x2000, 0x500), 1);
	const uint64_t rec[] = { 0x2010, 0x2040, 0x2040, 0x4444 };
	const uint64_t rsps[] = { 0x400, 0x480, 0x500, 0x700 };
	sample(s, 3, HP_STACK_END_OUTERMOST, 0, rec, 4);
	CHECK_EQ_INT(stackjoin_next(j, s, 0, rec, rsps, 4), 0);
	CHECK_EQ_INT(ngot, 3);
	CHECK_EQ_INT(got[2].unwind, HP_STACK_END_JOINED);
	CHECK_EQ_INT(got[2].nr_frames, 3);         /* G, F, then M only */
	CHECK_EQ_INT(addr(&got[2], 2), 0x4444);

	/* a sample of the thread that is not complete releases them first, as
	 * they are: a thread's samples stay in order */
	sample(s, 9, HP_STACK_END_HOLE, 0, cut1, 2);
	CHECK_EQ_INT(stackjoin_hold(j, s, 0x2000, 0x500), 1);
	sample(s, 9, HP_STACK_END_STOPPED, 0, rec, 4);
	CHECK_EQ_INT(stackjoin_next(j, s, 0, rec, rsps, 0), 0);
	CHECK_EQ_INT(ngot, 4);
	CHECK_EQ_INT(got[3].tid, 9);
	CHECK_EQ_INT(got[3].unwind, HP_STACK_END_HOLE);
	CHECK_EQ_INT(got[3].nr_frames, 2);
	ngot = 3;

	/* a thread's end, an exec and the run's end flush what waits */
	sample(s, 4, HP_STACK_END_HOLE, 0, cut1, 2);
	CHECK_EQ_INT(stackjoin_hold(j, s, 0x2000, 0x500), 1);
	sample(s, 5, HP_STACK_END_HOLE, 0, cut1, 2);
	CHECK_EQ_INT(stackjoin_hold(j, s, 0x2000, 0x500), 1);
	CHECK_EQ_INT(stackjoin_flush(j, 7, 4), 0);
	CHECK_EQ_INT(ngot, 4);
	CHECK_EQ_INT(got[3].tid, 4);
	CHECK_EQ_INT(got[3].unwind, HP_STACK_END_HOLE);
	CHECK_EQ_INT(stackjoin_flush(j, 8, 0), 0);  /* another process: nothing */
	CHECK_EQ_INT(ngot, 4);
	CHECK_EQ_INT(stackjoin_flush(j, 0, 0), 0);
	CHECK_EQ_INT(ngot, 5);
	CHECK_EQ_INT(stackjoin_held(j), 0);

	/* the joined stack is cut at HP_MAX_FRAMES: too deep, not joined */
	uint64_t *deep = calloc(HP_MAX_FRAMES, sizeof(*deep)), *dsps = calloc(HP_MAX_FRAMES, 8);
	for (uint32_t i = 0; i < HP_MAX_FRAMES; i++) {
		deep[i] = 0x2040;
		dsps[i] = 0x500 + 0x10 * i;
	}
	sample(s, 6, HP_STACK_END_HOLE, 0, deep, 10);
	CHECK_EQ_INT(stackjoin_hold(j, s, 0x2000, 0x500), 1);
	sample(s, 6, HP_STACK_END_OUTERMOST, 0, deep, HP_MAX_FRAMES);
	CHECK_EQ_INT(stackjoin_next(j, s, 0, deep, dsps, HP_MAX_FRAMES), 0);
	CHECK_EQ_INT(ngot, 6);
	CHECK_EQ_INT(got[5].nr_frames, HP_MAX_FRAMES);
	CHECK_EQ_INT(got[5].unwind, HP_STACK_END_DEEP);
	free(deep);
	free(dsps);
	stackjoin_free(j);

	/* the byte budget: what does not fit is not held */
	CHECK_EQ_INT(stackjoin_new(1, emit, func_of, NULL, &j), 0);
	sample(s, 1, HP_STACK_END_HOLE, 0, cut1, 2);
	CHECK_EQ_INT(stackjoin_hold(j, s, 0x2000, 0x500), 0);
	stackjoin_free(j);
	free(s);
	return hp_test_result();
}

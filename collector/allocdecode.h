/*
 * allocdecode.h - the records of one preload-library stream decoded into
 * hp_alloc_event (allocstream.h); internal to allocstream.c.
 *
 * A stream's compact records depend on what came before them in the same
 * stream (common/allocproto.h): a thread's pointers are deltas from its
 * previous one, a stack may be an id published by an earlier STACK record,
 * and an event's time is the last TIME record's. struct hp_apdecode keeps
 * that state for one stream. It does no I/O and never looks at another
 * stream.
 */
#ifndef HP_ALLOCDECODE_H
#define HP_ALLOCDECODE_H

#include <stddef.h>
#include <stdint.h>

#include "collector/allocstream.h"

struct hp_apdecode {
	uint64_t t_start;              /* the stream's header.t_start_ns */
	uint64_t t_now;                /* time of the last TIME record (absolute) */
	uint64_t *last_ptr;            /* per thread number: the previous pointer */
	uint32_t *tid;                 /* per thread number: its tid, 0 unknown */
	size_t nthreads;               /* entries of both arrays */
	uint64_t *pool;                /* pcs of every STACK, back to back */
	size_t npool, pool_cap;
	uint32_t *stack_at;            /* per stack id: offset in pool, UINT32_MAX unknown */
	uint16_t *stack_n;             /* per stack id: its number of pcs */
	size_t nstacks;                /* entries of both arrays (ids 0 .. nstacks-1) */
	uint64_t bytes;                /* bytes of every compact record (stacks, times, threads too) */
	uint64_t events;               /* ALLOC, FREE and NOFREE records decoded */
};

void apdecode_init(struct hp_apdecode *d, uint64_t t_start_ns);
void apdecode_release(struct hp_apdecode *d);

/* Decode the record rec[0, len) with head word head (committed) into ev,
 * which the caller has reset for this stream (pid, gen). Returns 1 when
 * ev now holds an event to deliver (ALLOC, FREE, SAMPLE; EXIT is 1 too,
 * with ev->kind unchanged: the caller marks the stream), 0 for a record
 * that only updates the state (STACK, THREAD, TIME, NOFREE, PAD), or
 * -HP_ECORRUPT, or -ENOMEM. */
int apdecode_record(struct hp_apdecode *d, const unsigned char *rec, uint32_t len, uint32_t head,
		    struct hp_alloc_event *ev);

#endif

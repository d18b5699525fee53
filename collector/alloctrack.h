/*
 * alloctrack.h - turn the allocation event stream into per-stack facts.
 *
 * Fed with hp_alloc_event records (allocstream.h) in per-process order, it
 * keeps the live blocks of every process and, per allocating stack: the
 * allocation count and bytes, the bytes it held at the global heap peak,
 * the bytes and blocks never freed (leaks), and the temporary allocations
 * (freed before the same thread allocated anything else, as heaptrack
 * defines them). Stacks are interned through a locate callback so that an
 * allocation stack is a stack_nodes id like a sample's.
 *
 * The heap timeline is kept in the events' own time (a point per process
 * every interval), so it is exact even when the collector reads the stream
 * late.
 *
 * The peak snapshot is taken lazily: while the heap keeps rising the
 * current live bytes are the peak's, so a copy is made only when the first
 * free after a new peak arrives; the cost is O(stacks) per peak, not per
 * event.
 */
#ifndef HP_ALLOCTRACK_H
#define HP_ALLOCTRACK_H

#include <stdint.h>

#include "collector/allocstream.h"

struct hp_store;
struct hp_alloctrack;
struct hp_run_facts;

/* Stack id for an allocation's pcs (innermost first, return addresses). */
typedef int (*hp_alloc_locate)(void *ctx, uint32_t pid, const uint64_t *pcs, uint32_t n,
			       uint32_t *stack_id);

/* interval_ns: spacing of the heap timeline, in the events' own time. */
int alloctrack_new(hp_alloc_locate locate, void *ctx, uint64_t interval_ns,
		   struct hp_alloctrack **out);
void alloctrack_free(struct hp_alloctrack *t);

/* Feed one event (an hp_alloc_cb). */
int alloctrack_event(void *track, const struct hp_alloc_event *ev);

/* Write alloc_stacks rows and the heap timeline as memory rows (each with
 * the process's last RSS reading before it, so the memory_timeline view
 * has both), and fill the alloc_* and heap_peak_* fields of facts; t0 is
 * the run's CLOCK_MONOTONIC start (session_t0). Call after the session
 * wrote its RSS readings. */
int alloctrack_write(struct hp_alloctrack *t, struct hp_store *st, uint64_t t0,
		     struct hp_run_facts *facts);

#endif

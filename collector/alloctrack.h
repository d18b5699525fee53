/*
 * alloctrack.h - turn the allocation event stream into per-stack facts.
 *
 * Fed with hp_alloc_event records (allocstream.h) in per-process order, it
 * keeps the live blocks of every process and, per allocating stack and
 * process: the allocation count and bytes, the bytes it held at its
 * process's heap peak, the bytes and blocks never freed (leaks), and the
 * temporary allocations. The definitions are heaptrack's, per process
 * (docs/memory.md):
 *   peak      bytes the stack held when its process's heap in use was at
 *             its highest (the first time it got there);
 *   leaked    bytes still allocated when the stream ended;
 *   temporary a free of a block such that no free came between the last
 *             allocation and it, and that last allocation had this block's
 *             stack and size (heaptrack compares the allocation's
 *             (size, trace), not its address).
 * Stacks are interned through a locate callback so that an allocation
 * stack is a stack_nodes id like a sample's.
 *
 * The heap timeline is kept in the events' own time (a point per process
 * every interval), so it is exact even when the collector reads the stream
 * late.
 *
 * Bytes held at the peak are kept lazily, in O(1) per event: a stack's
 * value at the peak is its live value when it is first touched after the
 * peak (an event sequence number per stack against the peak's), so no
 * copy of all stacks is made when a new peak is reached.
 */
#ifndef HP_ALLOCTRACK_H
#define HP_ALLOCTRACK_H

#include <stdint.h>

#include "collector/allocstream.h"

struct hp_store;
struct hp_alloctrack;
struct hp_run_facts;

/* Stack id (stack_nodes) of an ALLOC event's stack: ev->pcs, innermost
 * first, return addresses; ev->stack_ref names the same pcs within its
 * stream (pid, gen). */
typedef int (*hp_alloc_locate)(void *ctx, const struct hp_alloc_event *ev, uint32_t *stack_id);

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

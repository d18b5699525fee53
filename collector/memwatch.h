/*
 * memwatch.h - the RSS timeline: a thread that reads /proc/PID/statm of
 * every process of the run at a fixed interval.
 *
 * It runs apart from the ring-draining loop so that the timeline stays
 * regular when the collector is busy (a burst of samples, an allocation
 * stream of millions of events). Each process keeps one open statm fd read
 * with pread (~1 us). Readings queue up until memwatch_take() collects them.
 */
#ifndef HP_MEMWATCH_H
#define HP_MEMWATCH_H

#include <stdint.h>

#include "common/record.h"

struct hp_memwatch;

/* Start the thread; t0 is the CLOCK_MONOTONIC ns that readings are
 * relative to. interval_ms must be > 0. */
int memwatch_start(unsigned interval_ms, uint64_t t0, struct hp_memwatch **out);
/* Watch pid from now on (takes a first reading at once). Thread-safe. */
void memwatch_add(struct hp_memwatch *w, uint32_t pid);
/* Move up to max queued readings (oldest first) to out; returns how many. */
int memwatch_take(struct hp_memwatch *w, struct hp_mem_reading *out, int max);
/* Highest RSS read for pid so far, 0 when none. */
uint64_t memwatch_peak(struct hp_memwatch *w, uint32_t pid);
/* Take one last round of readings, stop the thread, free everything.
 * Readings not taken are lost. NULL is ignored. */
void memwatch_stop(struct hp_memwatch *w);

#endif

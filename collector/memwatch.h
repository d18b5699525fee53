/*
 * memwatch.h - the RSS timeline: a thread that reads /proc/PID/statm of
 * every process of the run at an interval (backing off, up to 4x, while
 * nothing moves: memwatch.c).
 *
 * It runs apart from the ring-draining loop so that the timeline stays
 * regular when the collector is busy (a burst of samples, an allocation
 * stream of millions of events). A loop that has no such stream may read
 * instead, on its own wake-ups (memwatch_start_polled): each wake-up of a
 * thread costs a context switch in and out (~20-90 us in this VM), and a
 * loop that wakes for its rings anyway serves most readings without one
 * (docs/performance.md, "Wave 11"). Each process keeps one open statm fd read
 * with pread (~1 us); /proc/PID/status is read only when the split of RSS
 * into anonymous, file and shared memory (or the kernel's VmHWM) may have
 * changed. Readings queue up until memwatch_take() collects them.
 *
 * A process's peak is its own: the highest of its readings and of the
 * VmHWM read from its status (never its children's, which rusage mixes
 * in). Growth in the last interval before a process exits can be missed
 * by both; the preload library, when it runs, reports the exact figure at
 * exit (streamfeed).
 */
#ifndef HP_MEMWATCH_H
#define HP_MEMWATCH_H

#include <stdint.h>

#include "common/record.h"

struct hp_memwatch;

/* Start the thread; t0 is the CLOCK_MONOTONIC ns that readings are
 * relative to. interval_ms must be > 0. */
int memwatch_start(unsigned interval_ms, uint64_t t0, struct hp_memwatch **out);
/* The same without a thread: the caller takes the readings with
 * memwatch_poll and sleeps at most memwatch_due_ms between them. */
int memwatch_start_polled(unsigned interval_ms, uint64_t t0, struct hp_memwatch **out);
/* Polled mode: ms until the next round of readings must be taken (its
 * latest time, half an interval after it is due; 0: now); -1 for NULL or a
 * watch with its own thread. */
int memwatch_due_ms(struct hp_memwatch *w, uint64_t now_ns);
/* Polled mode: the round of readings when it is due within half its
 * interval, before or after (a wake-up for something else serves it);
 * else nothing. One round per interval either way (backing off as the
 * thread does). NULL and a watch with its own thread are ignored. */
void memwatch_poll(struct hp_memwatch *w, uint64_t now_ns);
/* Watch pid from now on (takes a first reading at once). Thread-safe. */
void memwatch_add(struct hp_memwatch *w, uint32_t pid);
/* Move up to max queued readings (oldest first) to out; returns how many. */
int memwatch_take(struct hp_memwatch *w, struct hp_mem_reading *out, int max);
/* pid's own peak so far in bytes (its highest reading or VmHWM), 0 when
 * none. */
uint64_t memwatch_peak(struct hp_memwatch *w, uint32_t pid);
/* pid's resident bytes right now (one statm read), 0 when unreadable. */
uint64_t memwatch_rss_now(uint32_t pid);
/* Processes watched so far (gone ones included); 0 for NULL. */
unsigned memwatch_count(struct hp_memwatch *w);
/* Stop the thread (if any), free everything.
 * Readings not taken are lost. NULL is ignored. */
void memwatch_stop(struct hp_memwatch *w);

#endif

/*
 * clock.h - the one clock of hpprof: CLOCK_MONOTONIC in nanoseconds. Perf
 * records (use_clockid), the allocation stream, the RSS timeline and the
 * timings in run_info all use it, so their times compare directly.
 */
#ifndef HP_CLOCK_H
#define HP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t hp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif

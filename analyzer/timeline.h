/*
 * timeline.h - main-sampler samples per time interval and per thread, over
 * the whole run: what the browser's timeline view draws above the memory
 * curve, and what a time-range selection is picked from.
 *
 * The run [0, t_end) is cut into nbuckets equal buckets. Threads are kept
 * individually up to HP_TIMELINE_MAX_THREADS (the busiest ones); the rest
 * are summed in a last row with tid 0. With off-CPU time (run --off-cpu)
 * each row also has the nanoseconds its thread was off the CPU per bucket
 * (each interval spread over the buckets it covers): running vs blocked.
 */
#ifndef HP_TIMELINE_H
#define HP_TIMELINE_H

#include <stdint.h>

struct hp_store;
struct hp_profile_filter;

#define HP_TIMELINE_MAX_THREADS 64

struct hp_timeline {
	uint64_t t_end;               /* end of the last bucket, ns since the run started */
	uint64_t bucket_ns;           /* width of one bucket */
	uint32_t nbuckets;
	uint32_t nthreads;            /* rows, busiest first */
	uint32_t *tids;               /* [nthreads]; 0 = all other threads */
	uint64_t *thread_samples;     /* [nthreads] */
	uint32_t *counts;             /* [nthreads * nbuckets]: row r, bucket b at r * nbuckets + b */
	uint32_t *total;              /* [nbuckets] all threads */
	/* run --off-cpu: ns each row spent off the CPU in each bucket (same
	 * layout as counts); NULL when the run recorded no off-CPU time */
	uint64_t *blocked_ns;
	uint64_t nsamples;
};

/* Count st's main-sampler samples into nbuckets buckets over
 * [0, max(duration_ns, last sample + 1)). *out is owned by the caller
 * (timeline_free). Returns 0 or a negative error (common/error.h). */
int timeline_load(struct hp_store *st, uint64_t duration_ns, uint32_t nbuckets,
		  struct hp_timeline **out);
/* The same of the threads filter f selects (its tid, pid and run - an MPI
 * rank of a merged file - as profile_load selects them; NULL or none: all
 * threads). Its time range is not applied: the buckets still cover the
 * whole run (t_end as timeline_load's), so that a filtered timeline is
 * drawn on the run's own axis; nsamples counts the selected threads. */
int timeline_load_where(struct hp_store *st, uint64_t duration_ns, uint32_t nbuckets,
			const struct hp_profile_filter *f, struct hp_timeline **out);
void timeline_free(struct hp_timeline *tl);

/* Samples of row r (r >= nthreads: all threads) in buckets [b0, b1). */
uint64_t timeline_sum(const struct hp_timeline *tl, uint32_t r, uint32_t b0, uint32_t b1);

#endif

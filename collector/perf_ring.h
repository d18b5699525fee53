/*
 * perf_ring.h - perf_event mmap rings: map them, drain them in time order.
 *
 * Each CPU's sampling event has a ring (one metadata page, then 2^n data
 * pages) that the kernel fills and the reader empties by moving data_tail.
 * Records of different rings are not in time order, so a drain collects
 * the records of every ring, sorts them by their time (sample_id_all,
 * perf_record_time), hands each one whole to a callback (a record that
 * wraps around the ring's end is copied to a scratch buffer first),
 * releasing the ring space of the records handled as it goes (every 32
 * records) and all of it at the end: a callback must not keep a pointer
 * into a record after it returns. A record whose header lies (smaller than a
 * header, or running past what the kernel published) ends that ring's
 * drain; the rest of it is released unread.
 *
 * Produces records as bytes; perf_record.h parses them.
 */
#ifndef HP_PERF_RING_H
#define HP_PERF_RING_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct hp_ring {
	int fd;                        /* the event that owns the mapping */
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	uint64_t size, mask;           /* data bytes (a power of two) and size - 1 */
	uint64_t head;                 /* data_head seen by the current drain */
	uint64_t tail;                 /* the current drain released up to here */
	size_t map_len;
};

/* Ring sizing (session_events.c uses it; docs/performance.md, "The perf
 * rings"). A sample record takes the room of its whole stack copy however
 * little the kernel copied, so a ring holds ring bytes / copy samples. */
#define RING_PAGES_MIN   1024u   /* 4 MiB: 64 samples of the default 64 KiB copy */
#define RING_PAGES_MAX   8192u   /* 32 MiB per CPU */
#define RING_TOTAL_MAX   (64ull << 20)   /* growth above the minimum, all CPUs together */
#define RING_SPAN_MS     64u     /* a ring holds at least this long of one busy CPU's samples */

/* Data pages (a power of two) of each of ncpu rings for samples at freq
 * per second (0: not known, a period was given) of record_bytes each (the
 * stack copy; 0 without one): enough for RING_SPAN_MS of samples on a busy
 * CPU, at least RING_PAGES_MIN (page-fault samples and task records share
 * the ring), at most RING_PAGES_MAX and, above the minimum, RING_TOTAL_MAX
 * over all rings. */
unsigned ring_pages_for(unsigned freq, uint64_t record_bytes, unsigned ncpu);

/* The smallest ring (256 KiB): a refused first ring is retried a quarter
 * as large down to it, and the off-CPU rings are never smaller. */
#define RING_PAGES_LAST 64u

/* Pages of a ring a 1/div of a CPU ring of pages (the off-CPU rings): at
 * least RING_PAGES_LAST, or pages when that is smaller. */
unsigned ring_part_pages(unsigned pages, unsigned div);

/* All the rings of a session take at most this much memory, locked in the
 * kernel for the run: 7 MiB a CPU (the default sizes) up to 36 CPUs; on a
 * larger machine the rings are smaller (ring_pages_fitting), rather than
 * ~450 MiB on 64 CPUs. */
#define RING_SESSION_MAX (256ull << 20)

/* Pages a session's rings may take: RING_SESSION_MAX, and no more than the
 * kernel lets this process lock without CAP_IPC_LOCK: the user's allowance
 * (perf_event_mlock_kb for each of online_cpus) plus RLIMIT_MEMLOCK (not
 * counted with ring_may_grow, or an unlimited RLIMIT_MEMLOCK). Rings of
 * the same user's other perf sessions use the same allowance; this cannot
 * see them. */
uint64_t ring_lock_budget(unsigned online_cpus);

/* The largest ring size per CPU, pages (a power of two, at most pages, at
 * least RING_PAGES_LAST), whose rings fit budget locked pages on nrings
 * CPUs: per CPU a CPU ring (when cpu_ring) and, with offcpu, the off-CPU
 * rings: the switch records' a quarter of it and the stacks' a half
 * (RING_OFFCPU) or twice it (RING_OFFCPU_ATTACH), each with the page of
 * its header. 0 when not even the smallest fits. */
#define RING_OFFCPU        1
#define RING_OFFCPU_ATTACH 2
unsigned ring_pages_fitting(unsigned pages, unsigned nrings, int cpu_ring, int offcpu,
			    uint64_t budget);

/* Whether rings may be larger than RING_PAGES_MIN: the kernel counts a
 * user's rings against perf_event_mlock_kb and RLIMIT_MEMLOCK unless the
 * process has CAP_IPC_LOCK or perf_event_paranoid is -1, and only the
 * first ring of a session can shrink when refused (a later one refused
 * fails the session), so without either the rings keep the default size. */
int ring_may_grow(void);

/* Map pages data pages (a power of two) of fd's ring. Returns 0 or -errno
 * (EPERM: over perf_event_mlock_kb; try fewer pages). */
int ring_map(struct hp_ring *r, int fd, unsigned pages);
void ring_unmap(struct hp_ring *r);

/* Scratch state of the drains: reused between drains, freed by
 * ring_reader_release. Zero-initialize. */
struct hp_ring_reader {
	struct ring_entry *entries;
	size_t nentries, entries_cap;
	uint8_t *scratch;
	size_t scratch_cap;
	uint64_t bad;                  /* records dropped as malformed, so far */
	uint64_t cut;                  /* the next drain's cut (the records' clock; 0: none) */
	uint32_t fill_max;             /* the fullest a ring was at a drain, per mille of it */
};

/* Called once per record, in time order: ring is the index into rings[],
 * rec the whole record (header included, size bytes, 8-byte aligned),
 * time its perf_record_time (0 when it has none). */
typedef void (*hp_ring_fn)(void *ctx, unsigned ring, const uint8_t *rec, uint32_t size,
			   uint64_t time);

/* Drain rings[0..n) once: collect, sort by time, call fn, release.
 * With rd->cut set (the time the drain began), a ring's records from its
 * first one stamped at or after the cut stay in it for the next drain:
 * the rings are read one after another, so without a cut a record written
 * to a ring already read (a switch record) could come a drain after a
 * later one of a ring read after it (the thread's next switch-out sample),
 * out of time order (docs/offcpu.md, "A drain's cut"). Every record
 * stamped before the cut was published before the drain read any ring.
 * sample_type is the events' (for the records' times). Returns 0 or
 * -ENOMEM (then nothing was released and the next drain sees the same
 * records). */
int ring_drain(struct hp_ring_reader *rd, struct hp_ring *rings, unsigned n,
	       uint64_t sample_type, hp_ring_fn fn, void *ctx);

void ring_reader_release(struct hp_ring_reader *rd);

#endif

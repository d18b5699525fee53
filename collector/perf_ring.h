/*
 * perf_ring.h - perf_event mmap rings: map them, drain them in time order.
 *
 * Each CPU's sampling event has a ring (one metadata page, then 2^n data
 * pages) that the kernel fills and the reader empties by moving data_tail.
 * Records of different rings are not in time order, so a drain collects
 * the records of every ring, sorts them by their time (sample_id_all,
 * perf_record_time), hands each one whole to a callback (a record that
 * wraps around the ring's end is copied to a scratch buffer first) and
 * then releases the ring space. A record whose header lies (smaller than a
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
	size_t map_len;
};

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
};

/* Called once per record, in time order: ring is the index into rings[],
 * rec the whole record (header included, size bytes, 8-byte aligned),
 * time its perf_record_time (0 when it has none). */
typedef void (*hp_ring_fn)(void *ctx, unsigned ring, const uint8_t *rec, uint32_t size,
			   uint64_t time);

/* Drain rings[0..n) once: collect, sort by time, call fn, release.
 * sample_type is the events' (for the records' times). Returns 0 or
 * -ENOMEM (then nothing was released and the next drain sees the same
 * records). */
int ring_drain(struct hp_ring_reader *rd, struct hp_ring *rings, unsigned n,
	       uint64_t sample_type, hp_ring_fn fn, void *ctx);

void ring_reader_release(struct hp_ring_reader *rd);

#endif

/*
 * perf_ring.c - mapping and draining perf_event rings in time order
 * (perf_ring.h).
 */
#include "collector/perf_ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "collector/kaccess.h"
#include "collector/perf_record.h"
#include "common/grow.h"
#include "common/log.h"

/* Records handled between two releases of ring space during a drain. */
#define RING_RELEASE_EVERY 32

/* A record found in a ring during a drain. */
struct ring_entry {
	uint64_t time;
	uint32_t ring;
	uint32_t size;
	uint64_t pos;
};

static uint64_t pow2_ceil(uint64_t v)
{
	uint64_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

unsigned ring_pages_for(unsigned freq, uint64_t record_bytes, unsigned ncpu)
{
	/* samples in RING_SPAN_MS at freq, rounded up */
	uint64_t records = ((uint64_t)freq * RING_SPAN_MS + 999) / 1000;
	uint64_t pages = pow2_ceil((records * record_bytes + 4095) / 4096);
	uint64_t limit = RING_TOTAL_MAX / 4096 / (ncpu ? ncpu : 1);
	if (pages > RING_PAGES_MAX)
		pages = RING_PAGES_MAX;
	while (pages > RING_PAGES_MIN && pages > limit)
		pages >>= 1;
	return pages < RING_PAGES_MIN ? RING_PAGES_MIN : (unsigned)pages;
}

unsigned ring_part_pages(unsigned pages, unsigned div)
{
	unsigned p = pages / div;
	if (p >= RING_PAGES_LAST)
		return p;
	return pages < RING_PAGES_LAST ? pages : RING_PAGES_LAST;
}

uint64_t ring_lock_budget(unsigned online_cpus)
{
	struct rlimit rl;
	const uint64_t most = RING_SESSION_MAX / 4096;
	if (ring_may_grow() || getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return most;
	int kb_int = kaccess_mlock_kb();
	uint64_t kb = kb_int > 0 ? (uint64_t)kb_int : 0;
	uint64_t may = kb / 4 * (online_cpus ? online_cpus : 1) + rl.rlim_cur / 4096;
	return may < most ? may : most;
}

unsigned ring_pages_fitting(unsigned pages, unsigned nrings, int cpu_ring, int offcpu,
			    uint64_t budget)
{
	for (uint64_t p = pages; p >= RING_PAGES_LAST; p >>= 1) {
		uint64_t per_cpu = cpu_ring ? p + 1 : 0;
		if (offcpu)
			per_cpu += ring_part_pages((unsigned)p, 4) + 1 + 1 +
				   (offcpu == RING_OFFCPU_ATTACH ? 2 * p : ring_part_pages((unsigned)p, 2));
		if (per_cpu * (nrings ? nrings : 1) <= budget)
			return (unsigned)p;
	}
	return 0;
}

int ring_may_grow(void)
{
	return kaccess_has_cap(CAP_NUM_IPC_LOCK) || kaccess_paranoid() == -1;
}

int ring_map(struct hp_ring *r, int fd, unsigned pages)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (pages + 1) * (size_t)page;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	r->fd = fd;
	r->meta = p;
	r->data = (uint8_t *)p + page;
	r->size = pages * (uint64_t)page;
	r->mask = r->size - 1;
	r->head = 0;
	r->map_len = len;
	return 0;
}

void ring_unmap(struct hp_ring *r)
{
	if (r->meta)
		munmap(r->meta, r->map_len);
	r->meta = NULL;
	r->data = NULL;
}

/* The record at pos, whole: in place, or copied out when it wraps. */
static const uint8_t *record_at(struct hp_ring_reader *rd, const struct hp_ring *r, uint64_t pos,
				uint32_t size)
{
	uint64_t off = pos & r->mask;
	if (off + size <= r->size)
		return r->data + off;
	if (hp_grow((void **)&rd->scratch, &rd->scratch_cap, size, 1))
		return NULL;
	uint64_t first = r->size - off;
	memcpy(rd->scratch, r->data + off, first);
	memcpy(rd->scratch + first, r->data, size - first);
	return rd->scratch;
}

static int push_entry(struct hp_ring_reader *rd, const struct ring_entry *e)
{
	int err = hp_grow((void **)&rd->entries, &rd->entries_cap, rd->nentries + 1, sizeof(*e));
	if (!err)
		rd->entries[rd->nentries++] = *e;
	return err;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct ring_entry *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->ring != y->ring)
		return x->ring < y->ring ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* len bytes at pos into out: they may wrap around the ring's end. */
static void copy_out(const struct hp_ring *r, uint64_t pos, void *out, size_t len)
{
	uint64_t off = pos & r->mask, first = r->size - off;
	if (len <= first) {
		memcpy(out, r->data + off, len);
	} else {
		memcpy(out, r->data + off, first);
		memcpy((uint8_t *)out + first, r->data, len - first);
	}
}

static struct perf_event_header header_at(const struct hp_ring *r, uint64_t pos)
{
	struct perf_event_header h;
	copy_out(r, pos, &h, sizeof(h));
	return h;
}

/* The time of the record at pos with header h (perf_record_time), for
 * the drain's sort. A sample carries it near its start and takes the
 * room of its whole stack copy (64 KiB by default): one that wraps
 * around the ring's end is read from a copy of its head alone (given the
 * head's size), not copied whole twice (here, then to be handled); other
 * records are small and carry it in their trailer. */
static int record_time(struct hp_ring_reader *rd, const struct hp_ring *r, uint64_t pos,
		       struct perf_event_header h, uint64_t sample_type, uint64_t *t)
{
	enum { HEAD = 128 };              /* a sample's time is in its first 40 bytes */
	uint64_t off = pos & r->mask;
	*t = 0;
	if (off + h.size > r->size && h.type == PERF_RECORD_SAMPLE && h.size > HEAD) {
		uint8_t head[HEAD];
		copy_out(r, pos, head, sizeof(head));
		h.size = HEAD;
		memcpy(head, &h, sizeof(h));
		perf_record_time(head, HEAD, sample_type, t);
		return 0;
	}
	const uint8_t *rec = record_at(rd, r, pos, h.size);
	if (!rec)
		return -ENOMEM;
	perf_record_time(rec, h.size, sample_type, t);
	return 0;
}

/* A record stamped this far past the cut is no time of this run's clock:
 * it does not hold its ring. */
#define CUT_SANE_NS 60000000000ull

/* Collect the records of ring ri up to the head the kernel published, or
 * up to the first one stamped at or after rd->cut (it and the rest stay
 * in the ring: r->head stops there). */
static int collect(struct hp_ring_reader *rd, struct hp_ring *r, unsigned ri,
		   uint64_t sample_type)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t pos = r->meta->data_tail;
	uint32_t fill = (uint32_t)((head - pos) * 1000 / r->size);
	if (fill > rd->fill_max)
		rd->fill_max = fill;
	r->head = head;
	while (pos < head) {
		struct perf_event_header h = header_at(r, pos);
		if (h.size < sizeof(h) || h.size > head - pos || h.size > r->size) {
			/* A lying header: everything after it is unreadable. */
			rd->bad++;
			hp_debug(HP_DBG_PERF, 1, "ring %u: bad record header (size %u at %llu of %llu)",
				 ri, h.size, (unsigned long long)pos, (unsigned long long)head);
			break;
		}
		struct ring_entry e = { 0, ri, h.size, pos };
		if (record_time(rd, r, pos, h, sample_type, &e.time))
			return -ENOMEM;
		if (rd->cut && e.time >= rd->cut && e.time - rd->cut < CUT_SANE_NS) {
			r->head = pos;
			break;
		}
		if (push_entry(rd, &e) < 0)
			return -ENOMEM;
		pos += h.size;
	}
	return 0;
}

/* HPPROF_DRAIN_PAUSE_US (tests): a pause between reading two rings, as
 * a loaded machine makes when it preempts the drain (e2e offcpu_io). */
static unsigned drain_pause_us(void)
{
	static int us = -1;
	if (us < 0) {
		const char *v = getenv("HPPROF_DRAIN_PAUSE_US");
		us = v ? atoi(v) : 0;
		if (us < 0)
			us = 0;
	}
	return (unsigned)us;
}

int ring_drain(struct hp_ring_reader *rd, struct hp_ring *rings, unsigned n,
	       uint64_t sample_type, hp_ring_fn fn, void *ctx)
{
	int err;
	rd->nentries = 0;
	for (unsigned r = 0; r < n; r++) {
		if (r && drain_pause_us())
			usleep(drain_pause_us());
		if ((err = collect(rd, &rings[r], r, sample_type)))
			return err;
	}
	if (rd->nentries)
		qsort(rd->entries, rd->nentries, sizeof(*rd->entries), cmp_entry);
	/* Release each ring's space as its records are handled, not only at
	 * the end: a drain of a long backlog (hundreds of samples, ms of
	 * unwinding) leaves the kernel room to write the samples that arrive
	 * meanwhile. A ring's tail moves past a record only once every record
	 * before it was handled (one out of position order holds it). */
	for (unsigned r = 0; r < n; r++)
		rings[r].tail = rings[r].meta->data_tail;
	for (size_t i = 0; i < rd->nentries; i++) {
		const struct ring_entry *e = &rd->entries[i];
		struct hp_ring *r = &rings[e->ring];
		const uint8_t *rec = record_at(rd, r, e->pos, e->size);
		if (rec)
			fn(ctx, e->ring, rec, e->size, e->time);
		if (e->pos == r->tail)
			r->tail += e->size;
		if (i % RING_RELEASE_EVERY == RING_RELEASE_EVERY - 1)
			for (unsigned k = 0; k < n; k++)
				__atomic_store_n(&rings[k].meta->data_tail, rings[k].tail,
						 __ATOMIC_RELEASE);
	}
	for (unsigned r = 0; r < n; r++)
		__atomic_store_n(&rings[r].meta->data_tail, rings[r].head, __ATOMIC_RELEASE);
	return 0;
}

void ring_reader_release(struct hp_ring_reader *rd)
{
	free(rd->entries);
	free(rd->scratch);
	memset(rd, 0, sizeof(*rd));
}

/*
 * stream.c - this process's stream file, written without locks (shim.h).
 *
 * Owns the one stream of the process image ("<dir>/<pid>.<gen>.ring",
 * layout and rules in common/allocproto.h): creates and maps it, reserves
 * records with one compare-and-swap on the cursor, keeps the ring backed
 * ahead of the writers during the first lap, and publishes records. It
 * knows nothing about what the records mean (alloc_shim.c and agent.c
 * encode them). It also keeps the target's share of the ring small: the
 * writer that opens a new chunk of the ring drops the target's pages of
 * the chunk two behind (the data stays in the shared file for the
 * collector), so the ring costs the target a window of a few chunks of
 * RSS, not its whole size; a ring of at most HP_AP_RESIDENT_RING stays
 * mapped whole instead (no pages dropped and mapped again each lap).
 *
 * Two kinds of writers: hooks, which may nap while the ring is full (for
 * at most the reader's heartbeat timeout, never while they hold an
 * unpublished record or an allocator lock), and the SIGPROF handler,
 * which passes STREAM_NOWAIT and drops instead. Everything a handler can
 * reach is async-signal-safe: raw system calls (no cancellation points,
 * no errno-visible library state beyond what the caller saves), atomics,
 * no allocation.
 */
#include "collector/preload/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23          /* Linux 5.14; older kernels say EINVAL: pages fault in */
#endif

enum {
	INITIAL_BACKED = 64 << 10,            /* ring bytes backed when a stream opens */
	GROW_MAX = 4 << 20,                   /* then doubled, at most this much at a time */
	WAIT_NAP_NS = 100000,                 /* sleep between looks while the ring is full */
	PREFETCH_AHEAD = 256,                 /* bytes past a claim whose line is fetched for writing */
};

static struct {
	struct hp_ap_header *hdr; /* NULL: not recording */
	unsigned char *ring;      /* the ring, HP_AP_DATA_OFF after hdr */
	uint64_t ring_size;
	uint64_t t_start;
	uint64_t sample_period;
	uint32_t sample_hz;
	char path[PATH_MAX];      /* opened again to grow the file: no fd kept */
} st;

uint64_t shim_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t shim_tid(struct shim_tls *t)
{
	if (unlikely(!t->tid))
		t->tid = (uint32_t)syscall(SYS_gettid);
	return t->tid;
}

/* ---- small string helpers (no stdio) ------------------------------------ */

static char *append_str(char *p, char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

static char *append_uint(char *p, char *end, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < (int)sizeof(tmp));
	while (n && p < end)
		*p++ = tmp[--n];
	return p;
}

/* ---- the file ------------------------------------------------------------ */

/* Make ring bytes [from, to) allocated. Reopens the file by path (the
 * library keeps no descriptor a program could close or reuse), with raw
 * system calls: no cancellation point, and safe in a signal handler. */
static int file_allocate(uint64_t from, uint64_t to)
{
	long fd = syscall(SYS_openat, AT_FDCWD, st.path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long rc = syscall(SYS_fallocate, (int)fd, 0, (off_t)(HP_AP_DATA_OFF + from),
			  (off_t)(to - from));
	syscall(SYS_close, (int)fd);
	return rc < 0 ? -1 : 0;
}

static void ring_populate(struct hp_ap_header *h, uint64_t k);
static int stream_grow(struct hp_ap_header *h, uint64_t end);

static void header_fill(struct hp_ap_header *h, uint32_t gen, uint64_t backed)
{
	h->version = HP_AP_VERSION;
	h->data_off = HP_AP_DATA_OFF;
	h->pid = (uint32_t)getpid();
	h->ppid = (uint32_t)getppid();
	h->gen = gen;
	h->clock_id = CLOCK_MONOTONIC;
	h->ring_size = st.ring_size;
	h->sample_period = st.sample_period;
	h->sample_hz = st.sample_hz;
	h->t_start_ns = st.t_start;
	h->max_frames = HP_AP_MAX_FRAMES;
	ssize_t n = readlink("/proc/self/exe", h->exe, sizeof(h->exe) - 1);
	h->exe[n > 0 ? n : 0] = '\0';
	h->backed = backed;
	__atomic_store_n(&h->magic, HP_AP_MAGIC, __ATOMIC_RELEASE);
}

/* Create "<dir>/<pid>.<gen>.ring" with the first free gen; returns the fd. */
static int create_file(const char *dir, uint32_t *gen)
{
	char *end = st.path + sizeof(st.path) - 1;
	for (uint32_t g = 0; g < 100000; g++) {
		char *p = append_str(st.path, end, dir);
		p = append_str(p, end, "/");
		p = append_uint(p, end, (uint64_t)getpid());
		p = append_str(p, end, ".");
		p = append_uint(p, end, g);
		p = append_str(p, end, ".ring");
		*p = '\0';
		int fd = open(st.path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST) {
			*gen = g;
			return fd;
		}
	}
	return -1;
}

static void open_file(const char *dir)
{
	uint32_t gen;
	uint64_t size = HP_AP_DATA_OFF + st.ring_size;
	uint64_t backed = INITIAL_BACKED;
	int fd = create_file(dir, &gen);
	if (fd < 0)
		return;
	if (ftruncate(fd, (off_t)size) < 0 || fallocate(fd, 0, 0, (off_t)(HP_AP_DATA_OFF + backed)) < 0)
		goto fail_unlink;
	unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (m == MAP_FAILED)
		goto fail_unlink;
	close(fd);
	st.ring = m + HP_AP_DATA_OFF;
	st.t_start = shim_now_ns();
	header_fill((struct hp_ap_header *)m, gen, backed);
	ring_populate((struct hp_ap_header *)m, 0);
	__atomic_store_n(&st.hdr, (struct hp_ap_header *)m, __ATOMIC_RELEASE);
	return;
fail_unlink:
	unlink(st.path);
	close(fd);
}

void stream_open(const char *dir, uint64_t ring_size, uint64_t sample_period, uint32_t sample_hz)
{
	int cancel;
	st.ring_size = ring_size;
	st.sample_period = sample_period;
	st.sample_hz = sample_hz;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);   /* open, close: cancellation points */
	open_file(dir);
	pthread_setcancelstate(cancel, NULL);
}

void stream_forget(void)
{
	struct hp_ap_header *old = st.hdr;
	st.hdr = NULL;
	if (old)
		munmap(old, HP_AP_DATA_OFF + old->ring_size);
}

struct hp_ap_header *stream_header(void)
{
	return __atomic_load_n(&st.hdr, __ATOMIC_ACQUIRE);
}

void stream_set_flags(uint32_t flags)
{
	struct hp_ap_header *h = stream_header();
	if (h)
		__atomic_fetch_or(&h->flags, flags, __ATOMIC_RELEASE);
}

void stream_count_drop(int sample)
{
	struct hp_ap_header *h = stream_header();
	if (h)
		__atomic_fetch_add(sample ? &h->dropped_samples : &h->dropped_events, 1,
				   __ATOMIC_RELAXED);
}

/* ---- reserving ------------------------------------------------------------- */

static uint64_t grow_step(uint64_t backed)
{
	return backed < GROW_MAX ? backed : GROW_MAX;
}

/* First lap only: keep the backed part of the ring ahead of the writers.
 * Once a claim comes within half a step of its end, grow it by a step:
 * as much again while small, GROW_MAX later. Any thread may do it, a
 * signal handler too; overlapping fallocate calls are harmless and
 * `backed` only grows. Returns 1 when end is backed, else marks the
 * stream full and returns 0. */
static int stream_grow(struct hp_ap_header *h, uint64_t end)
{
	uint64_t have = __atomic_load_n(&h->backed, __ATOMIC_ACQUIRE);
	while (have < st.ring_size && end > have - grow_step(have) / 2) {
		uint64_t want = have + grow_step(have);
		if (want < end)
			want = end;
		if (want > st.ring_size)
			want = st.ring_size;
		if (file_allocate(have, want) < 0)
			break;
		while (have < want && !__atomic_compare_exchange_n(&h->backed, &have, want, 1,
								   __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
			;
		have = __atomic_load_n(&h->backed, __ATOMIC_ACQUIRE);
	}
	if (end <= __atomic_load_n(&h->backed, __ATOMIC_ACQUIRE))
		return 1;
	__atomic_fetch_or(&h->flags, HP_AP_F_FULL, __ATOMIC_RELEASE);
	return 0;
}

/* Wait until the reader has released logical bytes below need. Returns 0
 * at once, or after a stall, when no reader polled for READER_TIMEOUT. */
static int stream_wait_room(struct hp_ap_header *h, uint64_t need)
{
	const struct timespec nap = { 0, WAIT_NAP_NS };
	uint64_t t0 = 0, now;
	int room;
	for (;;) {
		if (__atomic_load_n(&h->released, __ATOMIC_ACQUIRE) >= need) {
			room = 1;
			break;
		}
		/* a beat newer than now (the reader stored it after this thread
		 * read the clock) is a live reader: unguarded, now - beat wrapped
		 * to a huge age and dropped an event (test_alloc under load: 1 of
		 * 1.6M events) */
		uint64_t beat = __atomic_load_n(&h->reader_ns, __ATOMIC_ACQUIRE);
		uint64_t since = beat > st.t_start ? beat : st.t_start;
		now = shim_now_ns();
		if (!t0)
			t0 = now;
		if ((now > since && now - since > HP_AP_READER_TIMEOUT_NS) ||
		    (__atomic_load_n(&h->flags, __ATOMIC_ACQUIRE) & HP_AP_F_DETACHED)) {
			room = 0;
			break;
		}
		/* the raw call: nanosleep() would make malloc a cancellation point */
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &nap, NULL);
	}
	if (t0) {   /* it found no room at its first look: a wait, counted and timed */
		__atomic_fetch_add(&h->writer_waits, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&h->writer_wait_ns, shim_now_ns() - t0, __ATOMIC_RELAXED);
	}
	return room;
}

static unsigned char *ring_at(uint64_t off)
{
	return st.ring + (off & (st.ring_size - 1));
}

static void atomic_max(uint64_t *p, uint64_t v)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (old < v && !__atomic_compare_exchange_n(p, &old, v, 1, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

/* Map the pages of chunk k in this process ahead of the writers, when
 * the file has them: one call instead of a page fault per page (and the
 * target's page-fault count stays the program's). */
static void ring_populate(struct hp_ap_header *h, uint64_t k)
{
	uint64_t at = (k * HP_AP_CHUNK) & (st.ring_size - 1);
	if (at + HP_AP_CHUNK <= __atomic_load_n(&h->backed, __ATOMIC_ACQUIRE) ||
	    k * HP_AP_CHUNK >= st.ring_size)
		syscall(SYS_madvise, st.ring + at, (size_t)HP_AP_CHUNK, MADV_POPULATE_WRITE);
}

/* The claim [o, end) holds the first byte of chunk k: map chunk k + 1, and
 * drop this process's pages of chunk k - 2 (the shared file keeps them for
 * the reader; a late writer still in there faults its page back in). Raw
 * system calls: safe in a signal handler, no cancellation point. */
static void ring_window(struct hp_ap_header *h, uint64_t o, uint64_t end)
{
	uint64_t k = (end - 1) / HP_AP_CHUNK;
	if (o % HP_AP_CHUNK && o / HP_AP_CHUNK == k)
		return;                         /* no chunk starts in this claim */
	uint64_t ahead = (k + 2) * HP_AP_CHUNK;   /* first lap: the file backs it before we map it */
	int resident = st.ring_size <= HP_AP_RESIDENT_RING;
	if (ahead <= st.ring_size && __atomic_load_n(&h->backed, __ATOMIC_ACQUIRE) < ahead)
		stream_grow(h, ahead);
	if (!resident || ahead <= st.ring_size)
		ring_populate(h, k + 1);    /* a resident ring: first lap only */
	if (!resident && k >= 2) {
		syscall(SYS_madvise, ring_at((k - 2) * HP_AP_CHUNK), (size_t)HP_AP_CHUNK,
			MADV_DONTNEED);
		atomic_max(&h->zapped, (k - 1) * HP_AP_CHUNK);
	}
	/* mapped now: from the oldest chunk kept to the end of the one mapped
	 * ahead; a late writer (others dropped chunks past its `ahead`
	 * meanwhile) knows no window: ahead - zapped wrapped to a whole ring */
	uint64_t zapped = __atomic_load_n(&h->zapped, __ATOMIC_RELAXED);
	if (zapped < ahead)
		atomic_max(&h->window_max, ahead - zapped < st.ring_size ? ahead - zapped : st.ring_size);
}

/* Advance the cursor from *o to end when it is still *o (else *o gets
 * its value). While the process has one thread (glibc's
 * __libc_single_threaded, cleared by pthread_create before a second
 * thread exists, and only this thread could create one) the only other
 * writers are this thread's signal handlers, and a cmpxchg without the
 * lock prefix is atomic against them: it is one instruction. The lock
 * prefix would also wait for the previous record's stores to reach the
 * cache. glibc's malloc makes the same single-thread bet. */
static int cursor_advance(uint64_t *cursor, uint64_t *o, uint64_t end)
{
#if defined(__x86_64__)
	if (__libc_single_threaded) {
		uint64_t prev = *o;
		unsigned char ok;
		__asm__ volatile("cmpxchgq %3, %1\n\tsete %2"
				 : "+a"(prev), "+m"(*cursor), "=q"(ok)
				 : "r"(end)
				 : "memory", "cc");
		*o = prev;
		return ok;
	}
#endif
	return __atomic_compare_exchange_n(cursor, o, end, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* Whether a claim that ends at end may go on: at once when end stays
 * within released + ring_size, else once the reader has released room
 * (never waiting with STREAM_NOWAIT). Returns 0 when the record must be
 * dropped. end may come from a stale cursor: other writers moved it on and
 * the reader released past end meanwhile. That is room: the claim's
 * compare-and-swap fails and retries from the cursor's value. Hence a sum,
 * not end - released: that difference wrapped to a huge "used", and in the
 * first lap need = end - ring_size to a value `released` never reaches, so
 * the writer napped forever beside a live reader, its heartbeat fresh
 * (test_alloc's test_threads stalls; test_allocring). */
static int claim_room(struct hp_ap_header *h, uint64_t end, unsigned flags)
{
	if (likely(end <= __atomic_load_n(&h->released, __ATOMIC_ACQUIRE) + st.ring_size))
		return 1;
	return !(flags & STREAM_NOWAIT) && stream_wait_room(h, end - st.ring_size);
}

/* Claim logical bytes [off, off + len) of the ring, or fewer when the lap
 * ends first (*got says how many), starting from o, the cursor as this
 * writer read it (it may be stale by then). Returns 0 when the record must
 * be dropped (full and no reader or no waiting allowed, or /dev/shm full). */
static int stream_claim(struct hp_ap_header *h, uint64_t o, uint32_t len, unsigned flags,
			uint64_t *off, uint32_t *got)
{
	uint64_t end;
	do {
		if (unlikely(__atomic_load_n(&h->flags, __ATOMIC_RELAXED) & HP_AP_F_FULL))
			return 0;
		uint64_t room = st.ring_size - (o & (st.ring_size - 1));
		end = o + (room < len ? room : len);
		if (!claim_room(h, end, flags))
			return 0;
	} while (!cursor_advance(&h->cursor, &o, end));
	/* the writers' next lines: ask for them now (a prefetch never faults) */
	__builtin_prefetch(ring_at(end + PREFETCH_AHEAD), 1, 3);
	uint64_t backed = __atomic_load_n(&h->backed, __ATOMIC_RELAXED);
	if (unlikely(backed < st.ring_size) && end > backed - grow_step(backed) / 2) {
		if (!stream_grow(h, end > st.ring_size ? st.ring_size : end)) {
			if (o + sizeof(struct hp_ap_rec) <= __atomic_load_n(&h->backed, __ATOMIC_ACQUIRE))
				__atomic_store_n((uint32_t *)ring_at(o),
						 HP_AP_HEAD(8, HP_AP_TRUNC, HP_AP_TAG_COMMIT), __ATOMIC_RELEASE);
			return 0;
		}
	}
	ring_window(h, o, end);
	*off = o;
	*got = (uint32_t)(end - o);
	return 1;
}

unsigned char *stream_reserve(uint32_t len, unsigned flags)
{
	struct hp_ap_header *h = stream_header();
	uint64_t off;
	uint32_t got;
	if (!h)
		return NULL;
	while (stream_claim(h, __atomic_load_n(&h->cursor, __ATOMIC_RELAXED), len, flags, &off, &got)) {
		uint32_t *head = (uint32_t *)ring_at(off);
		if (got == len) {
			__atomic_store_n(head, HP_AP_HEAD(len, 0, HP_AP_TAG_RESERVED), __ATOMIC_RELAXED);
			return (unsigned char *)head;
		}
		/* the lap ends before len bytes: fill it with PAD, go on in the next */
		__atomic_store_n(head, HP_AP_HEAD(got, HP_AP_PAD, HP_AP_TAG_COMMIT), __ATOMIC_RELEASE);
	}
	return NULL;
}

void stream_commit(unsigned char *rec, uint32_t head)
{
	__atomic_store_n((uint32_t *)rec, head, __ATOMIC_RELEASE);
}

int stream_put(const unsigned char *buf, uint32_t len, uint32_t head, unsigned flags)
{
	unsigned char *rec = stream_reserve(len, flags);
	if (!rec)
		return -1;
	if (likely(len <= 32))                  /* most records: a few words, no memcpy call */
		for (uint32_t i = 4; i < len; i += 4)
			__builtin_memcpy(rec + i, buf + i, 4);
	else
		memcpy(rec + 4, buf + 4, len - 4);
	stream_commit(rec, head);
	return 0;
}

int stream_write(const unsigned char *buf, uint32_t len, unsigned type, unsigned flags)
{
	return stream_put(buf, len, HP_AP_HEAD(len, type, HP_AP_TAG_COMMIT), flags);
}

/* ---- time ------------------------------------------------------------------ */

int stream_tick(void)
{
	struct hp_ap_header *h = stream_header();
	struct timespec ts;
	if (!h)
		return 0;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	uint64_t last = __atomic_load_n(&h->last_tick, __ATOMIC_RELAXED);
	if (likely(now == last) ||
	    !__atomic_compare_exchange_n(&h->last_tick, &last, now, 0, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return 0;
	unsigned char buf[16];
	unsigned char *p = hp_ap_put(buf + 4, now > st.t_start ? now - st.t_start : 0);
	uint32_t len = rec_end(buf, p);
	return stream_put(buf, len, HP_AP_CHEAD(len, HP_AP_TIME, 0, 0), 0);
}

/* ---- encoding -------------------------------------------------------------- */

unsigned char *rec_begin(unsigned char *buf, struct shim_tls *t, unsigned func,
			 unsigned flags, unsigned nr_pcs)
{
	struct hp_ap_rec *r = (struct hp_ap_rec *)buf;
	r->head = 0;
	r->func = (uint8_t)func;
	r->flags = (uint8_t)flags;
	r->nr_pcs = (uint16_t)nr_pcs;
	uint64_t t_ns = shim_now_ns();
	unsigned char *p = hp_ap_put(buf + sizeof(*r), shim_tid(t));
	return hp_ap_put(p, t_ns > st.t_start ? t_ns - st.t_start : 0);
}

uint32_t rec_end(unsigned char *buf, unsigned char *p)
{
	while ((uintptr_t)(p - buf) & (HP_AP_ALIGN - 1))
		*p++ = 0;
	return (uint32_t)(p - buf);
}

unsigned char *put_pcs(unsigned char *p, void *const *pcs, int n)
{
	uint64_t prev = 0;
	for (int i = 0; i < n; i++) {
		uint64_t pc = (uint64_t)(uintptr_t)pcs[i];
		p = i ? hp_ap_put(p, hp_ap_zigzag((int64_t)(pc - prev))) : hp_ap_put(p, pc);
		prev = pc;
	}
	return p;
}

/*
 * test_allocring.c - unit test of the preload library's ring reservation
 * (collector/preload/stream.c), included whole so that its static claim
 * can be driven with a chosen view of the cursor: the interleavings of
 * writers and the reader that a stress run meets only by chance are set
 * up here by hand, in one thread.
 *
 * A stream is opened in a private directory as a target process opens
 * its own; the test then plays the reader by storing `released` and the
 * other writers by storing `cursor` in the header.
 *
 * The stale claim is the state in which test_alloc's test_threads stalled
 * (two CI runs; reproduced in wave 19 on the 19th of a loop of runs beside
 * a CPU hog, the fixture's writer caught in gdb): one writer read the cursor
 * at 2314400, the others then wrote past it and the reader released all of
 * it (cursor == released == 3877964, 4 MiB ring, first lap). The writer's
 * room check end - released wrapped, and it waited for released to reach
 * end - ring_size, wrapped too, napping for ever beside a live reader.
 * Here the reader is marked detached, so that the faulty wait returns at
 * once (a drop) rather than never: the check is that the claim goes on
 * from the fresh cursor and never waits. A late writer's residency window
 * (ring_window) is checked for the same kind of wrap.
 */
#include "collector/preload/stream.c"

#include <stdio.h>
#include <stdlib.h>

#include "hp_test.h"

enum { RING = 4 << 20, STALE_AT = 2314400, RELEASED = 3877964, REC = 12 };

static char dir[256];

/* A stream of this process with a RING-byte ring, in a new directory. */
static struct hp_ap_header *open_ring(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/hpprof-allocring-XXXXXX", base);
	if (!mkdtemp(dir))
		return NULL;
	stream_open(dir, RING, 0, 0);
	return stream_header();
}

static void close_ring(void)
{
	stream_forget();
	if (unlink(st.path) < 0 || rmdir(dir) < 0)
		perror("test_allocring: cleanup");
}

/* The reader consumed and released everything up to `at`. */
static void reader_caught_up(struct hp_ap_header *h, uint64_t at)
{
	h->cursor = at;
	h->released = at;
	h->writer_waits = 0;
}

/* A writer whose cursor is stale, the reader past its end: it claims at
 * the fresh cursor and does not wait (first lap, then a later lap). */
static void test_stale_claim(struct hp_ap_header *h)
{
	const uint64_t laps[] = { 0, 3 * (uint64_t)RING };
	for (size_t i = 0; i < sizeof(laps) / sizeof(laps[0]); i++) {
		uint64_t off = 0;
		uint32_t got = 0;
		reader_caught_up(h, laps[i] + RELEASED);
		CHECK(stream_claim(h, laps[i] + STALE_AT, REC, 0, &off, &got));
		CHECK_EQ_INT(off, laps[i] + RELEASED);
		CHECK_EQ_INT(got, REC);
		CHECK_EQ_INT(h->cursor, laps[i] + RELEASED + REC);
		CHECK_EQ_INT(h->writer_waits, 0);
	}
}

/* A full ring still stops a claim: with STREAM_NOWAIT at once, else after
 * a wait (counted) that ends because the reader detached. A claim that
 * ends exactly at released + RING fits. */
static void test_full(struct hp_ap_header *h)
{
	uint64_t off;
	uint32_t got;
	reader_caught_up(h, RELEASED);
	h->cursor = RELEASED + RING - REC;
	CHECK(stream_claim(h, h->cursor, REC, STREAM_NOWAIT, &off, &got));
	CHECK_EQ_INT(off, RELEASED + RING - REC);
	CHECK(!stream_claim(h, h->cursor, REC, STREAM_NOWAIT, &off, &got));
	CHECK_EQ_INT(h->writer_waits, 0);
	CHECK(!stream_claim(h, h->cursor, REC, 0, &off, &got));
	CHECK_EQ_INT(h->writer_waits, 1);
	CHECK_EQ_INT(h->cursor, RELEASED + RING);
}

/* A full ring and a reader whose heartbeat is older than
 * HP_AP_READER_TIMEOUT_NS (gone, or held at a record a thread never
 * published: allocstream.c's stream_beat): the claim drops after one look,
 * without the reader having detached. */
static void test_stale_beat(struct hp_ap_header *h)
{
	uint64_t off, old = shim_now_ns() - HP_AP_READER_TIMEOUT_NS - 1000000000u;
	uint32_t got;
	uint32_t flags = h->flags;
	reader_caught_up(h, RELEASED);
	h->cursor = RELEASED + RING;
	h->flags &= ~(uint32_t)HP_AP_F_DETACHED;
	h->reader_ns = old;
	uint64_t t_start = st.t_start;
	st.t_start = old;
	uint64_t t0 = shim_now_ns();
	CHECK(!stream_claim(h, h->cursor, REC, 0, &off, &got));
	CHECK(shim_now_ns() - t0 < HP_AP_READER_TIMEOUT_NS / 2);
	CHECK_EQ_INT(h->writer_waits, 1);
	st.t_start = t_start;
	h->flags = flags;
}

/* A writer late to open its chunk (the others dropped chunks past the one
 * it maps ahead meanwhile) leaves window_max alone: the wrapped difference
 * recorded the whole ring as mapped at once. */
static void test_late_window(struct hp_ap_header *h)
{
	h->zapped = 10 * (uint64_t)HP_AP_CHUNK;
	h->window_max = 3 * (uint64_t)HP_AP_CHUNK;
	ring_window(h, 2 * (uint64_t)HP_AP_CHUNK, 2 * (uint64_t)HP_AP_CHUNK + REC);
	CHECK_EQ_INT(h->zapped, 10 * (uint64_t)HP_AP_CHUNK);
	CHECK_EQ_INT(h->window_max, 3 * (uint64_t)HP_AP_CHUNK);
}

int main(void)
{
	struct hp_ap_header *h = open_ring();
	if (!h) {
		printf("cannot open a stream in '%s' (%s)\n", dir, strerror(errno));
		return 1;
	}
	/* the reader has stopped: a wait for room returns at once (no room) */
	h->flags |= HP_AP_F_DETACHED;
	test_stale_claim(h);
	test_full(h);
	test_stale_beat(h);
	test_late_window(h);
	close_ring();
	return hp_test_result();
}

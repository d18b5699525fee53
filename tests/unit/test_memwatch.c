/*
 * test_memwatch.c - the RSS thread (collector/memwatch.c) on a child whose
 * memory holds still, then grows by a known amount on a signal.
 *
 * Truths by construction: the child touches GROW_BYTES of new anonymous
 * memory, so a reading at least GROW_BYTES / 2 above its resting RSS must
 * come (the half allows for pages the kernel reclaims or shares; no
 * timing: the test waits up to 20 s for it, however loaded the machine).
 * While the child rests, the thread backs off: once it has read the child
 * unchanged SETTLED times in a row (8 unchanged rounds: 4 at 10 ms, 4 at
 * 20 ms), it reads every 40 ms, and its rounds come at least half a slot
 * apart (memwatch.c: a late thread takes no burst of the rounds it
 * missed), so each of the next REST_READINGS readings comes at least 2
 * intervals after the one before it, by the readings' own times: at most
 * half the asked rate whatever the load. (Until wave 17 this counted the
 * readings in 1.5 s of the test's own sleep, at most 75: at load ~30 the
 * sleep and the thread's catch-up bursts broke it once.) Then the same
 * without a thread (test_polled), on given times.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/memwatch.h"
#include "common/clock.h"
#include "hp_test.h"

#define GROW_BYTES (48u << 20)
#define INTERVAL_MS 10u
#define SETTLED 12u
#define REST_READINGS 20u

static volatile sig_atomic_t grow;

static void on_usr1(int sig)
{
	(void)sig;
	grow = 1;
}

/* The child: rest until SIGUSR1, touch GROW_BYTES, rest until killed. */
static void child(void)
{
	sigset_t none;
	sigemptyset(&none);
	while (!grow)
		sigsuspend(&none);
	volatile char *p = malloc(GROW_BYTES);  /* volatile: the stores stay */
	if (!p)
		_exit(1);
	for (size_t i = 0; i < GROW_BYTES; i += 4096)
		p[i] = 1;
	for (;;)
		pause();
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts))
		;
}

/* Readings of pid taken so far (drained); the highest RSS into *max. */
static unsigned drain(struct hp_memwatch *w, uint32_t pid, uint64_t *max)
{
	struct hp_mem_reading r[256];
	unsigned n = 0;
	int k;
	while ((k = memwatch_take(w, r, 256)) > 0)
		for (int i = 0; i < k; i++)
			if (r[i].pid == pid) {
				n++;
				if (r[i].rss_bytes > *max)
					*max = r[i].rss_bytes;
			}
	return n;
}

/* The next n readings of pid (n <= 256) into out, however long they take
 * (up to 10 minutes: a test that hangs is no answer). Returns how many. */
static unsigned next_readings(struct hp_memwatch *w, uint32_t pid, struct hp_mem_reading *out,
			      unsigned n)
{
	struct hp_mem_reading r[256];
	unsigned got = 0;
	for (unsigned tries = 0; got < n && tries < 120000; tries++) {
		int k = memwatch_take(w, r, 256);
		for (int i = 0; i < k; i++)
			if (r[i].pid == pid && got < n)
				out[got++] = r[i];
		if (!k)
			sleep_ms(5);
	}
	return got;
}

/* Wait until pid has been read unchanged SETTLED times in a row (the
 * thread has backed off); its resting RSS. */
static uint64_t settle(struct hp_memwatch *w, uint32_t pid)
{
	struct hp_mem_reading r;
	uint64_t rss = 0;
	unsigned same = 0;
	while (same < SETTLED && next_readings(w, pid, &r, 1) == 1) {
		same = r.rss_bytes == rss ? same + 1 : 1;
		rss = r.rss_bytes;
	}
	return rss;
}

/*
 * Polled mode (memwatch_start_polled): no thread; the caller's clock says
 * when a round is taken. Given times, not slept ones: a round is taken
 * from half a slot before it is due, not earlier, and up to half a slot
 * after it (memwatch_due_ms says when it must come at the latest); the
 * next is due one slot after this one was, so early rounds add no
 * readings.
 */
static void test_polled(uint32_t pid)
{
	struct hp_memwatch *w = NULL;
	uint64_t max = 0, slot = INTERVAL_MS * 1000000ull;
	CHECK(memwatch_start_polled(INTERVAL_MS, hp_now_ns(), &w) == 0);
	CHECK_EQ_INT(memwatch_due_ms(w, hp_now_ns()) > 0, 1);
	memwatch_add(w, pid);                    /* its first reading at once */
	CHECK_EQ_INT(drain(w, pid, &max), 1);
	uint64_t now = hp_now_ns();
	uint64_t due = now + (uint64_t)memwatch_due_ms(w, now) * 1000000ull - slot / 2;
	memwatch_poll(w, due - slot / 2 - slot / 5);   /* too early: nothing */
	CHECK_EQ_INT(drain(w, pid, &max), 0);
	memwatch_poll(w, due - slot / 2 + slot / 5);   /* early by less than half a slot */
	CHECK_EQ_INT(drain(w, pid, &max), 1);
	memwatch_poll(w, due - slot / 2 + slot / 5);   /* the next round is a slot later */
	CHECK_EQ_INT(drain(w, pid, &max), 0);
	due += slot;
	/* at its due time it may still wait half a slot for another wake-up */
	CHECK_EQ_INT(memwatch_due_ms(w, due), (int)INTERVAL_MS / 2);
	memwatch_poll(w, due + slot / 2 - slot / 10);  /* late by less than half a slot */
	CHECK_EQ_INT(drain(w, pid, &max), 1);
	unsigned rounds = 0;                     /* one reading per round, however often polled */
	for (uint64_t t = due + slot; t < due + 21 * slot; t += slot / 4)
		memwatch_poll(w, t);
	rounds = drain(w, pid, &max);
	printf("polled: %u readings over 20 slots polled 80 times\n", rounds);
	CHECK(rounds >= 5 && rounds <= 21);      /* backing off: fewer than 20 */
	CHECK(max > 0);
	memwatch_stop(w);
}

/*
 * Polled mode beside a loop woken for its rings every RING_MS (at the
 * default rate a busy CPU's ring wakes the loop every 16 samples): the
 * readings of a growing process (this one, touching GROWTH_STEP bytes
 * before each wake-up, so that it never backs off) are due every
 * INTERVAL_MS; the loop sleeps until the next ring wake-up or
 * memwatch_due_ms, whichever comes first. Truths: one reading per slot
 * (SLOTS of them, less one for the grid's start), and at least the
 * readings that no ring wake-up can serve need a wake-up of their own:
 * SLOTS - wake-ups in the time, 37.5% with these periods. Taken only
 * before their due time, 65% did (the bound below allows 45%).
 */
#define RING_MS 16u
#define SLOTS 200u
#define GROWTH_STEP (512u << 10)

static void test_polled_beside_rings(void)
{
	struct hp_memwatch *w = NULL;
	uint64_t max = 0, slot = INTERVAL_MS * 1000000ull, ring = RING_MS * 1000000ull;
	uint32_t self = (uint32_t)getpid();
	size_t grown = 0, cap = (size_t)SLOTS * 2 * GROWTH_STEP;
	volatile char *mem = malloc(cap);
	CHECK(mem != NULL);
	uint64_t t = hp_now_ns(), end = t + SLOTS * slot, next_ring = t + ring;
	CHECK(memwatch_start_polled(INTERVAL_MS, t, &w) == 0);
	memwatch_add(w, self);
	drain(w, self, &max);
	unsigned own = 0, woken = 0;
	while (t < end) {
		uint64_t last = t + (uint64_t)memwatch_due_ms(w, t) * 1000000ull;
		if (last < next_ring) {
			t = last;
			own++;
		} else {
			t = next_ring;
			next_ring += ring;
			woken++;
		}
		for (size_t i = 0; i < GROWTH_STEP && grown + i < cap; i += 4096)
			mem[grown + i] = 1;      /* new pages: the RSS moves */
		grown += GROWTH_STEP;
		memwatch_poll(w, t);
	}
	unsigned readings = drain(w, self, &max);
	printf("beside rings every %u ms: %u readings in %u slots, %u of them on a wake-up of"
	       " their own (%u ring wake-ups)\n", RING_MS, readings, SLOTS, own, woken);
	CHECK(readings >= SLOTS - 2 && readings <= SLOTS + 1);
	CHECK(own >= SLOTS - SLOTS * INTERVAL_MS / RING_MS - 2);
	CHECK(own <= readings * 45 / 100);
	memwatch_stop(w);
	free((void *)mem);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);   /* no signal lost before sigsuspend */
	sigaction(SIGUSR1, &sa, NULL);
	pid_t pid = fork();
	if (pid < 0)
		SKIP("fork failed");
	if (!pid)
		child();
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	struct hp_memwatch *w = NULL;
	CHECK(memwatch_start(INTERVAL_MS, hp_now_ns(), &w) == 0);
	memwatch_add(w, (uint32_t)pid);
	uint64_t rest = settle(w, (uint32_t)pid), max = 0;
	struct hp_mem_reading r[REST_READINGS];
	unsigned n = next_readings(w, (uint32_t)pid, r, REST_READINGS), close = 0;
	uint64_t gap_min = UINT64_MAX;
	for (unsigned i = 1; i < n; i++) {
		uint64_t gap = r[i].t_ns - r[i - 1].t_ns;
		close += gap < 2ull * INTERVAL_MS * 1000000ull || r[i].rss_bytes != rest;
		gap_min = gap < gap_min ? gap : gap_min;
	}
	printf("resting child: %u readings over %.1f ms, the closest %.1f ms apart (interval %u"
	       " ms), RSS %llu\n", n, n ? (double)(r[n - 1].t_ns - r[0].t_ns) / 1e6 : 0.0,
	       (double)gap_min / 1e6, INTERVAL_MS, (unsigned long long)rest);
	CHECK(rest > 0);
	CHECK_EQ_INT(n, REST_READINGS);
	CHECK_EQ_INT(close, 0);                  /* each >= 2 intervals after the last */

	kill(pid, SIGUSR1);
	uint64_t t0 = hp_now_ns();
	while (max < rest + GROW_BYTES / 2 && hp_now_ns() - t0 < 20000000000ull) {
		sleep_ms(5);
		drain(w, (uint32_t)pid, &max);
	}
	printf("after touching %u MiB: highest reading %llu (resting %llu), %.0f ms after the "
	       "signal\n", GROW_BYTES >> 20, (unsigned long long)max, (unsigned long long)rest,
	       (double)(hp_now_ns() - t0) / 1e6);
	CHECK(max >= rest + GROW_BYTES / 2);

	memwatch_stop(w);
	test_polled((uint32_t)pid);
	test_polled_beside_rings();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return hp_test_result();
}

/*
 * test_memwatch.c - the RSS thread (collector/memwatch.c) on a child whose
 * memory holds still, then grows by a known amount on a signal.
 *
 * Truths by construction: the child touches GROW_BYTES of new anonymous
 * memory, so a reading at least GROW_BYTES / 2 above its resting RSS must
 * come (the half allows for pages the kernel reclaims or shares; no
 * timing: the test waits up to 20 s for it, however loaded the machine).
 * While the child rests, the thread backs off: over REST_MS it takes at
 * most REST_MS / interval / 2 readings (a loaded machine only makes
 * fewer; the bound is what backing off guarantees: after 4 readings at
 * 10 ms and 4 at 20 ms it reads every 40 ms, ~1/4 of the 10 ms count).
 * Then the same without a thread (test_polled), on given times.
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
#define REST_MS 1500u

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

/*
 * Polled mode (memwatch_start_polled): no thread; the caller's clock says
 * when a round is taken. Given times, not slept ones: a round is taken
 * from half a slot before it is due, not earlier, and the next is due
 * one slot after this one was, so early rounds add no readings.
 */
static void test_polled(uint32_t pid)
{
	struct hp_memwatch *w = NULL;
	uint64_t max = 0, slot = INTERVAL_MS * 1000000ull;
	CHECK(memwatch_start_polled(INTERVAL_MS, hp_now_ns(), &w) == 0);
	CHECK_EQ_INT(memwatch_due_ms(w, hp_now_ns()) > 0, 1);
	memwatch_add(w, pid);                    /* its first reading at once */
	CHECK_EQ_INT(drain(w, pid, &max), 1);
	uint64_t due = hp_now_ns() + (uint64_t)memwatch_due_ms(w, hp_now_ns()) * 1000000ull;
	memwatch_poll(w, due - slot / 2 - slot / 5);   /* too early: nothing */
	CHECK_EQ_INT(drain(w, pid, &max), 0);
	memwatch_poll(w, due - slot / 2 + slot / 5);   /* early by less than half a slot */
	CHECK_EQ_INT(drain(w, pid, &max), 1);
	memwatch_poll(w, due - slot / 2 + slot / 5);   /* the next round is a slot later */
	CHECK_EQ_INT(drain(w, pid, &max), 0);
	CHECK_EQ_INT(memwatch_due_ms(w, due) <= (int)INTERVAL_MS, 1);
	unsigned rounds = 0;                     /* one reading per round, however often polled */
	for (uint64_t t = due; t < due + 20 * slot; t += slot / 4)
		memwatch_poll(w, t);
	rounds = drain(w, pid, &max);
	printf("polled: %u readings over 20 slots polled 80 times\n", rounds);
	CHECK(rounds >= 5 && rounds <= 21);      /* backing off: fewer than 20 */
	CHECK(max > 0);
	memwatch_stop(w);
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
	uint64_t rest = 0, max = 0;
	sleep_ms(300);                           /* the child settles */
	drain(w, (uint32_t)pid, &rest);
	sleep_ms(REST_MS);
	unsigned n = drain(w, (uint32_t)pid, &rest);
	printf("resting child: %u readings in %u ms (interval %u ms), RSS %llu\n", n, REST_MS,
	       INTERVAL_MS, (unsigned long long)rest);
	CHECK(rest > 0);
	CHECK(n <= REST_MS / INTERVAL_MS / 2);

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
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return hp_test_result();
}

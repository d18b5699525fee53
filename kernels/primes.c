/*
 * hp-primes - prime counting by trial division, serial, in threads and in
 * forked processes: High Performance Python ch. 9 (multiprocessing, the
 * "finding prime numbers" section) and seed 004 (parallel computing).
 *
 * Lesson: every thread and every forked process appears in the profile with
 * its share of the samples; the chunk size trades scheduling overhead
 * against balance. Workers take --chunk numbers at a time from one shared
 * counter (in shared memory for processes), like a work queue.
 *
 * Counts (computed): 1229 below 1e4, 664579 below 1e7 (the default range),
 * 54208 in [100000000, 101000000) (the book's range, ex. 9-6). Any other
 * range is checked against a segmented sieve.
 */
#include "kernels/kcommon.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum variant { V_SERIAL, V_THREADS, V_PROCS };

static const struct kvariant variants[] = {
	{ "serial", "one thread" },
	{ "threads", "--workers N threads" },
	{ "procs", "--workers N forked processes (multiprocessing.Pool)" },
	{ NULL, NULL },
};

static const struct {
	long lo, hi, count;
} known_counts[] = {
	{ 1, 10000, 1229 }, { 1, 10000000, 664579 }, { 100000000, 101000000, 54208 },
};

/* The book's check_prime: odd trial divisors up to sqrt(n). */
KERNEL_FN static bool is_prime(uint32_t n)
{
	if (n < 4)
		return n >= 2;
	if (n % 2 == 0)
		return false;
	for (uint32_t i = 3; (uint64_t)i * i <= n; i += 2)
		if (n % i == 0)                                   /* HOT: trial division */
			return false;
	return true;
}

static long count_range(uint32_t lo, uint32_t hi)
{
	long count = 0;
	for (uint32_t n = lo; n < hi; n++)
		count += is_prime(n);
	return count;
}

/* Shared by all workers; lives in MAP_SHARED memory so forks see it too. */
struct queue {
	atomic_ulong next;              /* next number to hand out */
	unsigned long hi, chunk;
	long counts[];                  /* per worker */
};

/* Takes chunks until the range is done; returns the primes found and adds
 * the numbers tested to *tested. */
KERNEL_FN static long worker_loop(struct queue *q, unsigned long *tested)
{
	long count = 0;
	for (;;) {
		unsigned long lo = atomic_fetch_add(&q->next, q->chunk);
		if (lo >= q->hi)
			return count;
		unsigned long hi = lo + q->chunk < q->hi ? lo + q->chunk : q->hi;
		count += count_range((uint32_t)lo, (uint32_t)hi);
		*tested += hi - lo;
	}
}

struct thread_arg {
	struct queue *q;
	long id;
	unsigned long tested;           /* numbers this worker tested */
	struct ktruth busy;             /* its CPU time and faults */
	pid_t tid;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	a->q->counts[a->id] = worker_loop(a->q, &a->tested);
	a->tid = ktruth_tid();
	ktruth_now(&a->busy);           /* a new thread's counters start at 0 */
	return NULL;
}

static void run_threads(struct queue *q, long workers)
{
	pthread_t *ts = kchecked(calloc((size_t)workers, sizeof *ts));
	struct thread_arg *args = kchecked(calloc((size_t)workers, sizeof *args));
	for (long w = 0; w < workers; w++) {
		args[w] = (struct thread_arg){ q, w };
		if (pthread_create(&ts[w], NULL, thread_main, &args[w])) {
			fprintf(stderr, "hp-primes: cannot create thread %ld\n", w);
			exit(1);
		}
	}
	for (long w = 0; w < workers; w++) {
		char name[32];
		pthread_join(ts[w], NULL);
		snprintf(name, sizeof name, "worker%ld", w);
		ktruth_print("primes", "thread", name, args[w].tid, &args[w].busy, "work=%lu",
			     args[w].tested);
	}
	free(ts);
	free(args);
}

static void run_procs(struct queue *q, long workers)
{
	for (long w = 0; w < workers; w++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		if (pid == 0) {
			unsigned long tested = 0;
			char name[32];
			q->counts[w] = worker_loop(q, &tested);
			snprintf(name, sizeof name, "worker%ld", w);
			ktruth_process("primes", name, "work=%lu", tested);
			_exit(0);
		}
	}
	int status, failed = 0;
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	if (failed) {
		fprintf(stderr, "hp-primes: a worker process failed\n");
		exit(1);
	}
}

/* Primes in [lo, hi) by a segmented sieve of Eratosthenes: the reference. */
static long sieve_count(uint32_t lo, uint32_t hi)
{
	uint32_t root = 1;
	while ((uint64_t)root * root < hi)
		root++;
	char *small = kchecked(calloc(root + 1, 1)), *seg = kchecked(calloc(hi - lo, 1));
	for (uint32_t p = 2; p <= root; p++) {
		if (small[p])
			continue;
		for (uint64_t m = (uint64_t)p * p; m <= root; m += p)
			small[m] = 1;
		uint64_t start = (uint64_t)p * p > lo ? (uint64_t)p * p : ((uint64_t)lo + p - 1) / p * p;
		for (uint64_t m = start; m < hi; m += p)
			seg[m - lo] = 1;
	}
	long count = 0;
	for (uint32_t n = lo; n < hi; n++)
		count += n >= 2 && !seg[n - lo];
	free(small);
	free(seg);
	return count;
}

static long expected_count(long lo, long hi, const char **source)
{
	for (size_t i = 0; i < sizeof known_counts / sizeof known_counts[0]; i++)
		if (known_counts[i].lo == lo && known_counts[i].hi == hi) {
			*source = "computed";
			return known_counts[i].count;
		}
	*source = "sieve";
	return sieve_count((uint32_t)lo, (uint32_t)hi);
}

int main(int argc, char **argv)
{
	struct ktruth mark;
	ktruth_now(&mark);
	long lo = 0, hi = 0, workers = 0, chunk = 0;
	const struct kopt opts[] = {
		{ "from", KOPT_LONG, &lo, "first number (default 1)" },
		{ "to", KOPT_LONG, &hi, "end of the range, exclusive (default 1e7; --small 1e4)" },
		{ "workers", KOPT_LONG, &workers, "threads/procs: workers (default 4)" },
		{ "chunk", KOPT_LONG, &chunk, "numbers per grab from the shared counter (default 10000)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"primes", "prime counting by trial division: serial, threads, forked processes",
		"HPP ch. 9, seed 004", variants, opts,
		"The book's range is --from 1e8 --to 1.01e8 (54208 primes). The serial variant also\n"
		"takes chunks from the counter, so all variants run the same code.",
	};
	bool small;
	enum variant v = kargs_parse(&spec, argc, argv, &small);
	lo = lo ? lo : 1;
	hi = hi ? hi : small ? 10000 : 10000000;
	workers = v == V_SERIAL ? 1 : workers ? workers : 4;
	chunk = chunk ? chunk : 10000;
	if (hi <= lo || hi > UINT32_MAX) {
		fprintf(stderr, "hp-primes: need from < to <= %u\n", UINT32_MAX);
		return 2;
	}

	size_t qsize = sizeof(struct queue) + (size_t)workers * sizeof(long);
	struct queue *q = mmap(NULL, qsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	atomic_init(&q->next, (unsigned long)lo);
	q->hi = (unsigned long)hi;
	q->chunk = (unsigned long)chunk;

	ktruth_phase("primes", "setup", &mark);
	double t0 = kclock();
	unsigned long tested = 0;
	if (v == V_SERIAL)
		q->counts[0] = worker_loop(q, &tested);
	else if (v == V_THREADS)
		run_threads(q, workers);
	else
		run_procs(q, workers);
	double elapsed = kclock() - t0;
	ktruth_phase("primes", "compute", &mark);

	long total = 0;
	printf("primes: variant %s range [%ld, %ld) workers %ld chunk %ld: %.3f s\n",
	       variants[v].name, lo, hi, workers, chunk, elapsed);
	for (long w = 0; w < workers; w++) {
		printf("primes: worker %ld found %ld\n", w, q->counts[w]);
		total += q->counts[w];
	}
	munmap(q, qsize);
	const char *source;
	long want = expected_count(lo, hi, &source);
	int rc = kvalidate("primes", total == want, "count %ld (expected %ld, %s)", total, want, source);
	ktruth_phase("primes", "verify", &mark);
	ktruth_process("primes", "main", NULL);
	return rc;
}

/*
 * hp-pi - Monte Carlo estimate of pi, serial, in threads, in forked
 * processes, and with one random generator behind a mutex: High Performance
 * Python ch. 9 (ex. 9-1, estimate_nbr_points_in_quarter_circle) and seed 004.
 *
 * Lesson: each thread or process shows up with its share of the samples;
 * forked children are followed; a lock shared by every draw (locked) shows
 * futex frames and context switches, and more threads make it slower.
 *
 * Each worker has its own splitmix64 stream seeded from --seed and its
 * index, so a run is deterministic for a given N and worker count; locked
 * draws every dart from one stream, so its result does not depend on the
 * interleaving either. The check: |pi_hat - pi| within 5 standard errors
 * (5 * 4 * sqrt(p(1-p)/N), p = pi/4; 8.2e-4 at N = 1e8).
 */
#include "kernels/kcommon.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum variant { V_SERIAL, V_THREADS, V_PROCS, V_LOCKED };

static const struct kvariant variants[] = {
	{ "serial", "one worker (ex. 9-1)" },
	{ "threads", "--workers N threads, one generator each" },
	{ "procs", "--workers N forked processes, one generator each (multiprocessing.Pool)" },
	{ "locked", "--workers N threads sharing one generator behind a mutex" },
	{ NULL, NULL },
};

/* The one generator of the locked variant. */
struct shared_rng {
	pthread_mutex_t lock;
	uint64_t state;
};

/* Darts thrown into the unit square that land in the quarter circle. */
KERNEL_FN static long count_in_circle(long n, uint64_t *rng)
{
	long in = 0;
	for (long k = 0; k < n; k++) {
		double x = kuniform(rng), y = kuniform(rng);      /* HOT: dart loop */
		in += x * x + y * y <= 1.0;                       /* HOT: dart loop */
	}
	return in;
}

/* The same, taking every dart from the shared generator under its lock. */
KERNEL_FN static long count_in_circle_locked(long n, struct shared_rng *r)
{
	long in = 0;
	for (long k = 0; k < n; k++) {
		pthread_mutex_lock(&r->lock);                     /* HOT: contended lock */
		double x = kuniform(&r->state), y = kuniform(&r->state);
		pthread_mutex_unlock(&r->lock);
		in += x * x + y * y <= 1.0;
	}
	return in;
}

/* The run's shape; counts[] lives in shared memory for the procs variant. */
struct job {
	enum variant v;
	long n, workers;
	uint64_t seed;
	struct shared_rng *shared;
	long *counts;
};

struct worker {
	struct job *job;
	long id;
	struct ktruth busy;             /* the thread's CPU time and faults */
	pid_t tid;
	pthread_t thread;
};

/* Worker id's share of the darts: n / workers, the first n % workers one more. */
static long share(const struct job *j, long id)
{
	return j->n / j->workers + (id < j->n % j->workers);
}

static void work(struct job *j, long id)
{
	uint64_t rng = j->seed ^ ((uint64_t)id * 0xD1B54A32D192ED03ull);
	rng = ksplitmix64(&rng);
	j->counts[id] = j->v == V_LOCKED ? count_in_circle_locked(share(j, id), j->shared)
					 : count_in_circle(share(j, id), &rng);
}

static void *thread_main(void *p)
{
	struct worker *w = p;
	work(w->job, w->id);
	w->tid = ktruth_tid();
	ktruth_now(&w->busy);           /* a new thread's counters start at 0 */
	return NULL;
}

static void run_threads(struct job *j)
{
	struct worker *ws = kchecked(calloc((size_t)j->workers, sizeof *ws));
	for (long id = 0; id < j->workers; id++) {
		ws[id] = (struct worker){ .job = j, .id = id };
		if (pthread_create(&ws[id].thread, NULL, thread_main, &ws[id])) {
			fprintf(stderr, "hp-pi: cannot create thread %ld\n", id);
			exit(1);
		}
	}
	for (long id = 0; id < j->workers; id++) {
		char name[32];
		pthread_join(ws[id].thread, NULL);
		snprintf(name, sizeof name, "worker%ld", id);
		ktruth_print("pi", "thread", name, ws[id].tid, &ws[id].busy, "work=%ld", share(j, id));
	}
	free(ws);
}

static void run_procs(struct job *j)
{
	for (long id = 0; id < j->workers; id++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		if (pid == 0) {
			char name[32];
			work(j, id);
			snprintf(name, sizeof name, "worker%ld", id);
			ktruth_process("pi", name, "work=%ld", share(j, id));
			_exit(0);
		}
	}
	int status, failed = 0;
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	if (failed) {
		fprintf(stderr, "hp-pi: a worker process failed\n");
		exit(1);
	}
}

/* Runs the job's workers and returns 4 * (darts inside) / (darts thrown). */
KERNEL_FN static double estimate_pi(struct job *j)
{
	long inside = 0;

	if (j->v == V_SERIAL)
		work(j, 0);
	else if (j->v == V_PROCS)
		run_procs(j);
	else
		run_threads(j);
	for (long id = 0; id < j->workers; id++)
		inside += j->counts[id];
	return 4.0 * (double)inside / (double)j->n;
}

int main(int argc, char **argv)
{
	struct ktruth mark;
	ktruth_now(&mark);
	long n = 0, workers = 0, seed = 0;
	const struct kopt opts[] = {
		{ "samples", KOPT_LONG, &n,
		  "darts (default 1e9, locked 1e8 as the book; --small 1e6)" },
		{ "workers", KOPT_LONG, &workers, "threads/procs/locked: workers (default 4)" },
		{ "seed", KOPT_LONG, &seed, "seed of the generators (default 1)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"pi", "Monte Carlo pi: threads, forked processes, and a contended lock",
		"HPP ch. 9, seed 004", variants, opts,
		"The tolerance is 5 standard errors of the estimate, so it shrinks as 1/sqrt(N).",
	};
	bool small;
	enum variant v = kargs_parse(&spec, argc, argv, &small);

	struct job j = { .v = v };
	j.n = n ? n : small ? 1000000 : v == V_LOCKED ? 100000000 : 1000000000;
	j.workers = v == V_SERIAL ? 1 : workers ? workers : 4;
	j.seed = seed ? (uint64_t)seed : 1;
	if (j.workers > j.n) {
		fprintf(stderr, "hp-pi: more workers than samples\n");
		return 2;
	}
	j.counts = mmap(NULL, (size_t)j.workers * sizeof *j.counts, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j.counts == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	struct shared_rng shared = { PTHREAD_MUTEX_INITIALIZER, j.seed };
	j.shared = &shared;

	ktruth_phase("pi", "setup", &mark);
	double t0 = kclock();
	double pi_hat = estimate_pi(&j);
	double elapsed = kclock() - t0;
	ktruth_phase("pi", "compute", &mark);
	munmap(j.counts, (size_t)j.workers * sizeof *j.counts);

	double p = M_PI / 4, tol = 5 * 4 * sqrt(p * (1 - p) / (double)j.n);
	double err = fabs(pi_hat - M_PI);
	printf("pi: variant %s samples %ld workers %ld seed %lu: %.3f s\n", variants[v].name, j.n,
	       j.workers, (unsigned long)j.seed, elapsed);
	int rc = kvalidate("pi", err < tol,
			   "estimate %.8f |error| %.2e (tolerance %.2e, 5 standard errors)", pi_hat, err,
			   tol);
	ktruth_phase("pi", "verify", &mark);
	ktruth_process("pi", "main", NULL);
	return rc;
}

/*
 * fixture_prog.c - the program whose profile is tests/golden/fixtures/export.sql
 * (recorded by tests/golden/fixture.sh; the tests never run it).
 *
 * Two threads, a function inlined into two callers (so locations carry
 * inline chains), a libc call that touches fresh memory (page faults and a
 * shared-library frame), and a few distinct call paths: what every export
 * format has to get right, in a few hundred samples.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline __attribute__((always_inline)) double steps(double x, double k, long n)
{
	for (long i = 0; i < n; i++)
		x = x * k + 0.5;       /* the inlined hot line */
	return x;
}

__attribute__((noinline)) double hot_loop(long n)
{
	return steps(0, 0.999999, n);
}

__attribute__((noinline)) double cold_loop(long n)
{
	double s = 1;
	for (long i = 0; i < n; i++)
		s = s / 1.0000001 + 1;    /* divisions: slow */
	return steps(s, 0.5, n / 4);
}

__attribute__((noinline)) double touch(size_t mib)
{
	char *p = malloc(mib << 20);
	if (!p)
		return 0;
	memset(p, 1, mib << 20);
	double s = p[mib];
	free(p);
	return s;
}

static void *worker(void *arg)
{
	double *out = arg;
	*out = hot_loop(40000000) + cold_loop(4000000);
	return NULL;
}

int main(void)
{
	pthread_t t;
	double w = 0, s;
	pthread_create(&t, NULL, worker, &w);
	s = hot_loop(60000000) + touch(64) + cold_loop(8000000);
	pthread_join(t, NULL);
	printf("%g\n", s + w);
	return 0;
}

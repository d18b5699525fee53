/*
 * fixture_prog.c - the program behind the TUI golden fixture
 * (tests/golden/fixtures/tui.sql, recorded by tests/golden/fixture.sh). The golden source view shows this file, so
 * keep it unchanged unless you regenerate the fixture.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double lib_work(int n);         /* fixture_lib.c: its source is "missing" */

__attribute__((noinline)) static double hot_loop(int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += (double)i / (i + 1.5);
	return s;
}

__attribute__((noinline)) static double helper(int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += (double)(i & 7);
	return s;
}

__attribute__((noinline)) static double compute(int rounds)
{
	double s = 0;
	for (int r = 0; r < rounds; r++) {
		s += hot_loop(200000 + r % 3);
		s += helper(40000 + r % 5);
	}
	return s;
}

static void *worker(void *arg)
{
	double *out = arg;
	*out = lib_work(300);
	return NULL;
}

int main(void)
{
	pthread_t t;
	double w = 0;
	size_t big = 32u << 20;
	char *keep = malloc(big);
	if (!keep)
		return 1;
	memset(keep, 1, big);
	pthread_create(&t, NULL, worker, &w);
	double s = compute(250);
	pthread_join(t, NULL);
	printf("%.1f %.1f %d\n", s, w, keep[4096]);
	return 0;
}

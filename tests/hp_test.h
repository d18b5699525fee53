/*
 * hp_test.h - minimal assertions for unit tests (one executable per module).
 * A failed CHECK prints file:line and the expression and counts a failure;
 * main returns hp_test_result(). Exit 77 means "skipped" to CTest.
 */
#ifndef HP_TEST_H
#define HP_TEST_H

#include <stdio.h>

static int hp_test_failures;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	hp_test_failures++; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long _a = (a), _b = (b); if (_a != _b) { \
	fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, \
		#a, #b, _a, _b); hp_test_failures++; } } while (0)
#define SKIP(why) do { printf("SKIP: %s\n", why); return 77; } while (0)

static inline int hp_test_result(void)
{
	if (hp_test_failures)
		fprintf(stderr, "%d check(s) failed\n", hp_test_failures);
	return hp_test_failures ? 1 : 0;
}

#endif

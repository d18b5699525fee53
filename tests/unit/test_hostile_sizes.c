/*
 * test_hostile_sizes.c - issue 15, findings 5 and 10, below the readers:
 * the sizes and sums a crafted database can push to their ends.
 *
 * - hp_grow (common/grow.c) refuses a capacity whose doubling or byte
 *   count would wrap: a capacity that wrapped to 0 once made the stack
 *   model's fit() loop for ever, and a byte count that wraps would make
 *   realloc return a buffer smaller than the capacity it reports. Without
 *   the guard the first check below never returns (the test times out).
 * - hp_add_sat, hp_mul_sat, hp_double_to_i64 (common/satarith.h) stop at
 *   the ends of int64: counters at INT64_MAX summed with + are undefined
 *   behaviour (UBSan's report in hostile_db's huge_counters case).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/grow.h"
#include "common/satarith.h"
#include "hp_test.h"

static void grow_never_wraps(void)
{
	void *v = NULL;
	size_t cap = 0;
	/* a need past half the address space: doubling 16 would reach 2^63,
	 * then wrap to 0 */
	CHECK(hp_grow(&v, &cap, SIZE_MAX / 2 + 2, 1) == -ENOMEM);
	CHECK(v == NULL && cap == 0);
	/* a byte count that would wrap: need * elem past SIZE_MAX */
	CHECK(hp_grow(&v, &cap, SIZE_MAX / 8, 16) == -ENOMEM);
	CHECK(hp_grow(&v, &cap, (size_t)1 << 62, 8) == -ENOMEM);
	CHECK(hp_grow(&v, &cap, 1, 0) == -ENOMEM);
	CHECK(v == NULL && cap == 0);
	/* what a database id could ask for at most (a uint32 id + 1): the
	 * capacity is a size_t, so it is asked for (and may fail), never wrapped */
	CHECK(hp_grow(&v, &cap, 100, 8) == 0 && cap >= 100);
	size_t had = cap;
	CHECK(hp_grow(&v, &cap, SIZE_MAX / 4, 8) == -ENOMEM);
	CHECK(cap == had && v != NULL);         /* unchanged on failure */
	CHECK(hp_grow_zero(&v, &cap, 1000, 8) == 0 && cap >= 1000);
	CHECK(((uint64_t *)v)[999] == 0);
	free(v);
}

static void sums_saturate(void)
{
	CHECK(hp_add_sat(INT64_MAX, 1) == INT64_MAX);
	CHECK(hp_add_sat(INT64_MAX, INT64_MAX) == INT64_MAX);
	CHECK(hp_add_sat(INT64_MIN, -1) == INT64_MIN);
	CHECK(hp_add_sat(INT64_MIN, INT64_MIN) == INT64_MIN);
	CHECK(hp_add_sat(INT64_MAX, INT64_MIN) == -1);
	CHECK(hp_add_sat(40, 2) == 42);
	CHECK(hp_mul_sat(INT64_MAX, 2) == INT64_MAX);
	CHECK(hp_mul_sat(INT64_MIN, 2) == INT64_MIN);
	CHECK(hp_mul_sat(INT64_MIN, -1) == INT64_MAX);
	CHECK(hp_mul_sat(-3, INT64_MAX) == INT64_MIN);
	CHECK(hp_mul_sat(6, 7) == 42);
	CHECK(hp_double_to_i64(1e300) == INT64_MAX);
	CHECK(hp_double_to_i64(-1e300) == INT64_MIN);
	CHECK(hp_double_to_i64(9.2233720368547758e18) == INT64_MAX);
	CHECK(hp_double_to_i64(NAN) == 0);
	CHECK(hp_double_to_i64(-42.9) == -42);
	/* a running sum of counters at INT64_MAX, as the readers make them */
	int64_t sum = 0;
	for (int i = 0; i < 1000; i++)
		sum = hp_add_sat(sum, INT64_MAX - i);
	CHECK(sum == INT64_MAX);
}

int main(void)
{
	grow_never_wraps();
	sums_saturate();
	return hp_test_result();
}

/*
 * satarith.h - saturating arithmetic on the 64-bit sums of counter values.
 *
 * Counter values come from a database, which is untrusted input: a crafted
 * or damaged file may hold values near INT64_MAX, and summing them with
 * plain + would be undefined behaviour in C. Every sum of int64 counter
 * values in the analyzer goes through hp_add_sat: it stops at INT64_MAX
 * (or INT64_MIN) instead of overflowing; on real profiles it is +.
 */
#ifndef HP_SATARITH_H
#define HP_SATARITH_H

#include <stdint.h>

static inline int64_t hp_add_sat(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static inline int64_t hp_mul_sat(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return (a > 0) == (b > 0) ? INT64_MAX : INT64_MIN;
	return r;
}

/* a double as int64, clamped (a cast of an out-of-range double is undefined). */
static inline int64_t hp_double_to_i64(double d)
{
	if (!(d == d))
		return 0;
	if (d >= 9.2233720368547748e18)
		return INT64_MAX;
	if (d <= -9.2233720368547758e18)
		return INT64_MIN;
	return (int64_t)d;
}

#endif

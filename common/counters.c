/*
 * counters.c - zigzag LEB128 encoding of per-sample counter deltas (counters.h).
 */
#include "common/counters.h"

size_t counters_encode(const int64_t *v, uint32_t n, uint8_t *buf)
{
	uint8_t *p = buf;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t z = ((uint64_t)v[i] << 1) ^ (uint64_t)(v[i] >> 63);
		while (z >= 0x80) {
			*p++ = (uint8_t)(z | 0x80);
			z >>= 7;
		}
		*p++ = (uint8_t)z;
	}
	return (size_t)(p - buf);
}

int counters_decode(const uint8_t *buf, size_t len, int64_t *out, uint32_t max)
{
	const uint8_t *p = buf, *end = buf + len;
	uint32_t n = 0;
	while (p < end && n < max) {
		uint64_t z = 0;
		unsigned shift = 0;
		for (;;) {
			if (p >= end || shift > 63)
				return -1;
			uint8_t b = *p++;
			z |= (uint64_t)(b & 0x7f) << shift;
			shift += 7;
			if (!(b & 0x80))
				break;
		}
		out[n++] = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
	}
	return (int)n;
}

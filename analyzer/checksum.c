/*
 * checksum.c - a fast 64-bit checksum (checksum.h).
 *
 * Detects torn, truncated or bit-flipped files, not malice: the symbol
 * cache checks every entry it reads at each run, and zlib's CRC-32 over
 * libc's and ld.so's entries (~1.7 MB) was ~5% of a warm `hpprof run
 * /bin/true` (docs/performance.md, wave 8). Four independent lanes of
 * multiply-rotate rounds over 32-byte stripes (the structure of the
 * xxHash family), so the multiplications of the lanes overlap: several
 * bytes per cycle against about one for a table CRC. A flip of any one
 * bit changes its lane's accumulator through an odd multiplier
 * (invertible), and the final mixing spreads it over the whole value.
 */
#include "analyzer/checksum.h"

#include <string.h>

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t round64(uint64_t acc, uint64_t w)
{
	return rotl64(acc + w * P2, 31) * P1;
}

static inline uint64_t avalanche(uint64_t h)
{
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

uint64_t checksum64(const void *data, size_t n)
{
	const unsigned char *p = data, *end = p + n;
	uint64_t a = P1 + P2, b = P2, c = 0, d = 0 - P1;
	for (; end - p >= 32; p += 32) {
		a = round64(a, load64(p));
		b = round64(b, load64(p + 8));
		c = round64(c, load64(p + 16));
		d = round64(d, load64(p + 24));
	}
	uint64_t h = rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18);
	h = (h ^ round64(0, a)) * P1 + P3;
	h = (h ^ round64(0, b)) * P1 + P3;
	h = (h ^ round64(0, c)) * P1 + P3;
	h = (h ^ round64(0, d)) * P1 + P3;
	h += (uint64_t)n;
	for (; end - p >= 8; p += 8)
		h = rotl64(h ^ round64(0, load64(p)), 27) * P1 + P3;
	if (p < end) {
		uint64_t w = 0;
		memcpy(&w, p, (size_t)(end - p));
		h = rotl64(h ^ (w * P1), 23) * P2 + P3;
	}
	return avalanche(h);
}

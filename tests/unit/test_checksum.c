/*
 * test_checksum.c - the symbol cache's entry checksum (analyzer/checksum.c):
 * deterministic, and changed by a flip of any single bit, by every length
 * change and by swapping two 8-byte words (the lanes are not simply added),
 * checked exhaustively on buffers of 0-200 bytes (every tail length and
 * lane position).
 */
#include <stdio.h>
#include <string.h>

#include "analyzer/checksum.h"
#include "hp_test.h"

int main(void)
{
	unsigned char buf[200];
	uint64_t seed = 12345;
	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (unsigned char)(seed >> 56);
	}
	unsigned flips = 0, flip_fail = 0, len_fail = 0;
	for (size_t n = 0; n <= sizeof(buf); n++) {
		uint64_t h = checksum64(buf, n);
		CHECK(h == checksum64(buf, n));
		if (n && h == checksum64(buf, n - 1))
			len_fail++;
		for (size_t i = 0; i < n; i++)
			for (unsigned b = 0; b < 8; b++) {
				buf[i] ^= (unsigned char)(1u << b);
				flip_fail += checksum64(buf, n) == h;
				buf[i] ^= (unsigned char)(1u << b);
				flips++;
			}
	}
	CHECK_EQ_INT(flip_fail, 0);
	CHECK_EQ_INT(len_fail, 0);
	/* Two words swapped between lanes and within the tail. */
	unsigned char sw[96];
	memcpy(sw, buf, sizeof(sw));
	for (size_t a = 0; a + 8 <= sizeof(sw); a += 8)
		for (size_t b = a + 8; b + 8 <= sizeof(sw); b += 8) {
			if (!memcmp(sw + a, sw + b, 8))
				continue;
			unsigned char t[8];
			uint64_t h = checksum64(sw, sizeof(sw));
			memcpy(t, sw + a, 8); memcpy(sw + a, sw + b, 8); memcpy(sw + b, t, 8);
			CHECK(checksum64(sw, sizeof(sw)) != h);
			memcpy(t, sw + a, 8); memcpy(sw + a, sw + b, 8); memcpy(sw + b, t, 8);
		}
	printf("test_checksum: %u single-bit flips on 0-%zu bytes, all detected\n", flips,
	       sizeof(buf));
	return hp_test_result();
}

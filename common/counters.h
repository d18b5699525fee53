/*
 * counters.h - the encoding of samples.counters: one zigzag LEB128 varint
 * per counter slot, in slot order (events.id - 1). Per-sample deltas are
 * small, so four counters take ~6 bytes instead of 32.
 */
#ifndef HP_COUNTERS_H
#define HP_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/* Worst case: 10 bytes per value. */
#define HP_COUNTERS_MAX_BYTES(n) ((n) * 10)

/* Encode v[0..n) into buf (HP_COUNTERS_MAX_BYTES(n) bytes); returns the length. */
size_t counters_encode(const int64_t *v, uint32_t n, uint8_t *buf);

/* Decode up to max values from buf[0..len); returns how many, or -1 when
 * the blob is malformed. */
int counters_decode(const uint8_t *buf, size_t len, int64_t *out, uint32_t max);

#endif

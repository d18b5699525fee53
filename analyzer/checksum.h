/*
 * checksum.h - a fast 64-bit checksum of a byte range (checksum.c), for
 * files hpprof reads back on every run (the symbol cache's entries).
 */
#ifndef HP_ANALYZER_CHECKSUM_H
#define HP_ANALYZER_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* The checksum of n bytes at p: the same on every run and build of one
 * architecture; any change of one byte, or of the length, changes it. */
uint64_t checksum64(const void *p, size_t n);

#endif

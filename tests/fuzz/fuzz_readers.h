/*
 * fuzz_readers.h - what the database fuzzers (fuzz_db_file.c,
 * fuzz_db_sql.c) share: a private scratch directory and every reader of
 * a profile run on one database file.
 */
#ifndef HP_FUZZ_READERS_H
#define HP_FUZZ_READERS_H

#include <stddef.h>
#include <stdint.h>

/* A scratch directory of this process (in /dev/shm when it exists), made
 * on first use: name + file name into buf. */
void fuzz_path(char *buf, size_t len, const char *name);

/* Write data to path (replacing it). Returns 0 or -1. */
int fuzz_write_file(const char *path, const uint8_t *data, size_t size);

/* The readers of hpprof on the database at path, output to /dev/null:
 * open, profile (whole and filtered), report, memory report, an export,
 * annotate, a call tree, diff, timeline, merge. The database is untrusted:
 * any input must end with a result or a clean error, which the sanitizers
 * check. Which report format, export format (and weight), call tree kind
 * and diff layout run is chosen by sel (a hash of the input), so that
 * each input costs a few readers and the inputs together cover them all;
 * sel = ~0u runs every variant (the replays of the corpus do). */
void fuzz_read_database(const char *path, unsigned sel);
/* A hash of an input, for sel. */
unsigned fuzz_selector(const uint8_t *data, size_t size);

#endif

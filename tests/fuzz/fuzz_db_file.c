/*
 * fuzz_db_file.c - libFuzzer target: the input is a database file, byte
 * for byte (seeds: small real profiles, tests/fuzz/seeds.sh). Every
 * reader runs on it (fuzz_readers.c). SQLite rejects most damaged pages
 * itself; what gets through - valid pages with hostile rows - is what the
 * readers must survive.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set by replay.c: every reader variant on each input. */
int fuzz_replay __attribute__((weak));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[300];
	fuzz_path(path, sizeof(path), "input.db");
	if (!fuzz_write_file(path, data, size))
		fuzz_read_database(path, fuzz_replay ? ~0u : fuzz_selector(data, size));
	return 0;
}

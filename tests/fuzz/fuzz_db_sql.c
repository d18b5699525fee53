/*
 * fuzz_db_sql.c - libFuzzer target: the input is SQL, run on a copy of a
 * real profile (the golden fixture 'export', tests/golden/fixtures), and
 * then every reader runs on the changed file (fuzz_readers.c). This
 * reaches what byte-level mutation of the file rarely does: rows that are
 * valid SQLite but hostile to hpprof (ids, NULLs, types, sizes, tables
 * and views swapped, schema edits through writable_schema). The dictionary
 * tests/fuzz/db_sql.dict holds the schema's names.
 *
 * The base database is built once per process from common/schema.sql
 * (store_create) and the fixture's rows (HP_FUZZ_FIXTURE), then copied
 * for each input. The input's SQL runs under a step budget, so an input
 * that loops in SQL itself is cut short (what is measured is hpprof).
 */
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store.h"
#include "fuzz_readers.h"

#ifndef HP_FUZZ_FIXTURE
#error "HP_FUZZ_FIXTURE: the rows of the base database"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set by replay.c: every reader variant on each input. */
int fuzz_replay __attribute__((weak));

static uint8_t *base;
static size_t base_size;

static char *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fuzz_db_sql: cannot read '%s'\n", path);
		abort();
	}
	buf[n] = '\0';
	*size = (size_t)n;
	fclose(f);
	return buf;
}

static void build_base(void)
{
	char path[300];
	struct hp_store *st;
	sqlite3 *db;
	size_t n;
	char *rows = read_all(HP_FUZZ_FIXTURE, &n);
	fuzz_path(path, sizeof(path), "base.db");
	store_unlink(path);
	/* a twentieth of the samples: every table keeps rows, each input runs
	 * every reader in a few milliseconds */
	if (store_create(path, &st) || store_close(st) ||
	    sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, rows, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "DELETE FROM samples WHERE rowid % 20 != 0;"
			 " DELETE FROM memory WHERE rowid % 20 != 0; VACUUM;",
			 NULL, NULL, NULL) != SQLITE_OK || sqlite3_close(db) ||
	    store_open(path, 1, &st) || store_create_views(st) || store_close(st)) {
		fprintf(stderr, "fuzz_db_sql: cannot build the base database\n");
		abort();
	}
	free(rows);
	base = (uint8_t *)read_all(path, &base_size);
	store_unlink(path);
}

static int budget(void *ctx)
{
	return ++*(int *)ctx > 20000;   /* x 1000 VM steps */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[300];
	sqlite3 *db;
	int steps = 0;
	if (!base)
		build_base();
	char *sql = malloc(size + 1);
	if (!sql)
		return 0;
	memcpy(sql, data, size);
	sql[size] = '\0';
	fuzz_path(path, sizeof(path), "input.db");
	if (fuzz_write_file(path, base, base_size) ||
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		free(sql);
		return 0;
	}
	sqlite3_progress_handler(db, 1000, budget, &steps);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	free(sql);
	fuzz_read_database(path, fuzz_replay ? ~0u : fuzz_selector(data, size));
	return 0;
}

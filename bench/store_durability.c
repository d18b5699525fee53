/*
 * store_durability.c - what the crash safety of the store costs
 * (docs/reliability.md): the write pattern of `hpprof run` - sample rows
 * of ~20 bytes in transactions committed every 0.5 s or 20000 rows, plus
 * a few hundred stack nodes - under three settings:
 *   wal-normal    WAL, synchronous = NORMAL (what hpprof uses)
 *   wal-off       WAL, synchronous = OFF
 *   truncate-off  rollback journal TRUNCATE, synchronous = OFF (before
 *                 issue 15: a kill -9 left a hot journal that read-only
 *                 readers could not recover)
 * Each mode writes ROWS samples in commits of BATCH rows into a fresh
 * database made by store_create (the real schema), in DIR, REPEATS times;
 * the median CPU and wall time per mode are printed, with the time of the
 * final close (the checkpoint back into one file).
 *
 *   bench_store_durability DIR [ROWS [BATCH [REPEATS]]]
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/store.h"

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* One run; times in t[0] (cpu), t[1] (wall), t[2] (close wall). */
static int one(const char *path, const char *pragmas, long rows, long batch, double *t)
{
	struct hp_store *st;
	sqlite3 *db;
	sqlite3_stmt *ins;
	store_unlink(path);
	if (store_create(path, &st) || store_close(st))
		return -1;
	if (sqlite3_open(path, &db) != SQLITE_OK || exec(db, pragmas))
		return -1;
	double c0 = now(CLOCK_PROCESS_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
	exec(db, "BEGIN");
	for (int i = 1; i <= 500; i++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "INSERT INTO stack_nodes VALUES (%d, %d, %d)", i, i - 1, i);
		exec(db, sql);
	}
	sqlite3_prepare_v2(db, "INSERT INTO samples(t_ns, tid, stack_id, event, counters)"
			   " VALUES (?, ?, ?, 0, ?)", -1, &ins, NULL);
	uint8_t blob[12] = { 0x80, 0x01, 0x02, 0x03, 0x80, 0x08, 0x10 };
	for (long i = 0; i < rows; i++) {
		sqlite3_bind_int64(ins, 1, i * 1000003);
		sqlite3_bind_int64(ins, 2, 1000 + i % 4);
		sqlite3_bind_int64(ins, 3, 1 + i % 500);
		sqlite3_bind_blob(ins, 4, blob, 7, SQLITE_STATIC);
		sqlite3_step(ins);
		sqlite3_reset(ins);
		if ((i + 1) % batch == 0)
			exec(db, "COMMIT; BEGIN");
	}
	exec(db, "COMMIT");
	sqlite3_finalize(ins);
	t[0] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	t[1] = now(CLOCK_MONOTONIC) - w0;
	double z = now(CLOCK_MONOTONIC);
	exec(db, "PRAGMA journal_mode = DELETE");
	sqlite3_close(db);
	t[2] = now(CLOCK_MONOTONIC) - z;
	store_unlink(path);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const modes[][2] = {
		{ "wal-normal", "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
				" PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;" },
		{ "wal-off", "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
			     " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;" },
		{ "truncate-off", "PRAGMA journal_mode = TRUNCATE; PRAGMA synchronous = OFF;"
				  " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;" },
	};
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [ROWS [BATCH [REPEATS]]]\n", argv[0]);
		return 2;
	}
	long rows = argc > 2 ? atol(argv[2]) : 1000000, batch = argc > 3 ? atol(argv[3]) : 20000;
	int reps = argc > 4 ? atoi(argv[4]) : 5;
	char path[4096];
	snprintf(path, sizeof(path), "%s/bench-durability.db", argv[1]);
	printf("%ld sample rows, commits of %ld, median of %d runs, in %s\n", rows, batch, reps,
	       argv[1]);
	printf("%-14s %12s %12s %12s %14s\n", "mode", "cpu s", "wall s", "close s", "us/row (wall)");
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		double cpu[64], wall[64], cl[64], t[3];
		for (int r = 0; r < reps && r < 64; r++) {
			if (one(path, modes[m][1], rows, batch, t)) {
				fprintf(stderr, "run failed\n");
				return 1;
			}
			cpu[r] = t[0];
			wall[r] = t[1];
			cl[r] = t[2];
		}
		qsort(cpu, (size_t)reps, sizeof(double), cmp);
		qsort(wall, (size_t)reps, sizeof(double), cmp);
		qsort(cl, (size_t)reps, sizeof(double), cmp);
		printf("%-14s %12.3f %12.3f %12.3f %14.3f\n", modes[m][0], cpu[reps / 2], wall[reps / 2],
		       cl[reps / 2], 1e6 * wall[reps / 2] / (double)rows);
	}
	return 0;
}

/*
 * store_runs.c - the runs of a database (store.h): the one run a recorded
 * profile holds, or each input of a merged file, with what says which MPI
 * rank it was (run_info / run_meta: mpi_rank, mpi_size, hostname, mpi_job)
 * and how it ended; and the per-run compute/MPI split the analyzer writes
 * (rank_stats, behind the rank_profile view).
 */
#include "common/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/store_internal.h"

static int has_table(struct hp_store *st, const char *name)
{
	char sql[160];
	int64_t n = 0;
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
		 " AND name = '%s'", name);
	return store_each_row(st, sql, store_int_row, &n) == 0 && n > 0;
}

struct run_ctx { int (*cb)(void *, const struct hp_run_row *); void *ctx; };

static int64_t col_int(sqlite3_stmt *s, int i, int64_t dflt)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(s, i);
}

static int run_row(void *c, sqlite3_stmt *s)
{
	struct run_ctx *k = c;
	struct hp_run_row r = {
		.id = (uint32_t)sqlite3_column_int64(s, 0),
		.path = store_col_text(s, 1),
		.rank = col_int(s, 2, -1),
		.size = col_int(s, 3, -1),
		.host = store_col_text(s, 4),
		.job = store_col_text(s, 5),
		.pid = (uint32_t)col_int(s, 6, 0),
		.exit_status = col_int(s, 7, -1),
		.signal = store_col_text(s, 8),
		.interrupted = (int)col_int(s, 9, 0),
		.samples = col_int(s, 10, -1),
		.duration_ns = col_int(s, 11, -1),
		.cpu_sample_ns = col_int(s, 12, 0),
	};
	return k->cb(k->ctx, &r);
}

/* The facts of a run as columns: M(key) reads them from FROM_META. */
#define RUN_COLUMNS(M, PID)                                                              \
	M("mpi_rank") ", " M("mpi_size") ", " M("hostname") ", " M("mpi_job") ", " PID ", "

int store_each_run(struct hp_store *st, int (*cb)(void *ctx, const struct hp_run_row *r),
		   void *ctx)
{
	struct run_ctx k = { cb, ctx };
	int64_t merged = 0;
	int err = store_each_row(st, "SELECT COUNT(*) FROM runs", store_int_row, &merged);
	if (err)
		return err;
	if (!merged) {
#define META(key) "(SELECT value FROM meta WHERE key = '" key "')"
		return store_each_row(st,
			"SELECT 0, NULL, " RUN_COLUMNS(META, "(SELECT pid FROM processes ORDER BY"
			" start_ns, pid LIMIT 1)") META("exit_status") ", " META("signal") ", "
			META("interrupted") ", " META("samples") ", " META("duration_ns") ", "
			META("cpu_sample_ns"),
			run_row, &k);
#undef META
	}
	/* A file merged before run_meta existed knows its runs, not their facts. */
	if (!has_table(st, "run_meta"))
		return store_each_row(st, "SELECT id, path, NULL, NULL, NULL, NULL, (SELECT pid FROM"
				      " processes p WHERE p.run = r.id ORDER BY start_ns, pid LIMIT 1),"
				      " exit_status, NULL, NULL, samples, duration_ns, NULL FROM runs r"
				      " ORDER BY id", run_row, &k);
#define RMETA(key) "(SELECT value FROM run_meta m WHERE m.run = r.id AND m.key = '" key "')"
	return store_each_row(st,
		"SELECT r.id, r.path, " RUN_COLUMNS(RMETA, "(SELECT pid FROM processes p WHERE"
		" p.run = r.id ORDER BY start_ns, pid LIMIT 1)") "r.exit_status, " RMETA("signal")
		", " RMETA("interrupted") ", r.samples, r.duration_ns, " RMETA("cpu_sample_ns")
		" FROM runs r ORDER BY r.id",
		run_row, &k);
#undef RMETA
}

int store_write_rank_stats(struct hp_store *st, const struct hp_rank_stat *rows, uint32_t n)
{
	sqlite3_stmt *s;
	int err;
	if (!has_table(st, "rank_stats"))
		return 0;             /* written by an hpprof before the rank dimension */
	if ((err = store_begin(st)) || (err = store_exec_sql(st, "DELETE FROM rank_stats")))
		return err;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO rank_stats(run, rank, host, pid, samples,"
			       " compute_samples, mpi_samples) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &s,
			       NULL) != SQLITE_OK)
		return store_sql_err(st, "rank_stats");
	for (uint32_t i = 0; i < n && !err; i++) {
		const struct hp_rank_stat *r = &rows[i];
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		sqlite3_bind_int64(s, 1, r->run);
		if (r->rank >= 0)
			sqlite3_bind_int64(s, 2, r->rank);
		store_bind_text_or_null(s, 3, r->host);
		store_bind_id_or_null(s, 4, r->pid);
		sqlite3_bind_int64(s, 5, (int64_t)r->samples);
		sqlite3_bind_int64(s, 6, (int64_t)(r->samples - r->mpi_samples));
		sqlite3_bind_int64(s, 7, (int64_t)r->mpi_samples);
		if (sqlite3_step(s) != SQLITE_DONE)
			err = store_sql_err(st, "rank_stats");
	}
	sqlite3_finalize(s);
	return err;
}

int store_run_heap_peak_pid(struct hp_store *st, unsigned run, int64_t pid, int64_t heap_peak,
			    int64_t *out)
{
	sqlite3_stmt *s;
	*out = pid;
	int err = store_settle_pending(st);
	if (err)
		return err;
	if (sqlite3_prepare_v2(st->db, "SELECT pid FROM processes WHERE (?1 = 0 OR run = ?1)"
			       " AND heap_peak = ?3"
			       " ORDER BY pid = ?2 DESC, pid LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return store_sql_err(st, "heap peak pid");
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_int64(s, 2, pid);
	sqlite3_bind_int64(s, 3, heap_peak);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_err(st, "heap peak pid");
}

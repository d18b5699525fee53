/*
 * store.c - the hpprof database (store.h): batched writes, processes,
 * threads, samples and memory readings. The interning tables are in
 * store_intern.c, creating, opening and closing the file in store_file.c,
 * the run's facts and events in store_facts.c, the pre-aggregated stats
 * and views in store_stats.c, reads in store_read.c, merging runs in
 * store_merge.c; together they own every SQL string of the project.
 * Writers append rows inside one open transaction that is committed every
 * BATCH_ROWS rows and by store_flush(), so a crash loses at most one batch.
 * Stack frames are deduplicated into a prefix tree (stack_nodes) with
 * in-memory hash maps; a sample row is then only (time, tid, stack id[,
 * counters]). Sample rows are inserted 16 at a time by one statement (0.91
 * against 1.33 us per store_add_sample, docs/performance.md): the rows
 * waiting for it are held inside the open batch and inserted by store_flush() before
 * it commits, so a reader (another connection, which sees only committed
 * rows) sees exactly what it saw with one INSERT per row.
 *
 * Does not know about perf, DWARF or ncurses.
 */
#include "common/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/counters.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/store_internal.h"

#define ROW1  "(?,?,?,?,?,?)"
#define ROWS4 ROW1 "," ROW1 "," ROW1 "," ROW1


static const char *const stmt_sql[S_NSTMTS] = {
	[S_SET_META]     = "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
	[S_GET_META]     = "SELECT value FROM meta WHERE key = ?",
	[S_ADD_EVENT]    = "INSERT OR REPLACE INTO events(id, name, role, measured, reason, total,"
			   " enabled_ns, running_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[S_ADD_PROCESS]  = "INSERT OR IGNORE INTO processes(pid, ppid, comm, exe, start_ns)"
			   " VALUES (?, ?, ?, ?, ?)",
	[S_PROCESS_COMM] = "UPDATE processes SET comm = ?2, exe = COALESCE(?3, exe) WHERE pid = ?1",
	[S_END_PROCESS]  = "UPDATE processes SET end_ns = ?2, exit_code = ?3,"
			   " peak_rss = CASE WHEN ?4 IS NULL THEN peak_rss WHEN peak_rss IS NULL"
			   " OR ?4 > peak_rss THEN ?4 ELSE peak_rss END WHERE pid = ?1",
	[S_PROCESS_HEAP] = "UPDATE processes SET heap_peak = ?2 WHERE pid = ?1",
	[S_PROCESS_PEAK] = "UPDATE processes SET peak_rss = ?2 WHERE pid = ?1"
			   " AND (peak_rss IS NULL OR peak_rss < ?2)",
	[S_ADD_THREAD]   = "INSERT OR IGNORE INTO threads(tid, pid, comm, start_ns) VALUES (?, ?, ?, ?)",
	[S_THREAD_COMM]  = "UPDATE threads SET comm = ?2 WHERE tid = ?1",
	[S_END_THREAD]   = "UPDATE threads SET end_ns = ?2 WHERE tid = ?1",
	[S_ADD_MODULE]   = "INSERT INTO modules(id, path, build_id) VALUES (?, ?, ?)",
	[S_ADD_LOCATION] = "INSERT INTO locations(id, module_id, addr) VALUES (?, ?, ?)",
	[S_ADD_NODE]     = "INSERT INTO stack_nodes(id, parent, location_id) VALUES (?, ?, ?)",
	[S_ADD_SAMPLE]   = "INSERT INTO samples(t_ns, tid, stack_id, event, counters, unwind)"
			   " VALUES (?, ?, ?, ?, ?, ?)",
	[S_ADD_MEMORY]   = "INSERT INTO memory(pid, t_ns, rss_bytes, heap_bytes, rss_anon, rss_file,"
			   " rss_shmem) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[S_ADD_FILE]     = "INSERT INTO files(id, path) VALUES (?, ?)",
	[S_ADD_FUNCTION] = "INSERT INTO functions(id, name, module_id, file_id, raw_name)"
			   " VALUES (?, ?, ?, ?, ?)",
	[S_ADD_LOCFRAME] = "INSERT OR REPLACE INTO location_frames(location_id, depth, function_id,"
			   " file_id, line) VALUES (?, ?, ?, ?, ?)",
	[S_ADD_FSTAT]    = "INSERT OR REPLACE INTO function_stats(function_id, self_samples,"
			   " total_samples) VALUES (?, ?, ?)",
	[S_ADD_LSTAT]    = "INSERT INTO line_stats(file_id, line, function_id, self_samples)"
			   " VALUES (?, ?, ?, ?)",
	[S_ADD_FCOUNTER] = "INSERT OR REPLACE INTO function_counter_stats(function_id, event_id,"
			   " self_value, total_value) VALUES (?, ?, ?, ?)",
	[S_ADD_RAW]      = "INSERT INTO raw_records(t_ns, ring, type, record) VALUES (?, ?, ?, ?)",
	[S_ADD_LCOUNTER] = "INSERT INTO line_counter_stats(file_id, line, function_id, event_id,"
			   " self_value) VALUES (?, ?, ?, ?, ?)",
	[S_END_OPEN_PROCESS] = "UPDATE processes SET end_ns = ?2 WHERE pid = ?1 AND end_ns IS NULL",
	[S_ADD_SIMCOST]  = "INSERT INTO sim_costs(function_id, file_id, line, event_id, value)"
			   " VALUES (?, ?, ?, ?, ?)",
	[S_ADD_SAMPLES]  = "INSERT INTO samples(t_ns, tid, stack_id, event, counters, unwind) VALUES "
			   ROWS4 "," ROWS4 "," ROWS4 "," ROWS4,
};
_Static_assert(SAMPLE_ROWS == 16, "S_ADD_SAMPLES holds 16 rows");


int store_sql_err(struct hp_store *st, const char *what)
{
	const char *msg = sqlite3_errmsg(st->db);
	int code = sqlite3_extended_errcode(st->db);
	hp_debug(HP_DBG_STORE, 1, "%s: %s", what, msg);
	switch (code & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOTADB:
		return -HP_ENOTDB;
	case SQLITE_CORRUPT:
		return hp_damaged("SQLite: %s", msg);
	case SQLITE_TOOBIG:
		return hp_damaged("a value is larger than the %d bytes hpprof reads", STORE_MAX_VALUE);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -HP_ELOCKED;
	case SQLITE_READONLY:
		return code == SQLITE_READONLY_ROLLBACK || code == SQLITE_READONLY_RECOVERY ||
		       code == SQLITE_READONLY_CANTINIT ? -HP_EHOTJOURNAL : -EACCES;
	case SQLITE_PERM:
		return -EACCES;
	case SQLITE_CANTOPEN:               /* the system's reason when it has one */
		return sqlite3_system_errno(st->db) > 0 ? -sqlite3_system_errno(st->db) : -ENOENT;
	case SQLITE_IOERR:
		return -EIO;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return hp_error_detail(-HP_ESQL, "%s", msg);
	}
}

const char *store_errmsg(struct hp_store *st)
{
	return st && st->db ? sqlite3_errmsg(st->db) : "no database";
}

int store_exec_sql(struct hp_store *st, const char *sql)
{
	int perr = store_settle_pending(st);
	if (perr)
		return perr;
	char *msg = NULL;
	st->bounds_valid = 0;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		hp_debug(HP_DBG_STORE, 1, "exec '%.60s': %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return store_sql_err(st, "exec");
	}
	return 0;
}

sqlite3_stmt *store_stmt(struct hp_store *st, enum stmt_id id)
{
	if (!st->stmt[id] &&
	    sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
			       &st->stmt[id], NULL) != SQLITE_OK) {
		hp_err("cannot prepare statement: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	return st->stmt[id];
}

int store_begin(struct hp_store *st)
{
	if (st->in_txn)
		return 0;
	int err = store_exec_sql(st, "BEGIN");
	if (!err)
		st->in_txn = 1;
	return err;
}

int store_flush(struct hp_store *st)
{
	if (!st->in_txn)
		return 0;
	int perr = store_insert_pending(st);
	if (perr) {
		/* As after any failed write: the batch stays open, and what it
		 * holds is committed by the next flush or the close. */
		return perr;
	}
	/* The rows that waited may have filled the batch, which then
	 * committed itself (store_step_rows): nothing is open to commit. */
	if (!st->in_txn)
		return 0;
	st->in_txn = 0;
	st->batch_rows = 0;
	int err = store_exec_sql(st, "COMMIT");
	/* The first commit of a new file is written with synchronous = OFF
	 * (store_create): later ones sync as writer_pragmas says. */
	if (!err && st->unsynced_start) {
		st->unsynced_start = 0;
		err = store_exec_sql(st, "PRAGMA synchronous = NORMAL");
	}
	/* tests/e2e/run_kill9.sh reads this line: the samples a file must keep */
	if (!err)
		hp_debug(HP_DBG_STORE, 1, "committed: %llu samples",
			 (unsigned long long)st->samples_added);
	return err;
}

/* Run a prepared write statement (already bound) inside the batch. */
int store_step_write(struct hp_store *st, sqlite3_stmt *s)
{
	return store_step_rows(st, s, 1);
}

/* The same for a statement that writes rows rows. */
int store_step_rows(struct hp_store *st, sqlite3_stmt *s, unsigned rows)
{
	int err = store_begin(st);
	if (err)
		return err;
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	st->bounds_valid = 0;
	if (rc != SQLITE_DONE)
		return store_sql_err(st, "write");
	st->batch_rows += rows;
	if (st->batch_rows >= BATCH_ROWS)
		return store_flush(st);
	return 0;
}

void store_bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_id_or_null(sqlite3_stmt *s, int i, uint32_t id)
{
	if (id)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

/* Generic read loop: prepare sql, call row(ctx, stmt) per row. */
int store_each_row(struct hp_store *st, const char *sql,
		    int (*row)(void *ctx, sqlite3_stmt *s), void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = store_settle_pending(st);
	if (ret)
		return ret;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sql_err(st, sql);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = row(ctx, s)))
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = store_sql_err(st, sql);
	sqlite3_finalize(s);
	return ret;
}


/* --- processes, threads --- */

int store_add_process(struct hp_store *st, uint32_t pid, uint32_t ppid, const char *comm,
		      const char *exe, uint64_t start_ns)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_PROCESS);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	store_bind_id_or_null(s, 2, ppid);
	store_bind_text_or_null(s, 3, comm);
	store_bind_text_or_null(s, 4, exe);
	sqlite3_bind_int64(s, 5, (int64_t)start_ns);
	return store_step_write(st, s);
}

int store_set_process_comm(struct hp_store *st, uint32_t pid, const char *comm, const char *exe)
{
	sqlite3_stmt *s = store_stmt(st, S_PROCESS_COMM);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	store_bind_text_or_null(s, 2, comm);
	store_bind_text_or_null(s, 3, exe);
	return store_step_write(st, s);
}

int store_end_process(struct hp_store *st, uint32_t pid, uint64_t end_ns, int exit_code,
		      int64_t peak_rss)
{
	sqlite3_stmt *s = store_stmt(st, S_END_PROCESS);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_int64(s, 2, (int64_t)end_ns);
	if (exit_code >= 0)
		sqlite3_bind_int(s, 3, exit_code);
	if (peak_rss >= 0)
		sqlite3_bind_int64(s, 4, peak_rss);
	return store_step_write(st, s);
}

int store_end_open_process(struct hp_store *st, uint32_t pid, uint64_t end_ns)
{
	sqlite3_stmt *s = store_stmt(st, S_END_OPEN_PROCESS);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_int64(s, 2, (int64_t)end_ns);
	return store_step_write(st, s);
}

int store_add_thread(struct hp_store *st, uint32_t tid, uint32_t pid, const char *comm,
		     uint64_t start_ns)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_THREAD);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, pid);
	store_bind_text_or_null(s, 3, comm);
	sqlite3_bind_int64(s, 4, (int64_t)start_ns);
	return store_step_write(st, s);
}

int store_set_thread_comm(struct hp_store *st, uint32_t tid, const char *comm)
{
	sqlite3_stmt *s = store_stmt(st, S_THREAD_COMM);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, tid);
	store_bind_text_or_null(s, 2, comm);
	return store_step_write(st, s);
}

int store_end_thread(struct hp_store *st, uint32_t tid, uint64_t end_ns)
{
	sqlite3_stmt *s = store_stmt(st, S_END_THREAD);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, (int64_t)end_ns);
	return store_step_write(st, s);
}

/* Bind pending row p at the statement's parameters from base+1. */
static void bind_pending(sqlite3_stmt *s, int base, const struct pending_sample *p)
{
	sqlite3_bind_int64(s, base + 1, p->t_ns);
	sqlite3_bind_int64(s, base + 2, p->tid);
	sqlite3_bind_int64(s, base + 3, p->stack_id);
	sqlite3_bind_int(s, base + 4, p->event);
	if (p->nblob)
		sqlite3_bind_blob(s, base + 5, p->blob, (int)p->nblob, SQLITE_STATIC);
	if (p->unwind >= 0)
		sqlite3_bind_int(s, base + 6, p->unwind);
}

/* Insert the rows waiting in st->pending, in their order (so their rowids
 * are those one INSERT per row gives): one statement for a full set, one
 * per row for fewer. 0 or an error; the rows are dropped either way. */
int store_insert_pending(struct hp_store *st)
{
	unsigned n = st->npending;
	int err = 0;
	st->npending = 0;
	if (!n)
		return 0;
	if (n == SAMPLE_ROWS) {
		sqlite3_stmt *s = store_stmt(st, S_ADD_SAMPLES);
		if (!s)
			return -HP_ESQL;
		for (unsigned i = 0; i < n; i++)
			bind_pending(s, (int)i * 6, &st->pending[i]);
		return store_step_rows(st, s, n);
	}
	sqlite3_stmt *s = store_stmt(st, S_ADD_SAMPLE);
	if (!s)
		return -HP_ESQL;
	for (unsigned i = 0; i < n && !err; i++) {
		bind_pending(s, 0, &st->pending[i]);
		err = store_step_rows(st, s, 1);
	}
	return err;
}

int store_settle_pending(struct hp_store *st)
{
	return st->npending ? store_insert_pending(st) : 0;
}

int store_add_sample(struct hp_store *st, const struct hp_sample *smp)
{
	uint32_t stack_id;
	int err = store_intern_stack(st, smp->frames, smp->nr_frames, &stack_id);
	if (!err)
		err = store_begin(st);   /* a waiting row is always inside the batch */
	if (err)
		return err;
	struct pending_sample *p = &st->pending[st->npending++];
	p->t_ns = (int64_t)smp->t_ns;
	p->tid = smp->tid;
	p->stack_id = stack_id;
	p->event = smp->event;
	p->unwind = smp->unwind >= 0 ? smp->unwind : -1;
	p->nblob = smp->nr_counters ? (uint32_t)counters_encode(smp->counters, smp->nr_counters,
								 p->blob) : 0;
	st->samples_added++;
	if (st->tap)
		st->tap(st->tap_ctx, smp);
	return st->npending == SAMPLE_ROWS ? store_insert_pending(st) : 0;
}

void store_set_sample_tap(struct hp_store *st,
			  void (*tap)(void *ctx, const struct hp_sample *s), void *ctx)
{
	st->tap = tap;
	st->tap_ctx = ctx;
}

const char *store_module_path(struct hp_store *st, uint32_t id)
{
	return id && id <= st->nmodules && st->module_paths ? st->module_paths[id] : NULL;
}

int store_add_memory(struct hp_store *st, const struct hp_mem_reading *m)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_MEMORY);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, m->pid);
	sqlite3_bind_int64(s, 2, (int64_t)m->t_ns);
	sqlite3_bind_int64(s, 3, (int64_t)m->rss_bytes);
	if (m->heap_bytes >= 0)
		sqlite3_bind_int64(s, 4, m->heap_bytes);
	if (m->split) {
		sqlite3_bind_int64(s, 5, (int64_t)m->rss_anon);
		sqlite3_bind_int64(s, 6, (int64_t)m->rss_file);
		sqlite3_bind_int64(s, 7, (int64_t)m->rss_shmem);
	}
	return store_step_write(st, s);
}

int store_note_process_peak(struct hp_store *st, uint32_t pid, int64_t peak_rss)
{
	sqlite3_stmt *s = store_stmt(st, S_PROCESS_PEAK);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_int64(s, 2, peak_rss);
	return store_step_write(st, s);
}

int store_set_process_heap(struct hp_store *st, uint32_t pid, int64_t heap_peak)
{
	sqlite3_stmt *s = store_stmt(st, S_PROCESS_HEAP);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_int64(s, 2, heap_peak);
	return store_step_write(st, s);
}

int store_add_raw_record(struct hp_store *st, uint64_t t_ns, uint32_t ring, const void *rec,
			 uint32_t size)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_RAW);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, (int64_t)t_ns);
	sqlite3_bind_int(s, 2, (int)ring);
	sqlite3_bind_int(s, 3, *(const uint32_t *)rec);             /* perf_event_header.type */
	sqlite3_bind_blob(s, 4, rec, (int)size, SQLITE_TRANSIENT);
	return store_step_write(st, s);
}

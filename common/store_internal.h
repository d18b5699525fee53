/*
 * store_internal.h - what the store's source files share (store.c: the
 * file, writes and interning; store_facts.c: run_info and events;
 * store_stats.c: the pre-aggregated profile and its views; store_read.c:
 * iterators and ad-hoc reads; store_merge.c: merging runs). Not part of the store's interface: only
 * common/store*.c include it.
 */
#ifndef HP_STORE_INTERNAL_H
#define HP_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "common/counters.h"
#include "common/hmap.h"
#include "common/record.h"
#include "common/store.h"

enum stmt_id {
	S_SET_META, S_GET_META, S_ADD_EVENT, S_ADD_PROCESS, S_PROCESS_COMM, S_END_PROCESS,
	S_ADD_THREAD, S_THREAD_COMM, S_END_THREAD, S_ADD_MODULE, S_ADD_LOCATION, S_ADD_NODE,
	S_ADD_SAMPLE, S_ADD_MEMORY, S_ADD_FILE, S_ADD_FUNCTION, S_ADD_LOCFRAME,
	S_ADD_FSTAT, S_ADD_LSTAT, S_ADD_FCOUNTER, S_ADD_LCOUNTER, S_ADD_RAW, S_PROCESS_HEAP, S_PROCESS_PEAK,
	S_END_OPEN_PROCESS, S_ADD_SIMCOST, S_ADD_SAMPLES, S_NSTMTS
};

/* The largest text or blob a store reads or writes (SQLITE_LIMIT_LENGTH). */
#define STORE_MAX_VALUE (16 << 20)
/* Source lines beyond this are damage, not code (annotate sizes arrays by line). */
#define STORE_MAX_LINE (1u << 22)

/* Tables whose ids index readers' arrays, with the bound their ids must
 * respect (store_read.c). */
enum store_table { TB_MODULES, TB_FILES, TB_FUNCTIONS, TB_LOCATIONS, TB_NODES, TB_EVENTS, TB_N };

/* Sample rows are inserted SAMPLE_ROWS at a time by one statement
 * (S_ADD_SAMPLES): they wait in the store until then, always inside the
 * open write batch, and store_flush() inserts what waits before it
 * commits. Readers (other connections) see rows only at a commit, so
 * they see the same rows as with one INSERT per row (store.c). */
#define SAMPLE_ROWS 16

/* Rows of one write transaction: it commits on its BATCH_ROWS-th row. */
#define BATCH_ROWS 20000

/* A sample row waiting for its multi-row INSERT. */
struct pending_sample {
	int64_t t_ns, tid, stack_id;
	int event, unwind;          /* unwind < 0: NULL */
	uint32_t nblob;             /* 0: counters NULL */
	uint8_t blob[HP_COUNTERS_MAX_BYTES(HP_MAX_COUNTERS)];
};

struct hp_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_NSTMTS];
	int in_txn;
	unsigned batch_rows;
	int writable;
	int lock_fd1;               /* the writer lock's descriptor + 1 (store_create_file), 0: none */
	int unsynced_start;         /* a new file before its first commit: synchronous = OFF */
	int no_raw_name;            /* a file from before functions.raw_name, opened read-only */
	/* interning state for writers */
	struct hp_hmap modules;     /* hash(path) -> id (collisions checked by path list) */
	char **module_paths;        /* id -> path */
	size_t module_paths_cap;
	uint32_t nmodules;
	struct hp_hmap locations;   /* key(module, addr) -> id */
	uint32_t nlocations;
	void (*on_location)(void *ctx, const char *path, uint64_t addr);   /* store_on_location */
	void *on_location_ctx;
	struct hp_hmap nodes;       /* key(parent, location) -> id */
	uint32_t nnodes;
	struct hp_hmap files;       /* hash(path) -> id */
	char **file_paths;
	size_t file_paths_cap;
	uint32_t nfiles;
	struct hp_hmap functions;   /* hash(name, module) -> id */
	char **function_names;
	size_t function_names_cap;
	uint32_t *function_modules;
	size_t function_modules_cap;
	uint32_t nfunctions;
	int interning_loaded;
	/* largest valid id per table (store_bounds), valid until the next write */
	int64_t max_id[TB_N];
	int bounds_valid;
	sqlite3_stmt *bounds;         /* store_bounds' statement, kept for the next call */
	uint64_t samples_added;       /* sample rows written through this store */
	struct pending_sample pending[SAMPLE_ROWS]; /* rows not yet inserted (in the batch) */
	unsigned npending;
	void (*tap)(void *ctx, const struct hp_sample *s); /* store_set_sample_tap */
	void *tap_ctx;
	char private_dir[4096];       /* a private copy being read (store_file.c), or "" */
	struct store_ahead *ahead;    /* store_sync_ahead's thread, joined at the close */
};

/* Map SQLite's last error to a negative code (logged at debug level). */
int store_sql_err(struct hp_store *st, const char *what);
/* Run SQL without results; 0 or an error. */
int store_exec_sql(struct hp_store *st, const char *sql);
/* Open the write batch if none is open. */
int store_begin(struct hp_store *st);
/* The prepared statement for id (prepared on first use), or NULL. */
sqlite3_stmt *store_stmt(struct hp_store *st, enum stmt_id id);
/* Step a bound write statement inside the batch; commits every BATCH_ROWS. */
int store_step_write(struct hp_store *st, sqlite3_stmt *s);
/* The same for a statement that writes rows rows (S_ADD_SAMPLES). */
int store_step_rows(struct hp_store *st, sqlite3_stmt *s, unsigned rows);
/* Insert the sample rows waiting for their multi-row INSERT (store_flush
 * does it before it commits). */
int store_insert_pending(struct hp_store *st);
/* The same when rows wait: every read and SQL execution on the writer's own
 * connection does it first (store_each_row, store_exec_sql, the view
 * reader), so the writer reads every sample it added, as before. */
int store_settle_pending(struct hp_store *st);
void store_bind_text_or_null(sqlite3_stmt *s, int i, const char *v);
void store_bind_id_or_null(sqlite3_stmt *s, int i, uint32_t id);
/* Prepare sql and call row() per result row; stops at its first non-zero. */
int store_each_row(struct hp_store *st, const char *sql,
		   int (*row)(void *ctx, sqlite3_stmt *s), void *ctx);
/* Append name to buf as a quoted SQL identifier ("cache-misses"). */
void store_append_ident(char *buf, size_t cap, const char *name);
/* A store_each_row callback: the first column as int64 into *(int64_t *)c. */
int store_int_row(void *c, sqlite3_stmt *s);
/* Read (once until the next write) the largest id of each id-indexed
 * table into st->max_id[], refusing a file whose ids are out of all
 * proportion to its rows: readers size arrays by id, so the ids of
 * every table must stay within 2 x its rows + 1024 (hpprof numbers rows
 * 1..n). Returns 0 or -HP_ECORRUPT with the detail. */
int store_bounds(struct hp_store *st);
/* v as an id of table t read from a row: 0 when 1 <= v <= max_id[t] (or 0
 * <= v with may_be_zero), else -HP_ECORRUPT naming what (e.g.
 * "stack_nodes.location_id"). */
int store_check_id(struct hp_store *st, enum store_table t, int64_t v, int may_be_zero,
		   const char *what);
/* store_each_row after store_bounds. */
int store_each_checked_row(struct hp_store *st, const char *sql,
			   int (*row)(void *ctx, sqlite3_stmt *s), void *ctx);
/* Build the interning maps from the file's rows (once). */
int store_load_interning(struct hp_store *st);
int store_intern_location(struct hp_store *st, const struct hp_location *loc, uint32_t *id);
int store_intern_node(struct hp_store *st, uint32_t parent, uint32_t location, uint32_t *id);
/* Insert a modules row (no interning). */
int store_insert_module(struct hp_store *st, uint32_t id, const char *path, const char *build_id);
/* Set string number id (1-based) of a growable array to a copy of str. */
int store_push_string(char ***strings, size_t *cap, uint32_t id, const char *str);

static inline const char *store_col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Text of a NOT NULL column: "" when the file has NULL there. */
static inline const char *store_col_text_nn(sqlite3_stmt *s, int i)
{
	const char *t = store_col_text(s, i);
	return t ? t : "";
}

#endif

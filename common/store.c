/*
 * store.c - the hpprof database (store.h): schema, batching, interning, iterators.
 *
 * Owns every SQL string of the project. Writers append rows inside one open
 * transaction that is committed every BATCH_ROWS rows and by store_flush(),
 * so a crash loses at most one batch. Stack frames are deduplicated into a
 * prefix tree (stack_nodes) with in-memory hash maps; a sample row is then
 * only (time, tid, stack id[, counters]).
 *
 * Does not know about perf, DWARF or ncurses.
 */
#include "common/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/counters.h"
#include "common/error.h"
#include "common/hmap.h"
#include "common/log.h"

extern const char hp_schema_sql[];

#define BATCH_ROWS 20000

enum stmt_id {
	S_SET_META, S_GET_META, S_ADD_EVENT, S_ADD_PROCESS, S_PROCESS_COMM, S_END_PROCESS,
	S_ADD_THREAD, S_THREAD_COMM, S_END_THREAD, S_ADD_MODULE, S_ADD_LOCATION, S_ADD_NODE,
	S_ADD_SAMPLE, S_ADD_MEMORY, S_ADD_FILE, S_ADD_FUNCTION, S_ADD_LOCFRAME,
	S_ADD_FSTAT, S_ADD_LSTAT, S_ADD_FCOUNTER, S_ADD_LCOUNTER, S_NSTMTS
};

static const char *const stmt_sql[S_NSTMTS] = {
	[S_SET_META]     = "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
	[S_GET_META]     = "SELECT value FROM meta WHERE key = ?",
	[S_ADD_EVENT]    = "INSERT OR REPLACE INTO events(id, name, role, measured, reason, total,"
			   " enabled_ns, running_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[S_ADD_PROCESS]  = "INSERT OR IGNORE INTO processes(pid, ppid, comm, exe, start_ns)"
			   " VALUES (?, ?, ?, ?, ?)",
	[S_PROCESS_COMM] = "UPDATE processes SET comm = ?2, exe = COALESCE(?3, exe) WHERE pid = ?1",
	[S_END_PROCESS]  = "UPDATE processes SET end_ns = ?2, exit_code = ?3,"
			   " peak_rss = COALESCE(?4, peak_rss) WHERE pid = ?1",
	[S_ADD_THREAD]   = "INSERT OR IGNORE INTO threads(tid, pid, comm, start_ns) VALUES (?, ?, ?, ?)",
	[S_THREAD_COMM]  = "UPDATE threads SET comm = ?2 WHERE tid = ?1",
	[S_END_THREAD]   = "UPDATE threads SET end_ns = ?2 WHERE tid = ?1",
	[S_ADD_MODULE]   = "INSERT INTO modules(id, path, build_id) VALUES (?, ?, ?)",
	[S_ADD_LOCATION] = "INSERT INTO locations(id, module_id, addr) VALUES (?, ?, ?)",
	[S_ADD_NODE]     = "INSERT INTO stack_nodes(id, parent, location_id) VALUES (?, ?, ?)",
	[S_ADD_SAMPLE]   = "INSERT INTO samples(t_ns, tid, stack_id, event, counters) VALUES (?, ?, ?, ?, ?)",
	[S_ADD_MEMORY]   = "INSERT INTO memory(pid, t_ns, rss_bytes, heap_bytes) VALUES (?, ?, ?, ?)",
	[S_ADD_FILE]     = "INSERT INTO files(id, path) VALUES (?, ?)",
	[S_ADD_FUNCTION] = "INSERT INTO functions(id, name, module_id, file_id) VALUES (?, ?, ?, ?)",
	[S_ADD_LOCFRAME] = "INSERT OR REPLACE INTO location_frames(location_id, depth, function_id,"
			   " file_id, line) VALUES (?, ?, ?, ?, ?)",
	[S_ADD_FSTAT]    = "INSERT OR REPLACE INTO function_stats(function_id, self_samples,"
			   " total_samples) VALUES (?, ?, ?)",
	[S_ADD_LSTAT]    = "INSERT INTO line_stats(file_id, line, function_id, self_samples)"
			   " VALUES (?, ?, ?, ?)",
	[S_ADD_FCOUNTER] = "INSERT OR REPLACE INTO function_counter_stats(function_id, event_id,"
			   " self_value, total_value) VALUES (?, ?, ?, ?)",
	[S_ADD_LCOUNTER] = "INSERT INTO line_counter_stats(file_id, line, function_id, event_id,"
			   " self_value) VALUES (?, ?, ?, ?, ?)",
};

struct hp_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_NSTMTS];
	int in_txn;
	unsigned batch_rows;
	int writable;
	/* interning state for writers */
	struct hp_hmap modules;     /* hash(path) -> id (collisions checked by path list) */
	char **module_paths;        /* id -> path */
	uint32_t nmodules;
	struct hp_hmap locations;   /* key(module, addr) -> id */
	uint32_t nlocations;
	struct hp_hmap nodes;       /* key(parent, location) -> id */
	uint32_t nnodes;
	struct hp_hmap files;       /* hash(path) -> id */
	char **file_paths;
	uint32_t nfiles;
	struct hp_hmap functions;   /* hash(name, module) -> id */
	char **function_names;
	uint32_t *function_modules;
	uint32_t nfunctions;
	int interning_loaded;
};

static int sql_err(struct hp_store *st, const char *what)
{
	hp_debug(HP_DBG_STORE, 1, "%s: %s", what, sqlite3_errmsg(st->db));
	int code = sqlite3_errcode(st->db);
	if (code == SQLITE_FULL)
		return -ENOSPC;
	if (code == SQLITE_NOTADB)
		return -HP_ENOTDB;
	if (code == SQLITE_CORRUPT)
		return -HP_ECORRUPT;
	if (code == SQLITE_READONLY || code == SQLITE_PERM)
		return -EACCES;
	if (code == SQLITE_CANTOPEN)
		return -ENOENT;
	if (code == SQLITE_IOERR)
		return -EIO;
	return -HP_ESQL;
}

const char *store_errmsg(struct hp_store *st)
{
	return st && st->db ? sqlite3_errmsg(st->db) : "no database";
}

static int exec(struct hp_store *st, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		hp_debug(HP_DBG_STORE, 1, "exec '%.60s': %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return sql_err(st, "exec");
	}
	return 0;
}

static sqlite3_stmt *stmt(struct hp_store *st, enum stmt_id id)
{
	if (!st->stmt[id] &&
	    sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
			       &st->stmt[id], NULL) != SQLITE_OK) {
		hp_err("cannot prepare statement: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	return st->stmt[id];
}

static int begin(struct hp_store *st)
{
	if (st->in_txn)
		return 0;
	int err = exec(st, "BEGIN");
	if (!err)
		st->in_txn = 1;
	return err;
}

int store_flush(struct hp_store *st)
{
	if (!st->in_txn)
		return 0;
	st->in_txn = 0;
	st->batch_rows = 0;
	return exec(st, "COMMIT");
}

/* Run a prepared write statement (already bound) inside the batch. */
static int step_write(struct hp_store *st, sqlite3_stmt *s)
{
	int err = begin(st);
	if (err)
		return err;
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return sql_err(st, "write");
	if (++st->batch_rows >= BATCH_ROWS)
		return store_flush(st);
	return 0;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bind_id_or_null(sqlite3_stmt *s, int i, uint32_t id)
{
	if (id)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

int store_create(const char *path, struct hp_store **out)
{
	struct hp_store *st;
	char pragma[128];
	int err, fd;

	/* O_EXCL: never silently replace a file (the caller rotates it first). */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->writable = 1;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		err = sql_err(st, "open");
		goto fail;
	}
	/* WAL would leave -wal/-shm files beside the output; a profile is
	 * written by one process, so a rollback journal is enough. */
	sqlite3_busy_timeout(st->db, 2000);
	err = exec(st, "PRAGMA journal_mode = TRUNCATE; PRAGMA synchronous = OFF;"
		       " PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;"
		       " PRAGMA page_size = 4096;");
	if (err)
		goto fail;
	snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 HP_STORE_APPLICATION_ID, HP_STORE_VERSION);
	if ((err = exec(st, "BEGIN")) || (err = exec(st, hp_schema_sql)) ||
	    (err = exec(st, pragma)) || (err = exec(st, "COMMIT")))
		goto fail;
	*out = st;
	return 0;
fail:
	if (st->db)
		sqlite3_close_v2(st->db);
	free(st);
	unlink(path);
	return err;
}

static int pragma_int(struct hp_store *st, const char *sql, int64_t *v)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, sql);
	int rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_err(st, sql);
}

static int check_identity(struct hp_store *st)
{
	int64_t app, ver;
	int err = pragma_int(st, "PRAGMA application_id", &app);
	if (err)
		return err;
	if (app != HP_STORE_APPLICATION_ID)
		return -HP_ENOTDB;
	if ((err = pragma_int(st, "PRAGMA user_version", &ver)))
		return err;
	if (ver > HP_STORE_VERSION)
		return -HP_ENEWER;
	if (ver < 1)
		return -HP_ECORRUPT;
	return 0;
}

int store_open(const char *path, int writable, struct hp_store **out)
{
	struct hp_store *st;
	struct stat sb;
	int err;

	if (stat(path, &sb) < 0)
		return -errno;
	if (S_ISDIR(sb.st_mode))
		return -EISDIR;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->writable = writable;
	if (sqlite3_open_v2(path, &st->db, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
			    NULL) != SQLITE_OK) {
		err = sql_err(st, "open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 2000);
	if ((err = check_identity(st)))
		goto fail;
	if (writable && (err = exec(st, "PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;"
				       " PRAGMA cache_size = -65536;")))
		goto fail;
	if (!writable)
		exec(st, "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
	*out = st;
	return 0;
fail:
	sqlite3_close_v2(st->db);
	free(st);
	return err;
}

static void free_strings(char **v, uint32_t n)
{
	for (uint32_t i = 1; i <= n && v; i++)
		free(v[i]);
	free(v);
}

int store_close(struct hp_store *st)
{
	int err = 0;
	if (!st)
		return 0;
	if (st->in_txn)
		err = store_flush(st);
	for (int i = 0; i < S_NSTMTS; i++)
		sqlite3_finalize(st->stmt[i]);
	if (sqlite3_close_v2(st->db) != SQLITE_OK && !err)
		err = -HP_ESQL;
	hmap_release(&st->modules);
	hmap_release(&st->locations);
	hmap_release(&st->nodes);
	hmap_release(&st->files);
	hmap_release(&st->functions);
	free_strings(st->module_paths, st->nmodules);
	free_strings(st->file_paths, st->nfiles);
	free_strings(st->function_names, st->nfunctions);
	free(st->function_modules);
	free(st);
	return err;
}

/* --- meta --- */

int store_set_meta(struct hp_store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = stmt(st, S_SET_META);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 2, value);
	return step_write(st, s);
}

int store_set_meta_int(struct hp_store *st, const char *key, int64_t value)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)value);
	return store_set_meta(st, key, buf);
}

int store_get_meta(struct hp_store *st, const char *key, char **value)
{
	sqlite3_stmt *s = stmt(st, S_GET_META);
	*value = NULL;
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*value = strdup((const char *)sqlite3_column_text(s, 0));
		if (!*value)
			rc = SQLITE_NOMEM;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_NOMEM)
		return -ENOMEM;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_err(st, "get meta");
}

int64_t store_get_meta_int(struct hp_store *st, const char *key, int64_t dflt)
{
	char *v;
	if (store_get_meta(st, key, &v) < 0 || !v)
		return dflt;
	int64_t r = strtoll(v, NULL, 10);
	free(v);
	return r;
}

/* Generic read loop: prepare sql, call row(ctx, stmt) per row. */
static int each_row(struct hp_store *st, const char *sql,
		    int (*row)(void *ctx, sqlite3_stmt *s), void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, sql);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = row(ctx, s)))
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = sql_err(st, sql);
	sqlite3_finalize(s);
	return ret;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

struct meta_ctx { int (*cb)(void *, const char *, const char *); void *ctx; };

static int meta_row(void *c, sqlite3_stmt *s)
{
	struct meta_ctx *m = c;
	return m->cb(m->ctx, col_text(s, 0), col_text(s, 1));
}

int store_each_meta(struct hp_store *st,
		    int (*cb)(void *ctx, const char *key, const char *value), void *ctx)
{
	struct meta_ctx m = { cb, ctx };
	return each_row(st, "SELECT key, value FROM meta ORDER BY key", meta_row, &m);
}

/* --- events, processes, threads --- */

int store_add_event(struct hp_store *st, const struct hp_event_info *ev)
{
	sqlite3_stmt *s = stmt(st, S_ADD_EVENT);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int(s, 1, ev->id);
	sqlite3_bind_text(s, 2, ev->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ev->role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 4, ev->measured);
	bind_text_or_null(s, 5, ev->reason);
	if (ev->total >= 0)
		sqlite3_bind_int64(s, 6, ev->total);
	sqlite3_bind_int64(s, 7, (int64_t)ev->enabled_ns);
	sqlite3_bind_int64(s, 8, (int64_t)ev->running_ns);
	return step_write(st, s);
}

struct event_ctx { int (*cb)(void *, const struct hp_event_info *); void *ctx; };

static int event_row(void *c, sqlite3_stmt *s)
{
	struct event_ctx *e = c;
	struct hp_event_info ev = {
		.id = sqlite3_column_int(s, 0),
		.name = col_text(s, 1),
		.role = col_text(s, 2),
		.measured = sqlite3_column_int(s, 3),
		.reason = col_text(s, 4),
		.total = sqlite3_column_type(s, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 5),
		.enabled_ns = (uint64_t)sqlite3_column_int64(s, 6),
		.running_ns = (uint64_t)sqlite3_column_int64(s, 7),
	};
	return e->cb(e->ctx, &ev);
}

int store_each_event(struct hp_store *st,
		     int (*cb)(void *ctx, const struct hp_event_info *ev), void *ctx)
{
	struct event_ctx e = { cb, ctx };
	return each_row(st, "SELECT id, name, role, measured, reason, total, enabled_ns,"
			    " running_ns FROM events ORDER BY id", event_row, &e);
}

int store_add_process(struct hp_store *st, uint32_t pid, uint32_t ppid, const char *comm,
		      const char *exe, uint64_t start_ns)
{
	sqlite3_stmt *s = stmt(st, S_ADD_PROCESS);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	bind_id_or_null(s, 2, ppid);
	bind_text_or_null(s, 3, comm);
	bind_text_or_null(s, 4, exe);
	sqlite3_bind_int64(s, 5, (int64_t)start_ns);
	return step_write(st, s);
}

int store_set_process_comm(struct hp_store *st, uint32_t pid, const char *comm, const char *exe)
{
	sqlite3_stmt *s = stmt(st, S_PROCESS_COMM);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	bind_text_or_null(s, 2, comm);
	bind_text_or_null(s, 3, exe);
	return step_write(st, s);
}

int store_end_process(struct hp_store *st, uint32_t pid, uint64_t end_ns, int exit_code,
		      int64_t peak_rss)
{
	sqlite3_stmt *s = stmt(st, S_END_PROCESS);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_int64(s, 2, (int64_t)end_ns);
	if (exit_code >= 0)
		sqlite3_bind_int(s, 3, exit_code);
	if (peak_rss >= 0)
		sqlite3_bind_int64(s, 4, peak_rss);
	return step_write(st, s);
}

int store_add_thread(struct hp_store *st, uint32_t tid, uint32_t pid, const char *comm,
		     uint64_t start_ns)
{
	sqlite3_stmt *s = stmt(st, S_ADD_THREAD);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, pid);
	bind_text_or_null(s, 3, comm);
	sqlite3_bind_int64(s, 4, (int64_t)start_ns);
	return step_write(st, s);
}

int store_set_thread_comm(struct hp_store *st, uint32_t tid, const char *comm)
{
	sqlite3_stmt *s = stmt(st, S_THREAD_COMM);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, tid);
	bind_text_or_null(s, 2, comm);
	return step_write(st, s);
}

int store_end_thread(struct hp_store *st, uint32_t tid, uint64_t end_ns)
{
	sqlite3_stmt *s = stmt(st, S_END_THREAD);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, (int64_t)end_ns);
	return step_write(st, s);
}

/* --- interning: modules, locations, stack nodes, files, functions --- */

static uint64_t hash_str(const char *s, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ? h : 1;
}

/* Find the id of (str, extra) in map, probing past hash collisions.
 * Returns the id, or 0 with *key set to the free key to insert under. */
static uint32_t lookup_string(struct hp_hmap *map, char **strings, const uint32_t *extras,
			      const char *str, uint32_t extra, uint64_t *key)
{
	uint64_t k = hash_str(str, extra), id;
	for (int attempt = 0;; attempt++) {
		if (!hmap_get(map, k, &id)) {
			*key = k;
			return 0;
		}
		if (!strcmp(strings[id], str) && (!extras || extras[id] == extra))
			return (uint32_t)id;
		k = hmap_key2(k, (uint64_t)attempt + 1);
	}
}

/* Append str as string number id (1-based) to a growable array. */
static int push_string(char ***strings, uint32_t id, const char *str)
{
	if ((id & (id - 1)) == 0 || id == 1) {
		size_t cap = id < 2 ? 2 : (size_t)id * 2;
		char **n = realloc(*strings, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		*strings = n;
	}
	if (!((*strings)[id] = strdup(str)))
		return -ENOMEM;
	return 0;
}

static int load_interning(struct hp_store *st);

static int intern_module(struct hp_store *st, const char *path, const char *build_id,
			 uint32_t *id)
{
	uint64_t key;
	uint32_t found = lookup_string(&st->modules, st->module_paths, NULL, path, 0, &key);
	if (found) {
		*id = found;
		return 0;
	}
	uint32_t nid = st->nmodules + 1;
	int err = push_string(&st->module_paths, nid, path);
	if (err || (err = hmap_put(&st->modules, key, nid)))
		return err;
	st->nmodules = nid;
	sqlite3_stmt *s = stmt(st, S_ADD_MODULE);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 3, build_id && *build_id ? build_id : NULL);
	*id = nid;
	return step_write(st, s);
}

int store_intern_module(struct hp_store *st, const char *path, const char *build_id,
			uint32_t *id)
{
	int err = load_interning(st);
	return err ? err : intern_module(st, path, build_id, id);
}

static int intern_location(struct hp_store *st, const struct hp_location *loc, uint32_t *id)
{
	uint64_t key = hmap_key2(loc->module_id, loc->addr), v;
	if (hmap_get(&st->locations, key, &v)) {
		*id = (uint32_t)v;
		return 0;
	}
	uint32_t nid = ++st->nlocations;
	int err = hmap_put(&st->locations, key, nid);
	if (err)
		return err;
	sqlite3_stmt *s = stmt(st, S_ADD_LOCATION);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_int64(s, 2, loc->module_id);
	sqlite3_bind_int64(s, 3, (int64_t)loc->addr);
	*id = nid;
	return step_write(st, s);
}

static int intern_node(struct hp_store *st, uint32_t parent, uint32_t location, uint32_t *id)
{
	uint64_t key = hmap_key2(parent, location), v;
	if (hmap_get(&st->nodes, key, &v)) {
		*id = (uint32_t)v;
		return 0;
	}
	uint32_t nid = ++st->nnodes;
	int err = hmap_put(&st->nodes, key, nid);
	if (err)
		return err;
	sqlite3_stmt *s = stmt(st, S_ADD_NODE);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_int64(s, 2, parent);
	sqlite3_bind_int64(s, 3, location);
	*id = nid;
	return step_write(st, s);
}

int store_intern_stack(struct hp_store *st, const struct hp_location *frames, uint32_t n,
		       uint32_t *stack_id)
{
	uint32_t node = 0;
	int err = load_interning(st);
	if (err)
		return err;
	/* Walk from the outermost frame inwards so that shared callers share nodes. */
	for (uint32_t i = n; i-- > 0;) {
		uint32_t loc;
		if ((err = intern_location(st, &frames[i], &loc)) ||
		    (err = intern_node(st, node, loc, &node)))
			return err;
	}
	*stack_id = node;
	return 0;
}

int store_add_sample(struct hp_store *st, const struct hp_sample *smp)
{
	uint32_t stack_id;
	int err = store_intern_stack(st, smp->frames, smp->nr_frames, &stack_id);
	if (err)
		return err;
	sqlite3_stmt *s = stmt(st, S_ADD_SAMPLE);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, (int64_t)smp->t_ns);
	sqlite3_bind_int64(s, 2, smp->tid);
	sqlite3_bind_int64(s, 3, stack_id);
	sqlite3_bind_int(s, 4, smp->event);
	if (smp->nr_counters) {
		uint8_t blob[HP_COUNTERS_MAX_BYTES(HP_MAX_COUNTERS)];
		size_t len = counters_encode(smp->counters, smp->nr_counters, blob);
		sqlite3_bind_blob(s, 5, blob, (int)len, SQLITE_TRANSIENT);
	}
	return step_write(st, s);
}

int store_add_memory(struct hp_store *st, const struct hp_mem_reading *m)
{
	sqlite3_stmt *s = stmt(st, S_ADD_MEMORY);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, m->pid);
	sqlite3_bind_int64(s, 2, (int64_t)m->t_ns);
	sqlite3_bind_int64(s, 3, (int64_t)m->rss_bytes);
	if (m->heap_bytes >= 0)
		sqlite3_bind_int64(s, 4, m->heap_bytes);
	return step_write(st, s);
}

int store_intern_file(struct hp_store *st, const char *path, uint32_t *id)
{
	uint64_t key;
	int err = load_interning(st);
	if (err)
		return err;
	uint32_t found = lookup_string(&st->files, st->file_paths, NULL, path, 0, &key);
	if (found) {
		*id = found;
		return 0;
	}
	uint32_t nid = st->nfiles + 1;
	if ((err = push_string(&st->file_paths, nid, path)) ||
	    (err = hmap_put(&st->files, key, nid)))
		return err;
	st->nfiles = nid;
	sqlite3_stmt *s = stmt(st, S_ADD_FILE);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_TRANSIENT);
	*id = nid;
	return step_write(st, s);
}

static int push_function_module(struct hp_store *st, uint32_t id, uint32_t module_id)
{
	if ((id & (id - 1)) == 0 || id == 1) {
		size_t cap = id < 2 ? 2 : (size_t)id * 2;
		uint32_t *n = realloc(st->function_modules, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		st->function_modules = n;
	}
	st->function_modules[id] = module_id;
	return 0;
}

static int remember_function(struct hp_store *st, uint32_t nid, const char *name,
			     uint32_t module_id, uint64_t key)
{
	int err;
	if ((err = push_string(&st->function_names, nid, name)) ||
	    (err = push_function_module(st, nid, module_id)) ||
	    (err = hmap_put(&st->functions, key, nid)))
		return err;
	st->nfunctions = nid;
	return 0;
}

int store_intern_function(struct hp_store *st, const char *name, uint32_t module_id,
			  uint32_t file_id, uint32_t *id)
{
	uint64_t key;
	int err = load_interning(st);
	if (err)
		return err;
	uint32_t found = lookup_string(&st->functions, st->function_names, st->function_modules,
				       name, module_id, &key);
	if (found) {
		*id = found;
		return 0;
	}
	uint32_t nid = st->nfunctions + 1;
	if ((err = remember_function(st, nid, name, module_id, key)))
		return err;
	sqlite3_stmt *s = stmt(st, S_ADD_FUNCTION);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, module_id);
	bind_id_or_null(s, 4, file_id);
	*id = nid;
	return step_write(st, s);
}

int store_add_location_frame(struct hp_store *st, uint32_t location_id, uint32_t depth,
			     uint32_t function_id, uint32_t file_id, uint32_t line)
{
	sqlite3_stmt *s = stmt(st, S_ADD_LOCFRAME);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, location_id);
	sqlite3_bind_int64(s, 2, depth);
	sqlite3_bind_int64(s, 3, function_id);
	bind_id_or_null(s, 4, file_id);
	bind_id_or_null(s, 5, line);
	return step_write(st, s);
}

/* Rebuild the interning maps from an existing file (opened, not created). */
static int load_row_module(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	uint64_t key;
	uint32_t id = (uint32_t)sqlite3_column_int64(s, 0);
	const char *path = col_text(s, 1);
	if (lookup_string(&st->modules, st->module_paths, NULL, path, 0, &key))
		return 0;
	for (uint32_t i = st->nmodules + 1; i <= id; i++)
		if (push_string(&st->module_paths, i, i == id ? path : ""))
			return -ENOMEM;
	st->nmodules = id;
	return hmap_put(&st->modules, key, id);
}

static int load_row_location(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	uint32_t id = (uint32_t)sqlite3_column_int64(s, 0);
	if (id > st->nlocations)
		st->nlocations = id;
	return hmap_put(&st->locations, hmap_key2((uint64_t)sqlite3_column_int64(s, 1),
						  (uint64_t)sqlite3_column_int64(s, 2)), id);
}

static int load_row_node(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	uint32_t id = (uint32_t)sqlite3_column_int64(s, 0);
	if (id > st->nnodes)
		st->nnodes = id;
	return hmap_put(&st->nodes, hmap_key2((uint64_t)sqlite3_column_int64(s, 1),
					      (uint64_t)sqlite3_column_int64(s, 2)), id);
}

static int load_row_file(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	uint64_t key;
	uint32_t id = (uint32_t)sqlite3_column_int64(s, 0);
	const char *path = col_text(s, 1);
	lookup_string(&st->files, st->file_paths, NULL, path, 0, &key);
	for (uint32_t i = st->nfiles + 1; i <= id; i++)
		if (push_string(&st->file_paths, i, i == id ? path : ""))
			return -ENOMEM;
	st->nfiles = id;
	return hmap_put(&st->files, key, id);
}

static int load_row_function(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	uint64_t key;
	uint32_t id = (uint32_t)sqlite3_column_int64(s, 0);
	const char *name = col_text(s, 1);
	uint32_t module_id = (uint32_t)sqlite3_column_int64(s, 2);
	lookup_string(&st->functions, st->function_names, st->function_modules, name, module_id,
		      &key);
	for (uint32_t i = st->nfunctions + 1; i < id; i++)
		if (remember_function(st, i, "", 0, hmap_key2(0xdead, i)))
			return -ENOMEM;
	return remember_function(st, id, name, module_id, key);
}

static int load_interning(struct hp_store *st)
{
	int err;
	if (st->interning_loaded)
		return 0;
	st->interning_loaded = 1;
	if ((err = each_row(st, "SELECT id, path FROM modules ORDER BY id", load_row_module, st)) ||
	    (err = each_row(st, "SELECT id, module_id, addr FROM locations", load_row_location, st)) ||
	    (err = each_row(st, "SELECT id, parent, location_id FROM stack_nodes", load_row_node, st)) ||
	    (err = each_row(st, "SELECT id, path FROM files ORDER BY id", load_row_file, st)) ||
	    (err = each_row(st, "SELECT id, name, module_id FROM functions ORDER BY id",
			    load_row_function, st)))
		return err;
	return 0;
}

/* --- iterators over raw facts --- */

struct cb_ctx { void *cb; void *ctx; };

static int module_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_module_row m = { (uint32_t)sqlite3_column_int64(s, 0), col_text(s, 1),
				   col_text(s, 2) };
	return ((int (*)(void *, const struct hp_module_row *))k->cb)(k->ctx, &m);
}

int store_each_module(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_module_row *m), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT id, path, build_id FROM modules ORDER BY id", module_row, &k);
}

static int location_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_location_row l = { (uint32_t)sqlite3_column_int64(s, 0),
				     (uint32_t)sqlite3_column_int64(s, 1),
				     (uint64_t)sqlite3_column_int64(s, 2) };
	return ((int (*)(void *, const struct hp_location_row *))k->cb)(k->ctx, &l);
}

int store_each_location(struct hp_store *st,
			int (*cb)(void *ctx, const struct hp_location_row *l), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT id, module_id, addr FROM locations ORDER BY id", location_row,
			&k);
}

static int node_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_node_row n = { (uint32_t)sqlite3_column_int64(s, 0),
				 (uint32_t)sqlite3_column_int64(s, 1),
				 (uint32_t)sqlite3_column_int64(s, 2) };
	return ((int (*)(void *, const struct hp_node_row *))k->cb)(k->ctx, &n);
}

int store_each_stack_node(struct hp_store *st,
			  int (*cb)(void *ctx, const struct hp_node_row *n), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT id, parent, location_id FROM stack_nodes ORDER BY id",
			node_row, &k);
}

static int sample_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_sample_row r = {
		.t_ns = (uint64_t)sqlite3_column_int64(s, 0),
		.tid = (uint32_t)sqlite3_column_int64(s, 1),
		.stack_id = (uint32_t)sqlite3_column_int64(s, 2),
		.event = sqlite3_column_int(s, 3),
	};
	int64_t values[HP_MAX_COUNTERS * 4];
	const uint8_t *blob = sqlite3_column_blob(s, 4);
	int n = blob ? counters_decode(blob, (size_t)sqlite3_column_bytes(s, 4), values,
				       HP_MAX_COUNTERS * 4) : 0;
	r.counters = values;
	r.nr_counters = n > 0 ? (uint32_t)n : 0;
	return ((int (*)(void *, const struct hp_sample_row *))k->cb)(k->ctx, &r);
}

int store_each_sample(struct hp_store *st, uint64_t t_from, uint64_t t_to,
		      int (*cb)(void *ctx, const struct hp_sample_row *s), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	char sql[160];
	if (!t_from && !t_to)
		snprintf(sql, sizeof(sql), "SELECT t_ns, tid, stack_id, event, counters FROM samples"
					   " ORDER BY rowid");
	else
		snprintf(sql, sizeof(sql), "SELECT t_ns, tid, stack_id, event, counters FROM samples"
			 " WHERE t_ns >= %llu AND t_ns < %llu ORDER BY t_ns",
			 (unsigned long long)t_from,
			 (unsigned long long)(t_to ? t_to : (uint64_t)INT64_MAX));
	return each_row(st, sql, sample_row, &k);
}

static int thread_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_thread_row t = { (uint32_t)sqlite3_column_int64(s, 0),
				   (uint32_t)sqlite3_column_int64(s, 1), col_text(s, 2),
				   (uint64_t)sqlite3_column_int64(s, 3),
				   (uint64_t)sqlite3_column_int64(s, 4) };
	return ((int (*)(void *, const struct hp_thread_row *))k->cb)(k->ctx, &t);
}

int store_each_thread(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_thread_row *t), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT tid, pid, comm, start_ns, end_ns FROM threads ORDER BY tid",
			thread_row, &k);
}

static int process_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_process_row p = {
		.pid = (uint32_t)sqlite3_column_int64(s, 0),
		.ppid = (uint32_t)sqlite3_column_int64(s, 1),
		.comm = col_text(s, 2),
		.exe = col_text(s, 3),
		.start_ns = (uint64_t)sqlite3_column_int64(s, 4),
		.end_ns = (uint64_t)sqlite3_column_int64(s, 5),
		.exit_code = sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 6),
		.peak_rss = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 7),
	};
	return ((int (*)(void *, const struct hp_process_row *))k->cb)(k->ctx, &p);
}

int store_each_process(struct hp_store *st,
		       int (*cb)(void *ctx, const struct hp_process_row *p), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT pid, ppid, comm, exe, start_ns, end_ns, exit_code, peak_rss"
			    " FROM processes ORDER BY start_ns, pid", process_row, &k);
}

static int memory_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_mem_reading m = {
		.pid = (uint32_t)sqlite3_column_int64(s, 0),
		.t_ns = (uint64_t)sqlite3_column_int64(s, 1),
		.rss_bytes = (uint64_t)sqlite3_column_int64(s, 2),
		.heap_bytes = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1
								       : sqlite3_column_int64(s, 3),
	};
	return ((int (*)(void *, const struct hp_mem_reading *))k->cb)(k->ctx, &m);
}

int store_each_memory(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_mem_reading *m), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT pid, t_ns, rss_bytes, heap_bytes FROM memory"
			    " ORDER BY pid, t_ns", memory_row, &k);
}

static int file_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_file_row f = { (uint32_t)sqlite3_column_int64(s, 0), col_text(s, 1) };
	return ((int (*)(void *, const struct hp_file_row *))k->cb)(k->ctx, &f);
}

int store_each_file(struct hp_store *st,
		    int (*cb)(void *ctx, const struct hp_file_row *f), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT id, path FROM files ORDER BY id", file_row, &k);
}

static int function_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_function_row f = { (uint32_t)sqlite3_column_int64(s, 0), col_text(s, 1),
				     (uint32_t)sqlite3_column_int64(s, 2),
				     (uint32_t)sqlite3_column_int64(s, 3) };
	return ((int (*)(void *, const struct hp_function_row *))k->cb)(k->ctx, &f);
}

int store_each_function(struct hp_store *st,
			int (*cb)(void *ctx, const struct hp_function_row *f), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT id, name, module_id, file_id FROM functions ORDER BY id",
			function_row, &k);
}

static int frame_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_frame_row f = { (uint32_t)sqlite3_column_int64(s, 0),
				  (uint32_t)sqlite3_column_int64(s, 1),
				  (uint32_t)sqlite3_column_int64(s, 2),
				  (uint32_t)sqlite3_column_int64(s, 3),
				  (uint32_t)sqlite3_column_int64(s, 4) };
	return ((int (*)(void *, const struct hp_frame_row *))k->cb)(k->ctx, &f);
}

int store_each_location_frame(struct hp_store *st,
			      int (*cb)(void *ctx, const struct hp_frame_row *f), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	return each_row(st, "SELECT location_id, depth, function_id, file_id, line"
			    " FROM location_frames ORDER BY location_id, depth", frame_row, &k);
}

static int count_row(void *c, sqlite3_stmt *s)
{
	*(int64_t *)c = sqlite3_column_int64(s, 0);
	return 0;
}

int store_is_symbolized(struct hp_store *st)
{
	int64_t n = 0;
	each_row(st, "SELECT EXISTS (SELECT 1 FROM location_frames)", count_row, &n);
	return n > 0;
}

/* --- pre-aggregated profile --- */

int store_clear_stats(struct hp_store *st)
{
	int err = begin(st);
	return err ? err : exec(st, "DELETE FROM function_stats; DELETE FROM line_stats;"
				    " DELETE FROM function_counter_stats;"
				    " DELETE FROM line_counter_stats;");
}

int store_add_function_stat(struct hp_store *st, uint32_t function_id, uint64_t self,
			    uint64_t total)
{
	sqlite3_stmt *s = stmt(st, S_ADD_FSTAT);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, function_id);
	sqlite3_bind_int64(s, 2, (int64_t)self);
	sqlite3_bind_int64(s, 3, (int64_t)total);
	return step_write(st, s);
}

int store_add_line_stat(struct hp_store *st, uint32_t file_id, uint32_t line,
			uint32_t function_id, uint64_t self)
{
	sqlite3_stmt *s = stmt(st, S_ADD_LSTAT);
	if (!s)
		return -HP_ESQL;
	bind_id_or_null(s, 1, file_id);
	bind_id_or_null(s, 2, line);
	sqlite3_bind_int64(s, 3, function_id);
	sqlite3_bind_int64(s, 4, (int64_t)self);
	return step_write(st, s);
}

int store_add_function_counter(struct hp_store *st, uint32_t function_id, int event_id,
			       int64_t self, int64_t total)
{
	sqlite3_stmt *s = stmt(st, S_ADD_FCOUNTER);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, function_id);
	sqlite3_bind_int(s, 2, event_id);
	sqlite3_bind_int64(s, 3, self);
	sqlite3_bind_int64(s, 4, total);
	return step_write(st, s);
}

int store_add_line_counter(struct hp_store *st, uint32_t file_id, uint32_t line,
			   uint32_t function_id, int event_id, int64_t self)
{
	sqlite3_stmt *s = stmt(st, S_ADD_LCOUNTER);
	if (!s)
		return -HP_ESQL;
	bind_id_or_null(s, 1, file_id);
	bind_id_or_null(s, 2, line);
	sqlite3_bind_int64(s, 3, function_id);
	sqlite3_bind_int(s, 4, event_id);
	sqlite3_bind_int64(s, 5, self);
	return step_write(st, s);
}

/* Quote an event name as an SQL identifier ("cache-misses" -> "cache-misses"). */
static void append_ident(char *buf, size_t cap, const char *name)
{
	size_t len = strlen(buf);
	if (len + 3 >= cap)
		return;
	buf[len++] = '"';
	for (; *name && len + 3 < cap; name++) {
		if (*name == '"')
			buf[len++] = '"';
		buf[len++] = *name;
	}
	buf[len++] = '"';
	buf[len] = '\0';
}

struct view_cols { char fcols[4096]; char lcols[4096]; };

static int view_event(void *c, const struct hp_event_info *ev)
{
	struct view_cols *v = c;
	char col[512];
	if (ev->id < 0 || strcmp(ev->role, "sampler") == 0)
		return 0;
	/* Measured: the sum, 0 when this row had none. Not measured: NULL
	 * ("n/a"), never 0. */
	if (ev->measured)
		snprintf(col, sizeof(col), ", COALESCE((SELECT c.self_value FROM function_counter_stats c"
			 " WHERE c.function_id = s.function_id AND c.event_id = %d), 0) AS ", ev->id);
	else
		snprintf(col, sizeof(col), ", NULL AS ");
	append_ident(col, sizeof(col), ev->name);
	strncat(v->fcols, col, sizeof(v->fcols) - strlen(v->fcols) - 1);
	if (ev->measured)
		snprintf(col, sizeof(col), ", COALESCE((SELECT SUM(c.self_value) FROM line_counter_stats c"
			 " WHERE c.file_id IS l.file_id AND c.line IS l.line"
			 " AND c.function_id = l.function_id AND c.event_id = %d), 0) AS ", ev->id);
	else
		snprintf(col, sizeof(col), ", NULL AS ");
	append_ident(col, sizeof(col), ev->name);
	strncat(v->lcols, col, sizeof(v->lcols) - strlen(v->lcols) - 1);
	return 0;
}

int store_create_views(struct hp_store *st)
{
	struct view_cols v = { "", "" };
	char *sql;
	int err = store_each_event(st, view_event, &v);
	if (err)
		return err;
	if (asprintf(&sql,
		     "DROP VIEW IF EXISTS function_profile; DROP VIEW IF EXISTS line_profile;"
		     "CREATE VIEW function_profile AS"
		     " SELECT f.name AS function, m.path AS module, fi.path AS file,"
		     " s.self_samples, s.total_samples,"
		     " ROUND(100.0 * s.self_samples / MAX(1, (SELECT CAST(value AS INTEGER) FROM meta"
		     "   WHERE key = 'samples')), 2) AS self_pct,"
		     " ROUND(100.0 * s.total_samples / MAX(1, (SELECT CAST(value AS INTEGER) FROM meta"
		     "   WHERE key = 'samples')), 2) AS total_pct%s"
		     " FROM function_stats s JOIN functions f ON f.id = s.function_id"
		     " LEFT JOIN modules m ON m.id = f.module_id LEFT JOIN files fi ON fi.id = f.file_id"
		     " ORDER BY s.self_samples DESC, s.total_samples DESC;"
		     "CREATE VIEW line_profile AS"
		     " SELECT fi.path AS file, l.line AS line, f.name AS function, m.path AS module,"
		     " l.self_samples,"
		     " ROUND(100.0 * l.self_samples / MAX(1, (SELECT CAST(value AS INTEGER) FROM meta"
		     "   WHERE key = 'samples')), 2) AS self_pct%s"
		     " FROM line_stats l JOIN functions f ON f.id = l.function_id"
		     " LEFT JOIN modules m ON m.id = f.module_id LEFT JOIN files fi ON fi.id = l.file_id"
		     " ORDER BY l.self_samples DESC;", v.fcols, v.lcols) < 0)
		return -ENOMEM;
	if (!(err = begin(st)))
		err = exec(st, sql);
	free(sql);
	return err;
}

/* --- ad-hoc queries --- */

int store_exec_print(struct hp_store *st, const char *sql, int csv)
{
	sqlite3_stmt *s;
	int rc;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, sql);
	int n = sqlite3_column_count(s);
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? (csv ? "," : "\t") : "", sqlite3_column_name(s, i));
	putchar('\n');
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			const char *t = col_text(s, i);
			printf("%s%s", i ? (csv ? "," : "\t") : "", t ? t : "");
		}
		putchar('\n');
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sql_err(st, sql);
}

/* ===================================================================== */
/* Additions for `hpprof diff`, `hpprof export` and `hpprof merge`.      */
/* ===================================================================== */

/* 1 when sqlite_master has an object of this type and name. */
static int has_object(struct hp_store *st, const char *type, const char *name)
{
	sqlite3_stmt *s;
	int found = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2",
			       -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

/* --- public views as rows --- */

int store_has_view(struct hp_store *st, const char *view)
{
	return has_object(st, "view", view);
}

static void read_cell(sqlite3_stmt *s, int i, struct hp_cell *c)
{
	switch (sqlite3_column_type(s, i)) {
	case SQLITE_INTEGER:
		c->type = HP_CELL_INT;
		c->i = sqlite3_column_int64(s, i);
		break;
	case SQLITE_FLOAT:
		c->type = HP_CELL_REAL;
		c->d = sqlite3_column_double(s, i);
		break;
	case SQLITE_NULL:
		c->type = HP_CELL_NULL;
		c->text = NULL;
		return;
	default:
		c->type = HP_CELL_TEXT;
		break;
	}
	c->text = col_text(s, i);
}

int store_each_view_row(struct hp_store *st, const char *view,
			int (*cb)(void *ctx, int ncols, const char *const *names,
				  const struct hp_cell *cells),
			void *ctx)
{
	char sql[600] = "SELECT * FROM ";
	sqlite3_stmt *s;
	int rc, ret = 0;
	append_ident(sql, sizeof(sql), view);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, sql);
	int n = sqlite3_column_count(s);
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	struct hp_cell *cells = calloc((size_t)n + 1, sizeof(*cells));
	if (!names || !cells) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++)
		names[i] = sqlite3_column_name(s, i);
	if ((ret = cb(ctx, n, names, NULL)))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			read_cell(s, i, &cells[i]);
		if ((ret = cb(ctx, n, names, cells)))
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sql_err(st, sql);
out:
	free(names);
	free(cells);
	sqlite3_finalize(s);
	return ret;
}

/* --- allocation totals --- */

static int alloc_row(void *c, sqlite3_stmt *s)
{
	struct hp_alloc_totals *t = c;
	t->sites = sqlite3_column_int64(s, 0);
	t->allocs = sqlite3_column_int64(s, 1);
	t->bytes = sqlite3_column_int64(s, 2);
	t->leaked_bytes = sqlite3_column_int64(s, 3);
	return 0;
}

int store_alloc_totals(struct hp_store *st, struct hp_alloc_totals *t)
{
	memset(t, 0, sizeof(*t));
	if (!has_object(st, "table", "alloc_stacks"))
		return 0;
	return each_row(st, "SELECT COUNT(*), COALESCE(SUM(allocs), 0), COALESCE(SUM(bytes), 0),"
			    " COALESCE(SUM(leaked_bytes), 0) FROM alloc_stacks", alloc_row, t);
}

int64_t store_count_runs(struct hp_store *st)
{
	int64_t n = 0;
	if (has_object(st, "table", "runs"))
		each_row(st, "SELECT COUNT(*) FROM runs", count_row, &n);
	return n;
}

/* --- merging runs ---
 *
 * Phase 1 reads the events of every input and lays out the merged event
 * table (counters 1..M in first-seen order, so that the counter blob slot
 * stays id - 1; other samplers after them). Phase 2 copies each input: the
 * small tables through the interning maps in C (so identical modules,
 * functions, locations and stack nodes are shared), the large ones
 * (samples, memory, allocation sites) with INSERT ... SELECT from the
 * ATTACHed input, through SQL functions that remap ids. */

struct merge_event {
	char *name, *role;
	unsigned present, measured;   /* inputs that have it / measured it */
	int64_t total;                /* sum over the inputs that measured it */
	uint64_t enabled_ns, running_ns;
	char *reason;                 /* why an input did not measure it */
	int out_id;
};

struct merge_input_events {
	int *index;                   /* src events.id -> index in merge_events, -1 when none */
	uint32_t n;
};

struct merge_module { char *path, *build_id; uint32_t id; };

struct merge {
	struct hp_store *out;
	struct merge_module *mods;    /* out modules by (path, build id) */
	unsigned nmods;
	struct merge_event *ev;
	unsigned nev;
	unsigned ncounters;           /* out counters: ids 1..ncounters */
	struct merge_input_events *in;
	struct hp_hmap used_ids;      /* tids and pids already taken in out (id + 1) */
};

/* One input being copied: src id -> out id for every remapped table. */
struct merge_run {
	struct merge *m;
	unsigned k;                   /* 1-based input number */
	uint32_t *mod, *file, *func, *loc, *node;
	uint32_t nmod, nfile, nfunc, nloc, nnode;
	uint32_t *src_parent, *src_loc; /* stack nodes of the input */
	uint32_t loc_before;          /* out locations with larger ids are new */
	int *event;                   /* src event id -> out event id (-1: none) */
	uint32_t nevent;
	int *slot;                    /* src counter slot -> out slot (-1: none) */
	uint32_t nslot;
	int identity;                 /* counter blobs copy as they are */
	struct hp_hmap ids;           /* src tid/pid + 1 -> out tid/pid */
	int err;
};

static int map_put(uint32_t **arr, uint32_t *n, uint32_t id, uint32_t val)
{
	if (id >= *n) {
		uint32_t cap = *n ? *n : 64;
		while (cap <= id)
			cap *= 2;
		uint32_t *a = realloc(*arr, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		memset(a + *n, 0, (cap - *n) * sizeof(*a));
		*arr = a;
		*n = cap;
	}
	(*arr)[id] = val;
	return 0;
}

static uint32_t map_get(const uint32_t *arr, uint32_t n, uint32_t id)
{
	return id < n ? arr[id] : 0;
}

/* Phase 1: the union of the inputs' events. */
struct merge_ev_ctx { struct merge *m; unsigned input; };

static int merge_find_event(struct merge *m, const struct hp_event_info *ev)
{
	for (unsigned i = 0; i < m->nev; i++) {
		int sampler = !strcmp(ev->role, "sampler") && ev->id == 0;
		if (sampler ? m->ev[i].out_id == 0
			    : (!strcmp(m->ev[i].name, ev->name) && !strcmp(m->ev[i].role, ev->role) &&
			       m->ev[i].out_id != 0))
			return (int)i;
	}
	return -1;
}

static int merge_new_event(struct merge *m, const struct hp_event_info *ev)
{
	struct merge_event *n = realloc(m->ev, (m->nev + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	m->ev = n;
	struct merge_event *e = &m->ev[m->nev];
	memset(e, 0, sizeof(*e));
	e->name = strdup(ev->name);
	e->role = strdup(ev->role);
	e->out_id = ev->id == 0 && !strcmp(ev->role, "sampler") ? 0 : -1;
	if (!e->name || !e->role)
		return -ENOMEM;
	return (int)m->nev++;
}

static int merge_on_event(void *c, const struct hp_event_info *ev)
{
	struct merge_ev_ctx *ctx = c;
	struct merge *m = ctx->m;
	struct merge_input_events *in = &m->in[ctx->input];
	int i = merge_find_event(m, ev);
	if (ev->id < 0)
		return 0;
	if (i < 0 && (i = merge_new_event(m, ev)) < 0)
		return i;
	if ((uint32_t)ev->id >= in->n) {
		uint32_t cap = (uint32_t)ev->id + 16;
		int *a = realloc(in->index, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		for (uint32_t k = in->n; k < cap; k++)
			a[k] = -1;
		in->index = a;
		in->n = cap;
	}
	in->index[ev->id] = i;
	struct merge_event *e = &m->ev[i];
	e->present++;
	if (ev->measured) {
		e->measured++;
		e->total += ev->total > 0 ? ev->total : 0;
		e->enabled_ns += ev->enabled_ns;
		e->running_ns += ev->running_ns;
	} else if (!e->reason && ev->reason) {
		e->reason = strdup(ev->reason);
	}
	return 0;
}

/* Counters get ids 1..M (their blob slot is id - 1), other samplers follow. */
static void merge_assign_event_ids(struct merge *m)
{
	int next = 1;
	for (unsigned i = 0; i < m->nev; i++)
		if (m->ev[i].out_id != 0 && !strcmp(m->ev[i].role, "counter"))
			m->ev[i].out_id = next++;
	m->ncounters = (unsigned)next - 1;
	for (unsigned i = 0; i < m->nev; i++)
		if (m->ev[i].out_id < 0)
			m->ev[i].out_id = next++;
}

static int merge_write_events(struct merge *m, unsigned ninputs)
{
	for (unsigned i = 0; i < m->nev; i++) {
		struct merge_event *e = &m->ev[i];
		int all = e->measured == ninputs;
		char reason[512];
		if (e->measured)
			snprintf(reason, sizeof(reason), "not measured in every merged run%s%s",
				 e->reason ? ": " : "", e->reason ? e->reason : "");
		else
			snprintf(reason, sizeof(reason), "%s", e->reason ? e->reason : "not measured");
		struct hp_event_info ev = {
			e->out_id, e->name, e->role, all || e->out_id == 0, NULL,
			all || e->out_id == 0 ? e->total : -1, e->enabled_ns, e->running_ns,
		};
		if (!ev.measured)
			ev.reason = reason;
		int err = store_add_event(m->out, &ev);
		if (err)
			return err;
	}
	return 0;
}

static int merge_read_events(struct merge *m, const char *const *paths, unsigned n,
			     unsigned *bad)
{
	for (unsigned k = 0; k < n; k++) {
		struct hp_store *src;
		struct merge_ev_ctx ctx = { m, k };
		int err = store_open(paths[k], 0, &src);
		if (!err && !store_is_symbolized(src))
			err = -HP_ENOSYMS;
		if (!err)
			err = store_each_event(src, merge_on_event, &ctx);
		store_close(src);
		if (err) {
			*bad = k;
			return err;
		}
	}
	merge_assign_event_ids(m);
	return merge_write_events(m, n);
}

/* Phase 2: one input. Event and counter-slot maps first. */
static int merge_run_events(struct merge_run *r)
{
	struct merge_input_events *in = &r->m->in[r->k - 1];
	r->nevent = in->n;
	r->event = malloc((in->n + 1) * sizeof(int));
	r->nslot = in->n;
	r->slot = malloc((in->n + 1) * sizeof(int));
	if (!r->event || !r->slot)
		return -ENOMEM;
	r->identity = 1;
	uint32_t src_counters = 0;
	for (uint32_t id = 0; id < in->n; id++) {
		int i = in->index[id];
		r->event[id] = i < 0 ? -1 : r->m->ev[i].out_id;
		r->slot[id] = -1;
		if (id && i >= 0 && !strcmp(r->m->ev[i].role, "counter")) {
			r->slot[id - 1] = r->event[id] - 1;
			src_counters = id;
			if (r->event[id] != (int)id)
				r->identity = 0;
		}
	}
	if (src_counters != r->m->ncounters)
		r->identity = 0;
	return 0;
}

static int same_text(const char *a, const char *b)
{
	return (!a || !*a) ? (!b || !*b) : (b && !strcmp(a, b));
}

/* Modules are shared by path and build id: two builds of one path keep
 * apart, so that a location (module, address) never takes the other
 * build's inline frames. */
static int merge_module(struct merge *m, const char *path, const char *build_id, uint32_t *id)
{
	struct hp_store *out = m->out;
	for (unsigned i = 0; i < m->nmods; i++)
		if (!strcmp(m->mods[i].path, path) && same_text(m->mods[i].build_id, build_id)) {
			*id = m->mods[i].id;
			return 0;
		}
	struct merge_module *n = realloc(m->mods, (m->nmods + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	m->mods = n;
	uint32_t nid = out->nmodules + 1;
	int err = push_string(&out->module_paths, nid, path);
	if (err)
		return err;
	out->nmodules = nid;
	n[m->nmods] = (struct merge_module){ strdup(path), build_id ? strdup(build_id) : NULL, nid };
	if (!n[m->nmods++].path)
		return -ENOMEM;
	sqlite3_stmt *s = stmt(out, S_ADD_MODULE);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 3, build_id && *build_id ? build_id : NULL);
	*id = nid;
	return step_write(out, s);
}

static int merge_on_module(void *c, const struct hp_module_row *row)
{
	struct merge_run *r = c;
	uint32_t id;
	int err = merge_module(r->m, row->path, row->build_id, &id);
	return err ? err : map_put(&r->mod, &r->nmod, row->id, id);
}

static int merge_on_file(void *c, const struct hp_file_row *row)
{
	struct merge_run *r = c;
	uint32_t id;
	int err = store_intern_file(r->m->out, row->path, &id);
	return err ? err : map_put(&r->file, &r->nfile, row->id, id);
}

static int merge_on_function(void *c, const struct hp_function_row *row)
{
	struct merge_run *r = c;
	uint32_t id;
	int err = store_intern_function(r->m->out, row->name, map_get(r->mod, r->nmod, row->module_id),
					map_get(r->file, r->nfile, row->file_id), &id);
	return err ? err : map_put(&r->func, &r->nfunc, row->id, id);
}

static int merge_on_location(void *c, const struct hp_location_row *row)
{
	struct merge_run *r = c;
	struct hp_location l = { map_get(r->mod, r->nmod, row->module_id), row->addr };
	uint32_t id;
	int err = intern_location(r->m->out, &l, &id);
	return err ? err : map_put(&r->loc, &r->nloc, row->id, id);
}

static int merge_on_frame(void *c, const struct hp_frame_row *row)
{
	struct merge_run *r = c;
	uint32_t loc = map_get(r->loc, r->nloc, row->location_id);
	if (loc <= r->loc_before)   /* an earlier input brought this location */
		return 0;
	return store_add_location_frame(r->m->out, loc, row->depth,
					map_get(r->func, r->nfunc, row->function_id),
					map_get(r->file, r->nfile, row->file_id), row->line);
}

static int merge_on_node(void *c, const struct hp_node_row *row)
{
	struct merge_run *r = c;
	uint32_t n = r->nnode;
	int err = map_put(&r->src_parent, &n, row->id, row->parent);
	n = r->nnode;
	if (!err)
		err = map_put(&r->src_loc, &n, row->id, row->location_id);
	if (!err)
		err = map_put(&r->node, &r->nnode, row->id, 0);
	return err;
}

/* Out node of src node id, interning its callers first. */
static int merge_node(struct merge_run *r, uint32_t id, uint32_t *out)
{
	uint32_t chain[HP_MAX_FRAMES * 4], n = 0, parent = 0;
	int err;
	while (id && id < r->nnode && !r->node[id] && n < sizeof(chain) / sizeof(chain[0])) {
		chain[n++] = id;
		id = r->src_parent[id];
	}
	if (id && id < r->nnode)
		parent = r->node[id];
	while (n--) {
		uint32_t loc = map_get(r->loc, r->nloc, r->src_loc[chain[n]]);
		if ((err = intern_node(r->m->out, parent, loc, &parent)))
			return err;
		r->node[chain[n]] = parent;
	}
	*out = parent;
	return 0;
}

static int merge_nodes(struct merge_run *r)
{
	for (uint32_t id = 1; id < r->nnode; id++) {
		uint32_t out;
		int err;
		if (r->src_loc[id] && !r->node[id] && (err = merge_node(r, id, &out)))
			return err;
	}
	return 0;
}

/* A tid or pid of this input in the merged file. */
static uint32_t merge_id(struct merge_run *r, uint32_t id)
{
	uint64_t v;
	if (hmap_get(&r->ids, (uint64_t)id + 1, &v))
		return (uint32_t)v;
	uint32_t nid = id;
	if (hmap_get(&r->m->used_ids, (uint64_t)nid + 1, &v))
		for (nid = (r->k << 22) | (id & 0x3fffff);
		     hmap_get(&r->m->used_ids, (uint64_t)nid + 1, &v); nid++)
			;
	if (hmap_put(&r->m->used_ids, (uint64_t)nid + 1, 1) || hmap_put(&r->ids, (uint64_t)id + 1, nid))
		r->err = -ENOMEM;
	return nid;
}

static int merge_on_process(void *c, const struct hp_process_row *p)
{
	struct merge_run *r = c;
	merge_id(r, p->pid);
	return r->err;
}

static int merge_insert_process(void *c, const struct hp_process_row *p)
{
	struct merge_run *r = c;
	struct hp_store *out = r->m->out;
	sqlite3_stmt *s;
	uint64_t ppid;
	if (sqlite3_prepare_v2(out->db, "INSERT INTO processes(pid, ppid, comm, exe, start_ns, end_ns,"
			       " exit_code, peak_rss, run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &s,
			       NULL) != SQLITE_OK)
		return sql_err(out, "merge processes");
	if (!hmap_get(&r->ids, (uint64_t)p->ppid + 1, &ppid))
		ppid = p->ppid;
	sqlite3_bind_int64(s, 1, merge_id(r, p->pid));
	bind_id_or_null(s, 2, (uint32_t)ppid);
	bind_text_or_null(s, 3, p->comm);
	bind_text_or_null(s, 4, p->exe);
	sqlite3_bind_int64(s, 5, (int64_t)p->start_ns);
	sqlite3_bind_int64(s, 6, (int64_t)p->end_ns);
	if (p->exit_code >= 0)
		sqlite3_bind_int(s, 7, p->exit_code);
	if (p->peak_rss >= 0)
		sqlite3_bind_int64(s, 8, p->peak_rss);
	sqlite3_bind_int(s, 9, (int)r->k);
	int err = begin(out);
	if (!err && sqlite3_step(s) != SQLITE_DONE)
		err = sql_err(out, "merge processes");
	sqlite3_finalize(s);
	return err ? err : r->err;
}

static int merge_insert_thread(void *c, const struct hp_thread_row *t)
{
	struct merge_run *r = c;
	struct hp_store *out = r->m->out;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(out->db, "INSERT INTO threads(tid, pid, comm, start_ns, end_ns, run)"
			       " VALUES (?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		return sql_err(out, "merge threads");
	sqlite3_bind_int64(s, 1, merge_id(r, t->tid));
	sqlite3_bind_int64(s, 2, merge_id(r, t->pid));
	bind_text_or_null(s, 3, t->comm);
	sqlite3_bind_int64(s, 4, (int64_t)t->start_ns);
	sqlite3_bind_int64(s, 5, (int64_t)t->end_ns);
	sqlite3_bind_int(s, 6, (int)r->k);
	int err = begin(out);
	if (!err && sqlite3_step(s) != SQLITE_DONE)
		err = sql_err(out, "merge threads");
	sqlite3_finalize(s);
	return err ? err : r->err;
}

/* SQL functions used by the bulk copies; user data is the merge_run. */
static void sqlf_node(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct merge_run *r = sqlite3_user_data(cx);
	uint32_t id = (uint32_t)sqlite3_value_int64(argv[0]);
	sqlite3_result_int64(cx, map_get(r->node, r->nnode, id));
}

static void sqlf_id(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct merge_run *r = sqlite3_user_data(cx);
	sqlite3_result_int64(cx, merge_id(r, (uint32_t)sqlite3_value_int64(argv[0])));
}

static void sqlf_event(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct merge_run *r = sqlite3_user_data(cx);
	int64_t id = sqlite3_value_int64(argv[0]);
	sqlite3_result_int64(cx, id >= 0 && (uint64_t)id < r->nevent && r->event[id] >= 0
					 ? r->event[id] : id);
}

static void sqlf_counters(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct merge_run *r = sqlite3_user_data(cx);
	int64_t in[HP_MAX_COUNTERS * 4], outv[HP_MAX_COUNTERS * 4] = { 0 };
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || r->identity) {
		sqlite3_result_value(cx, argv[0]);
		return;
	}
	uint8_t enc[HP_COUNTERS_MAX_BYTES(HP_MAX_COUNTERS * 4)];
	uint32_t nout = r->m->ncounters;
	int n = counters_decode(sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]),
				in, HP_MAX_COUNTERS * 4);
	if (n < 0 || nout > sizeof(outv) / sizeof(outv[0])) {
		sqlite3_result_error(cx, "malformed counter blob", -1);
		return;
	}
	for (uint32_t j = 0; j < (uint32_t)n && j < r->nslot; j++)
		if (r->slot[j] >= 0 && (uint32_t)r->slot[j] < nout)
			outv[r->slot[j]] = in[j];
	sqlite3_result_blob(cx, enc, (int)counters_encode(outv, nout, enc), SQLITE_TRANSIENT);
}

static int merge_functions(struct hp_store *out, void *r)
{
	static const struct { const char *name; void (*fn)(sqlite3_context *, int, sqlite3_value **); }
	fns[] = { { "hp_merge_node", sqlf_node }, { "hp_merge_id", sqlf_id },
		  { "hp_merge_event", sqlf_event }, { "hp_merge_counters", sqlf_counters } };
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (sqlite3_create_function(out->db, fns[i].name, 1, SQLITE_UTF8, r,
					    r ? fns[i].fn : NULL, NULL, NULL) != SQLITE_OK)
			return sql_err(out, "create function");
	return 0;
}

static const char merge_copy_sql[] =
	"INSERT INTO main.samples(t_ns, tid, stack_id, event, counters)"
	" SELECT t_ns, hp_merge_id(tid), hp_merge_node(stack_id), hp_merge_event(event),"
	" hp_merge_counters(counters) FROM src.samples ORDER BY rowid;"
	"INSERT INTO main.memory(pid, t_ns, rss_bytes, heap_bytes)"
	" SELECT hp_merge_id(pid), t_ns, rss_bytes, heap_bytes FROM src.memory ORDER BY rowid;"
	"INSERT INTO main.alloc_stacks(stack_id, allocs, bytes, peak_bytes, leaked_bytes,"
	" leaked_allocs, temporary) SELECT hp_merge_node(stack_id), allocs, bytes, peak_bytes,"
	" leaked_bytes, leaked_allocs, temporary FROM src.alloc_stacks WHERE 1"
	" ON CONFLICT(stack_id) DO UPDATE SET allocs = allocs + excluded.allocs,"
	" bytes = bytes + excluded.bytes, peak_bytes = peak_bytes + excluded.peak_bytes,"
	" leaked_bytes = leaked_bytes + excluded.leaked_bytes,"
	" leaked_allocs = leaked_allocs + excluded.leaked_allocs,"
	" temporary = temporary + excluded.temporary;";

static int merge_bulk(struct merge_run *r, const char *path)
{
	struct hp_store *out = r->m->out;
	sqlite3_stmt *s;
	int err = store_flush(out);
	if (err)
		return err;
	if (sqlite3_prepare_v2(out->db, "ATTACH ? AS src", -1, &s, NULL) != SQLITE_OK)
		return sql_err(out, "attach");
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(out, "attach");
	if ((err = merge_functions(out, r)) || (err = begin(out)) || (err = exec(out, merge_copy_sql)))
		goto detach;
	if (r->k == 1)
		err = exec(out, "INSERT OR REPLACE INTO main.meta(key, value) SELECT key, value"
				" FROM src.meta");
	if (!err && sqlite3_prepare_v2(out->db,
		"INSERT INTO main.runs(id, path, command, start_time, duration_ns, samples, exit_status)"
		" SELECT ?1, ?2, (SELECT value FROM src.meta WHERE key = 'command'),"
		" (SELECT value FROM src.meta WHERE key = 'start_time'),"
		" (SELECT CAST(value AS INTEGER) FROM src.meta WHERE key = 'duration_ns'),"
		" (SELECT COUNT(*) FROM src.samples WHERE event = 0),"
		" (SELECT CAST(value AS INTEGER) FROM src.meta WHERE key = 'exit_status')",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int(s, 1, (int)r->k);
		sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			err = sql_err(out, "merge runs");
		sqlite3_finalize(s);
	} else if (!err) {
		err = sql_err(out, "merge runs");
	}
	if (!err)
		err = store_flush(out);
detach:
	if (err && out->in_txn) {
		exec(out, "ROLLBACK");
		out->in_txn = 0;
	}
	merge_functions(out, NULL);
	int derr = exec(out, "DETACH src");
	return err ? err : derr;
}

static int merge_used_id(void *c, sqlite3_stmt *s)
{
	struct merge *m = c;
	return hmap_put(&m->used_ids, (uint64_t)sqlite3_column_int64(s, 0) + 1, 1);
}

static void merge_run_release(struct merge_run *r)
{
	free(r->mod);
	free(r->file);
	free(r->func);
	free(r->loc);
	free(r->node);
	free(r->src_parent);
	free(r->src_loc);
	free(r->event);
	free(r->slot);
	hmap_release(&r->ids);
}

static int merge_input(struct merge *m, const char *path, unsigned k)
{
	struct merge_run r = { .m = m, .k = k };
	struct hp_store *src;
	int err = store_open(path, 0, &src);
	if (err)
		return err;
	hmap_init(&r.ids);
	r.loc_before = m->out->nlocations;
	if ((err = merge_run_events(&r)) ||
	    (err = store_each_module(src, merge_on_module, &r)) ||
	    (err = store_each_file(src, merge_on_file, &r)) ||
	    (err = store_each_function(src, merge_on_function, &r)) ||
	    (err = store_each_location(src, merge_on_location, &r)) ||
	    (err = store_each_location_frame(src, merge_on_frame, &r)) ||
	    (err = store_each_stack_node(src, merge_on_node, &r)) ||
	    (err = merge_nodes(&r)) ||
	    (err = each_row(m->out, "SELECT tid FROM threads UNION SELECT pid FROM processes",
			    merge_used_id, m)) ||
	    (err = store_each_process(src, merge_on_process, &r)) ||
	    (err = store_each_process(src, merge_insert_process, &r)) ||
	    (err = store_each_thread(src, merge_insert_thread, &r)))
		goto out;
	err = merge_bulk(&r, path);
out:
	store_close(src);
	merge_run_release(&r);
	return err;
}

static int merged_samples(struct hp_store *out, unsigned k, uint64_t *samples)
{
	char sql[80];
	int64_t v = 0;
	snprintf(sql, sizeof(sql), "SELECT samples FROM runs WHERE id = %u", k);
	int err = each_row(out, sql, count_row, &v);
	*samples = (uint64_t)v;
	return err;
}

int store_merge(struct hp_store *out, const char *const *paths, unsigned n, uint64_t *samples,
		unsigned *bad_input)
{
	struct merge m = { .out = out };
	unsigned bad = 0;
	int err;
	hmap_init(&m.used_ids);
	m.in = calloc(n ? n : 1, sizeof(*m.in));
	if (!m.in)
		return -ENOMEM;
	if ((err = load_interning(out)) || (err = merge_read_events(&m, paths, n, &bad)))
		goto out;
	for (unsigned k = 0; k < n && !err; k++) {
		bad = k;
		err = merge_input(&m, paths[k], k + 1);
		if (!err && samples)
			err = merged_samples(out, k + 1, &samples[k]);
	}
out:
	if (bad_input)
		*bad_input = bad;
	for (unsigned i = 0; i < m.nev; i++) {
		free(m.ev[i].name);
		free(m.ev[i].role);
		free(m.ev[i].reason);
	}
	for (unsigned k = 0; k < n; k++)
		free(m.in[k].index);
	for (unsigned i = 0; i < m.nmods; i++) {
		free(m.mods[i].path);
		free(m.mods[i].build_id);
	}
	free(m.mods);
	free(m.ev);
	free(m.in);
	hmap_release(&m.used_ids);
	return err;
}

/* --- allocation tracking --- */

int store_add_alloc_stack(struct hp_store *st, const struct hp_alloc_site_row *r)
{
	sqlite3_stmt *s;
	int err = begin(st);
	if (err)
		return err;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO alloc_stacks(stack_id, allocs, bytes,"
			       " peak_bytes, leaked_bytes, leaked_allocs, temporary)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, "alloc_stacks");
	sqlite3_bind_int64(s, 1, r->stack_id);
	sqlite3_bind_int64(s, 2, (int64_t)r->allocs);
	sqlite3_bind_int64(s, 3, (int64_t)r->bytes);
	sqlite3_bind_int64(s, 4, (int64_t)r->peak_bytes);
	sqlite3_bind_int64(s, 5, (int64_t)r->leaked_bytes);
	sqlite3_bind_int64(s, 6, (int64_t)r->leaked_allocs);
	sqlite3_bind_int64(s, 7, (int64_t)r->temporary);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sql_err(st, "alloc_stacks");
}

static int alloc_site_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_alloc_site a = {
		col_text(s, 0), col_text(s, 1), (uint32_t)sqlite3_column_int64(s, 2),
		(uint64_t)sqlite3_column_int64(s, 3), (uint64_t)sqlite3_column_int64(s, 4),
		(uint64_t)sqlite3_column_int64(s, 5), (uint64_t)sqlite3_column_int64(s, 6),
		(uint64_t)sqlite3_column_int64(s, 7), (uint64_t)sqlite3_column_int64(s, 8),
	};
	return ((int (*)(void *, const struct hp_alloc_site *))k->cb)(k->ctx, &a);
}

int store_each_alloc_site(struct hp_store *st, const char *order_by,
			  int (*cb)(void *ctx, const struct hp_alloc_site *a), void *ctx)
{
	static const char *const allowed[] = { "bytes", "allocs", "peak_bytes", "leaked_bytes",
					       "temporary" };
	struct cb_ctx k = { (void *)cb, ctx };
	const char *col = "bytes";
	char sql[256];
	for (size_t i = 0; order_by && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!strcmp(order_by, allowed[i]))
			col = allowed[i];
	snprintf(sql, sizeof(sql), "SELECT function, file, line, allocs, bytes, peak_bytes,"
		 " leaked_bytes, leaked_allocs, temporary FROM alloc_sites ORDER BY %s DESC", col);
	return each_row(st, sql, alloc_site_row, &k);
}

/*
 * store_read.c - the store's iterators (store_each_*), ad-hoc queries,
 * public views as rows, and the allocation-site reads. All SQL stays in
 * the store; callers get typed rows through callbacks.
 */
#include "common/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/counters.h"
#include "common/error.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/record.h"
#include "common/store_internal.h"

/* --- bounds: a database is untrusted input ---
 *
 * Readers index arrays by the ids of modules, files, functions, locations,
 * stack nodes and events, and walk stacks from node to parent. The
 * iterators below check every id and reference of a row against its
 * table's bound before a callback sees it, so a crafted or damaged file
 * (an id of 999999999, a parent that loops, a negative line) is refused
 * with "this profile is damaged: ..." instead of a multi-GB allocation, a
 * hang or an out-of-bounds access. Text that the schema says is NOT NULL
 * reads as "" when NULL. */

static const char *const table_name[TB_N] = {
	[TB_MODULES] = "modules", [TB_FILES] = "files", [TB_FUNCTIONS] = "functions",
	[TB_LOCATIONS] = "locations", [TB_NODES] = "stack_nodes", [TB_EVENTS] = "events",
};

struct bound_row { int64_t count, max, min; };

/* The row of all tables' bounds: count, max and min of each in turn. */
static int bound_rows(void *c, sqlite3_stmt *s)
{
	struct bound_row *b = c;
	for (int t = 0; t < TB_N; t++) {
		b[t].count = sqlite3_column_int64(s, 3 * t);
		b[t].max = sqlite3_column_int64(s, 3 * t + 1);
		b[t].min = sqlite3_column_int64(s, 3 * t + 2);
	}
	return 0;
}

/* All tables' bounds in one statement: six statements, each prepared, cost
 * a run ~115 us against ~60 us for one (wave 17), and a run asks twice.
 * Its 18 subqueries cost ~0.5 M instructions to prepare (callgrind, wave
 * 20): the statement is kept for the next call (a run's end asks before
 * symbolizing and again when it loads the profile), finalized at close. */
static int bounds_row(struct hp_store *st, struct bound_row *b)
{
	char sql[1024] = "SELECT ";
	int rc, err = store_settle_pending(st);
	if (err)
		return err;
	for (int t = 0; t < TB_N && !st->bounds; t++) {
		size_t len = strlen(sql);
		snprintf(sql + len, sizeof(sql) - len,
			 "%s(SELECT count(*) FROM %s), (SELECT COALESCE(max(id), 0) FROM %s),"
			 " (SELECT COALESCE(min(id), %d) FROM %s)", t ? ", " : "", table_name[t],
			 table_name[t], t == TB_EVENTS ? 0 : 1, table_name[t]);
	}
	if (!st->bounds && sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
					      &st->bounds, NULL) != SQLITE_OK)
		return store_sql_err(st, sql);
	while ((rc = sqlite3_step(st->bounds)) == SQLITE_ROW)
		bound_rows(b, st->bounds);
	if (rc != SQLITE_DONE)
		err = store_sql_err(st, "the tables' bounds");
	sqlite3_reset(st->bounds);
	return err;
}

int store_bounds(struct hp_store *st)
{
	struct bound_row b[TB_N];
	if (st->bounds_valid)
		return 0;
	memset(b, 0, sizeof(b));
	int err = bounds_row(st, b);
	if (err)
		return err;
	for (int t = 0; t < TB_N; t++) {
		int64_t lowest = t == TB_EVENTS ? 0 : 1;
		if (b[t].min < lowest)
			return hp_damaged("%s.id %lld is not a valid id", table_name[t],
					  (long long)b[t].min);
		if (b[t].max > 2 * b[t].count + 1024 || b[t].max > UINT32_MAX - 1)
			return hp_damaged("%s.id %lld is out of all proportion to the table's %lld"
					  " rows", table_name[t], (long long)b[t].max,
					  (long long)b[t].count);
		st->max_id[t] = b[t].max;
	}
	st->bounds_valid = 1;
	return 0;
}

int store_check_id(struct hp_store *st, enum store_table t, int64_t v, int may_be_zero,
		   const char *what)
{
	if (v >= (may_be_zero ? 0 : 1) && v <= st->max_id[t])
		return 0;
	return hp_damaged("%s %lld names no row of %s (largest id %lld)", what, (long long)v,
			  table_name[t], (long long)st->max_id[t]);
}

int store_each_checked_row(struct hp_store *st, const char *sql,
			    int (*row)(void *ctx, sqlite3_stmt *s), void *ctx)
{
	int err = store_bounds(st);
	return err ? err : store_each_row(st, sql, row, ctx);
}

/* --- iterators over raw facts --- */

struct cb_ctx { void *cb; void *ctx; struct hp_store *st; };

static int module_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	int64_t id = sqlite3_column_int64(s, 0);
	int err = store_check_id(k->st, TB_MODULES, id, 0, "modules.id");
	struct hp_module_row m = { (uint32_t)id, store_col_text_nn(s, 1), store_col_text(s, 2) };
	return err ? err : ((int (*)(void *, const struct hp_module_row *))k->cb)(k->ctx, &m);
}

int store_each_module(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_module_row *m), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_checked_row(st, "SELECT id, path, build_id FROM modules ORDER BY id", module_row,
				&k);
}

static int location_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	int64_t id = sqlite3_column_int64(s, 0), mod = sqlite3_column_int64(s, 1);
	int err;
	if ((err = store_check_id(k->st, TB_LOCATIONS, id, 0, "locations.id")) ||
	    (err = store_check_id(k->st, TB_MODULES, mod, 1, "locations.module_id")))
		return err;
	struct hp_location_row l = { (uint32_t)id, (uint32_t)mod,
				     (uint64_t)sqlite3_column_int64(s, 2) };
	return ((int (*)(void *, const struct hp_location_row *))k->cb)(k->ctx, &l);
}

int store_each_location(struct hp_store *st,
			int (*cb)(void *ctx, const struct hp_location_row *l), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_checked_row(st, "SELECT id, module_id, addr FROM locations ORDER BY id",
				location_row, &k);
}

/* A node's parent is an earlier node (the prefix tree is built outermost
 * first), so walking parents always ends. */
static int node_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	int64_t id = sqlite3_column_int64(s, 0), parent = sqlite3_column_int64(s, 1);
	int64_t loc = sqlite3_column_int64(s, 2);
	int err;
	if ((err = store_check_id(k->st, TB_NODES, id, 0, "stack_nodes.id")) ||
	    (err = store_check_id(k->st, TB_LOCATIONS, loc, 1, "stack_nodes.location_id")))
		return err;
	if (parent < 0 || parent >= id)
		return hp_damaged("stack node %lld has parent %lld: a parent precedes its child",
				  (long long)id, (long long)parent);
	struct hp_node_row n = { (uint32_t)id, (uint32_t)parent, (uint32_t)loc };
	return ((int (*)(void *, const struct hp_node_row *))k->cb)(k->ctx, &n);
}

int store_each_stack_node(struct hp_store *st,
			  int (*cb)(void *ctx, const struct hp_node_row *n), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_checked_row(st, "SELECT id, parent, location_id FROM stack_nodes ORDER BY id",
				node_row, &k);
}

static int sample_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	int64_t stack = sqlite3_column_int64(s, 2);
	int err = store_check_id(k->st, TB_NODES, stack, 1, "samples.stack_id");
	struct hp_sample_row r = {
		.t_ns = (uint64_t)sqlite3_column_int64(s, 0),
		.tid = (uint32_t)sqlite3_column_int64(s, 1),
		.stack_id = (uint32_t)stack,
		.event = sqlite3_column_int(s, 3),
	};
	if (err)
		return err;
	int64_t values[HP_MAX_COUNTERS * 4];
	const uint8_t *blob = sqlite3_column_blob(s, 4);
	int n = blob ? counters_decode(blob, (size_t)sqlite3_column_bytes(s, 4), values,
				       HP_MAX_COUNTERS * 4) : 0;
	r.counters = values;
	r.nr_counters = n > 0 ? (uint32_t)n : 0;
	r.unwind = sqlite3_column_type(s, 5) == SQLITE_NULL ? HP_STACK_END_UNKNOWN
							    : sqlite3_column_int(s, 5);
	return ((int (*)(void *, const struct hp_sample_row *))k->cb)(k->ctx, &r);
}

/* Does samples have its unwind column (files written before it do not)?
 * Asked of the schema SQLite holds, with no statement to run. */
static int has_unwind_column(struct hp_store *st)
{
	return sqlite3_table_column_metadata(st->db, NULL, "samples", "unwind", NULL, NULL, NULL,
					     NULL, NULL) == SQLITE_OK;
}

int store_each_sample(struct hp_store *st, uint64_t t_from, uint64_t t_to,
		      int (*cb)(void *ctx, const struct hp_sample_row *s), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	char sql[192];
	const char *unwind = has_unwind_column(st) ? "unwind" : "NULL";
	if (!t_from && !t_to)
		snprintf(sql, sizeof(sql), "SELECT t_ns, tid, stack_id, event, counters, %s FROM samples"
					   " ORDER BY rowid", unwind);
	else
		snprintf(sql, sizeof(sql), "SELECT t_ns, tid, stack_id, event, counters, %s FROM samples"
			 " WHERE t_ns >= %llu AND t_ns < %llu ORDER BY t_ns", unwind,
			 (unsigned long long)t_from,
			 (unsigned long long)(t_to ? t_to : (uint64_t)INT64_MAX));
	return store_each_checked_row(st, sql, sample_row, &k);
}

static int thread_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_thread_row t = { (uint32_t)sqlite3_column_int64(s, 0),
				   (uint32_t)sqlite3_column_int64(s, 1), store_col_text(s, 2),
				   (uint64_t)sqlite3_column_int64(s, 3),
				   (uint64_t)sqlite3_column_int64(s, 4),
				   (uint32_t)sqlite3_column_int64(s, 5) };
	return ((int (*)(void *, const struct hp_thread_row *))k->cb)(k->ctx, &t);
}

int store_each_thread(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_thread_row *t), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_row(st, "SELECT tid, pid, comm, start_ns, end_ns, run FROM threads"
			" ORDER BY tid",
			thread_row, &k);
}

static int process_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_process_row p = {
		.pid = (uint32_t)sqlite3_column_int64(s, 0),
		.ppid = (uint32_t)sqlite3_column_int64(s, 1),
		.comm = store_col_text(s, 2),
		.exe = store_col_text(s, 3),
		.start_ns = (uint64_t)sqlite3_column_int64(s, 4),
		.end_ns = (uint64_t)sqlite3_column_int64(s, 5),
		.exit_code = sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 6),
		.peak_rss = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 7),
		.heap_peak = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 8),
	};
	return ((int (*)(void *, const struct hp_process_row *))k->cb)(k->ctx, &p);
}

int store_each_process(struct hp_store *st,
		       int (*cb)(void *ctx, const struct hp_process_row *p), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_row(st, "SELECT pid, ppid, comm, exe, start_ns, end_ns, exit_code, peak_rss,"
			    " heap_peak FROM processes ORDER BY start_ns, pid", process_row, &k);
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
		.rss_anon = (uint64_t)sqlite3_column_int64(s, 4),
		.rss_file = (uint64_t)sqlite3_column_int64(s, 5),
		.rss_shmem = (uint64_t)sqlite3_column_int64(s, 6),
		.split = sqlite3_column_type(s, 4) != SQLITE_NULL,
	};
	return ((int (*)(void *, const struct hp_mem_reading *))k->cb)(k->ctx, &m);
}

int store_each_memory(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_mem_reading *m), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_row(st, "SELECT pid, t_ns, rss_bytes, heap_bytes, rss_anon, rss_file,"
			    " rss_shmem FROM memory ORDER BY pid, t_ns", memory_row, &k);
}

static int file_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	int64_t id = sqlite3_column_int64(s, 0);
	int err = store_check_id(k->st, TB_FILES, id, 0, "files.id");
	struct hp_file_row f = { (uint32_t)id, store_col_text_nn(s, 1) };
	return err ? err : ((int (*)(void *, const struct hp_file_row *))k->cb)(k->ctx, &f);
}

int store_each_file(struct hp_store *st,
		    int (*cb)(void *ctx, const struct hp_file_row *f), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_checked_row(st, "SELECT id, path FROM files ORDER BY id", file_row, &k);
}

static int function_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	int64_t id = sqlite3_column_int64(s, 0), mod = sqlite3_column_int64(s, 2);
	int64_t file = sqlite3_column_int64(s, 3);
	int err;
	if ((err = store_check_id(k->st, TB_FUNCTIONS, id, 0, "functions.id")) ||
	    (err = store_check_id(k->st, TB_MODULES, mod, 1, "functions.module_id")) ||
	    (err = store_check_id(k->st, TB_FILES, file, 1, "functions.file_id")))
		return err;
	struct hp_function_row f = { (uint32_t)id, store_col_text_nn(s, 1), (uint32_t)mod,
				     (uint32_t)file,
				     (const char *)sqlite3_column_text(s, 4) };
	return ((int (*)(void *, const struct hp_function_row *))k->cb)(k->ctx, &f);
}

int store_each_function(struct hp_store *st,
			int (*cb)(void *ctx, const struct hp_function_row *f), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_checked_row(st, st->no_raw_name ?
			"SELECT id, name, module_id, file_id, NULL FROM functions ORDER BY id" :
			"SELECT id, name, module_id, file_id, raw_name FROM functions ORDER BY id",
			function_row, &k);
}

static int frame_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	int64_t loc = sqlite3_column_int64(s, 0), depth = sqlite3_column_int64(s, 1);
	int64_t func = sqlite3_column_int64(s, 2), file = sqlite3_column_int64(s, 3);
	int64_t line = sqlite3_column_int64(s, 4);
	int err;
	if ((err = store_check_id(k->st, TB_LOCATIONS, loc, 0, "location_frames.location_id")) ||
	    (err = store_check_id(k->st, TB_FUNCTIONS, func, 1, "location_frames.function_id")) ||
	    (err = store_check_id(k->st, TB_FILES, file, 1, "location_frames.file_id")))
		return err;
	if (depth < 0 || depth >= 4 * HP_MAX_FRAMES || line < 0 || line >= STORE_MAX_LINE)
		return hp_damaged("location %lld has an inline frame at depth %lld, line %lld",
				  (long long)loc, (long long)depth, (long long)line);
	struct hp_frame_row f = { (uint32_t)loc, (uint32_t)depth, (uint32_t)func, (uint32_t)file,
				  (uint32_t)line };
	return ((int (*)(void *, const struct hp_frame_row *))k->cb)(k->ctx, &f);
}

int store_each_location_frame(struct hp_store *st,
			      int (*cb)(void *ctx, const struct hp_frame_row *f), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_checked_row(st, "SELECT location_id, depth, function_id, file_id, line"
				" FROM location_frames ORDER BY location_id, depth", frame_row, &k);
}

static int named_frame_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	int64_t depth = sqlite3_column_int64(s, 0), line = sqlite3_column_int64(s, 3);
	struct hp_named_frame f = { (uint32_t)depth, store_col_text_nn(s, 1), store_col_text(s, 2),
				    line > 0 && line < STORE_MAX_LINE ? (uint32_t)line : 0 };
	return ((int (*)(void *, const struct hp_named_frame *))k->cb)(k->ctx, &f);
}

int store_location_names(struct hp_store *st, uint32_t module_id, uint64_t addr,
			 int (*cb)(void *ctx, const struct hp_named_frame *f), void *ctx)
{
	uint64_t id;
	if (!hmap_get(&st->locations, hmap_key2(module_id, addr), &id))
		return 0;                      /* not interned by this writer */
	char sql[320];
	snprintf(sql, sizeof(sql), "SELECT lf.depth, f.name, fi.path, lf.line FROM location_frames lf"
		 " JOIN functions f ON f.id = lf.function_id LEFT JOIN files fi ON fi.id = lf.file_id"
		 " WHERE lf.location_id = %llu ORDER BY lf.depth", (unsigned long long)id);
	struct cb_ctx k = { (void *)cb, ctx, st };
	return store_each_row(st, sql, named_frame_row, &k);
}

int store_int_row(void *c, sqlite3_stmt *s)
{
	*(int64_t *)c = sqlite3_column_int64(s, 0);
	return 0;
}

int store_has_locations(struct hp_store *st)
{
	int64_t n = 0;
	store_each_row(st, "SELECT EXISTS (SELECT 1 FROM locations)", store_int_row, &n);
	return n > 0;
}

int store_is_symbolized(struct hp_store *st)
{
	int64_t n = 0;
	store_each_row(st, "SELECT EXISTS (SELECT 1 FROM location_frames)", store_int_row, &n);
	return n > 0;
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
	c->text = store_col_text(s, i);
}

int store_each_view_row(struct hp_store *st, const char *view,
			int (*cb)(void *ctx, int ncols, const char *const *names,
				  const struct hp_cell *cells),
			void *ctx)
{
	char sql[600] = "SELECT * FROM ";
	sqlite3_stmt *s;
	int rc, ret = 0;
	store_append_ident(sql, sizeof(sql), view);
	if ((ret = store_settle_pending(st)))
		return ret;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sql_err(st, sql);
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
		ret = store_sql_err(st, sql);
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
	return store_each_row(st, "SELECT COUNT(*), COALESCE(SUM(allocs), 0), COALESCE(SUM(bytes), 0),"
			    " COALESCE(SUM(leaked_bytes), 0) FROM alloc_stacks", alloc_row, t);
}

/* --- allocation tracking --- */

int store_add_alloc_stack(struct hp_store *st, const struct hp_alloc_site_row *r)
{
	sqlite3_stmt *s;
	int err = store_begin(st);
	if (err)
		return err;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO alloc_stacks(stack_id, allocs, bytes,"
			       " peak_bytes, leaked_bytes, leaked_allocs, temporary, pid)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		return store_sql_err(st, "alloc_stacks");
	sqlite3_bind_int64(s, 1, r->stack_id);
	sqlite3_bind_int64(s, 2, (int64_t)r->allocs);
	sqlite3_bind_int64(s, 3, (int64_t)r->bytes);
	sqlite3_bind_int64(s, 4, (int64_t)r->peak_bytes);
	sqlite3_bind_int64(s, 5, (int64_t)r->leaked_bytes);
	sqlite3_bind_int64(s, 6, (int64_t)r->leaked_allocs);
	sqlite3_bind_int64(s, 7, (int64_t)r->temporary);
	sqlite3_bind_int64(s, 8, r->pid);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_sql_err(st, "alloc_stacks");
}

static int alloc_stack_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_alloc_site_row r = {
		(uint32_t)sqlite3_column_int64(s, 0), (uint32_t)sqlite3_column_int64(s, 1),
		(uint64_t)sqlite3_column_int64(s, 2), (uint64_t)sqlite3_column_int64(s, 3),
		(uint64_t)sqlite3_column_int64(s, 4), (uint64_t)sqlite3_column_int64(s, 5),
		(uint64_t)sqlite3_column_int64(s, 6), (uint64_t)sqlite3_column_int64(s, 7),
	};
	return ((int (*)(void *, const struct hp_alloc_site_row *))k->cb)(k->ctx, &r);
}

int store_each_alloc_stack(struct hp_store *st,
			   int (*cb)(void *ctx, const struct hp_alloc_site_row *r), void *ctx)
{
	struct cb_ctx k = { (void *)cb, ctx };
	if (!has_object(st, "table", "alloc_stacks"))
		return 0;
	return store_each_row(st, "SELECT stack_id, pid, allocs, bytes, peak_bytes, leaked_bytes,"
			      " leaked_allocs, temporary FROM alloc_stacks ORDER BY pid, stack_id",
			      alloc_stack_row, &k);
}

static int alloc_site_row(void *c, sqlite3_stmt *s)
{
	struct cb_ctx *k = c;
	struct hp_alloc_site a = {
		store_col_text(s, 0), store_col_text(s, 1), (uint32_t)sqlite3_column_int64(s, 2),
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
	struct cb_ctx k = { (void *)cb, ctx, st };
	const char *col = "bytes";
	char sql[256];
	for (size_t i = 0; order_by && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!strcmp(order_by, allowed[i]))
			col = allowed[i];
	snprintf(sql, sizeof(sql), "SELECT function, file, line, allocs, bytes, peak_bytes,"
		 " leaked_bytes, leaked_allocs, temporary FROM alloc_sites ORDER BY %s DESC", col);
	return store_each_row(st, sql, alloc_site_row, &k);
}

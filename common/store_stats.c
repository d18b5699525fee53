/*
 * store_stats.c - the pre-aggregated profile (store.h): function and line
 * statistics with their counters, and the function_profile and
 * line_profile views built over them with one column per counter event.
 */
#include "common/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "common/store_internal.h"

/* --- pre-aggregated profile --- */

int store_clear_stats(struct hp_store *st)
{
	int err = store_begin(st);
	return err ? err : store_exec_sql(st, "DELETE FROM function_stats; DELETE FROM line_stats;"
				    " DELETE FROM function_counter_stats;"
				    " DELETE FROM line_counter_stats;");
}

int store_add_function_stat(struct hp_store *st, uint32_t function_id, uint64_t self,
			    uint64_t total)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_FSTAT);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, function_id);
	sqlite3_bind_int64(s, 2, (int64_t)self);
	sqlite3_bind_int64(s, 3, (int64_t)total);
	return store_step_write(st, s);
}

int store_add_line_stat(struct hp_store *st, uint32_t file_id, uint32_t line,
			uint32_t function_id, uint64_t self)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_LSTAT);
	if (!s)
		return -HP_ESQL;
	store_bind_id_or_null(s, 1, file_id);
	store_bind_id_or_null(s, 2, line);
	sqlite3_bind_int64(s, 3, function_id);
	sqlite3_bind_int64(s, 4, (int64_t)self);
	return store_step_write(st, s);
}

int store_add_function_counter(struct hp_store *st, uint32_t function_id, int event_id,
			       int64_t self, int64_t total)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_FCOUNTER);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, function_id);
	sqlite3_bind_int(s, 2, event_id);
	sqlite3_bind_int64(s, 3, self);
	sqlite3_bind_int64(s, 4, total);
	return store_step_write(st, s);
}

int store_add_line_counter(struct hp_store *st, uint32_t file_id, uint32_t line,
			   uint32_t function_id, int event_id, int64_t self)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_LCOUNTER);
	if (!s)
		return -HP_ESQL;
	store_bind_id_or_null(s, 1, file_id);
	store_bind_id_or_null(s, 2, line);
	sqlite3_bind_int64(s, 3, function_id);
	sqlite3_bind_int(s, 4, event_id);
	sqlite3_bind_int64(s, 5, self);
	return store_step_write(st, s);
}

/* Quote an event name as an SQL identifier ("cache-misses" -> "cache-misses"). */
void store_append_ident(char *buf, size_t cap, const char *name)
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

struct view_cols {
	char fcols[8192], lcols[8192];
	int sampler, simulated;
	char first_sim[256];          /* the first simulated column, quoted: the order */
};

static int view_event(void *c, const struct hp_event_info *ev)
{
	struct view_cols *v = c;
	char col[512];
	v->sampler |= !strcmp(ev->role, "sampler");
	if (!strcmp(ev->role, "simulated") && !v->simulated++)
		store_append_ident(v->first_sim, sizeof(v->first_sim), ev->name);
	if (ev->id < 0 || strcmp(ev->role, "sampler") == 0)
		return 0;
	/* Measured: the sum, 0 when this row had none. Not measured, or
	 * counted for the whole run only (role "total"): NULL ("n/a"), never 0. */
	int rows = ev->measured && strcmp(ev->role, "total");
	if (rows)
		snprintf(col, sizeof(col), ", COALESCE((SELECT c.self_value FROM function_counter_stats c"
			 " WHERE c.function_id = s.function_id AND c.event_id = %d), 0) AS ", ev->id);
	else
		snprintf(col, sizeof(col), ", NULL AS ");
	store_append_ident(col, sizeof(col), ev->name);
	strncat(v->fcols, col, sizeof(v->fcols) - strlen(v->fcols) - 1);
	if (rows)
		snprintf(col, sizeof(col), ", COALESCE((SELECT SUM(c.self_value) FROM line_counter_stats c"
			 " WHERE c.file_id IS l.file_id AND c.line IS l.line"
			 " AND c.function_id = l.function_id AND c.event_id = %d), 0) AS ", ev->id);
	else
		snprintf(col, sizeof(col), ", NULL AS ");
	store_append_ident(col, sizeof(col), ev->name);
	strncat(v->lcols, col, sizeof(v->lcols) - strlen(v->lcols) - 1);
	return 0;
}

/* The sample columns; NULL in a run that was simulated instead of sampled
 * (never 0 for what was not measured). The shares are of the samples
 * (run_info.samples) - but in a merge of runs sampled at different rates,
 * whose CPU time per function and line the analyzer stored (counter stats
 * of event_id -17, HP_PEVENT_CPU_TIME), of the CPU time: that time over
 * the runs' samples x their periods (runs, run_meta cpu_sample_ns). The
 * order is the same: by that time first (NULL in any other profile). */
#define MIXED " (SELECT 1 FROM function_counter_stats WHERE event_id = -17 LIMIT 1)"
#define RUNS_NS \
	" MAX(1, (SELECT SUM(r.samples * CAST(rm.value AS INTEGER)) FROM runs r" \
	"   JOIN run_meta rm ON rm.run = r.id AND rm.key = 'cpu_sample_ns'))"
#define ALL_SAMPLES \
	" MAX(1, (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'samples'))"
#define F_NS(col) \
	" (SELECT c." col " FROM function_counter_stats c" \
	"   WHERE c.function_id = s.function_id AND c.event_id = -17)"
#define L_NS \
	" (SELECT SUM(c.self_value) FROM line_counter_stats c WHERE c.file_id IS l.file_id" \
	"   AND c.line IS l.line AND c.function_id = l.function_id AND c.event_id = -17)"
#define SHARE(n, ns) \
	" ROUND(CASE WHEN" MIXED " IS NULL THEN 100.0 * " n " /" ALL_SAMPLES \
	"   ELSE 100.0 * COALESCE(" ns ", 0) /" RUNS_NS " END, 2)"
#define F_SAMPLES \
	" s.self_samples, s.total_samples," \
	SHARE("s.self_samples", F_NS("self_value")) " AS self_pct," \
	SHARE("s.total_samples", F_NS("total_value")) " AS total_pct"
#define F_NO_SAMPLES \
	" NULL AS self_samples, NULL AS total_samples, NULL AS self_pct, NULL AS total_pct"
#define L_SAMPLES \
	" l.self_samples," SHARE("l.self_samples", L_NS) " AS self_pct"
#define L_NO_SAMPLES " NULL AS self_samples, NULL AS self_pct"

static int table_events(void *st, int (*cb)(void *, const struct hp_event_info *), void *ctx)
{
	return store_each_event(st, cb, ctx);
}

int store_create_views(struct hp_store *st)
{
	return store_create_views_from(st, table_events, st);
}

/* 1 when view name's SQL in the schema is sql (as SQLite keeps it: the
 * CREATE statement without its ';'). */
static int view_is(struct hp_store *st, const char *name, const char *sql)
{
	sqlite3_stmt *s;
	int same = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT sql FROM sqlite_master WHERE type = 'view'"
			       " AND name = ?1", -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *have = (const char *)sqlite3_column_text(s, 0);
		same = have && !strcmp(have, sql);
	}
	sqlite3_finalize(s);
	return same;
}

/* Parsing the views' SQL (twice: at CREATE and in SQLite's schema re-read)
 * is ~3 M instructions, a quarter of a julia run's end: views that are
 * already as they would be made are kept. */
int store_create_views_from(struct hp_store *st, hp_event_list list, void *ctx)
{
	struct view_cols v = { "", "", 0, 0, "" };
	char forder[512], lorder[512];
	char *fsql = NULL, *lsql = NULL, *sql = NULL;
	int err = list(ctx, view_event, &v);
	if (err)
		return err;
	int sampled = v.sampler || !v.simulated;
	if (sampled) {
		snprintf(forder, sizeof(forder), "%s DESC, s.self_samples DESC,"
			 " s.total_samples DESC", F_NS("self_value"));
		snprintf(lorder, sizeof(lorder), "%s DESC, l.self_samples DESC", L_NS);
	} else {
		snprintf(forder, sizeof(forder), "%s DESC", v.first_sim);
		snprintf(lorder, sizeof(lorder), "%s DESC", v.first_sim);
	}
	if (asprintf(&fsql,
		     "CREATE VIEW function_profile AS"
		     " SELECT f.name AS function, m.path AS module, fi.path AS file,%s%s"
		     " FROM function_stats s JOIN functions f ON f.id = s.function_id"
		     " LEFT JOIN modules m ON m.id = f.module_id LEFT JOIN files fi ON fi.id = f.file_id"
		     " ORDER BY %s", sampled ? F_SAMPLES : F_NO_SAMPLES, v.fcols, forder) < 0)
		fsql = NULL;                  /* asprintf leaves it undefined */
	if (asprintf(&lsql,
		     "CREATE VIEW line_profile AS"
		     " SELECT fi.path AS file, l.line AS line, f.name AS function, m.path AS module,"
		     "%s%s"
		     " FROM line_stats l JOIN functions f ON f.id = l.function_id"
		     " LEFT JOIN modules m ON m.id = f.module_id LEFT JOIN files fi ON fi.id = l.file_id"
		     " ORDER BY %s", sampled ? L_SAMPLES : L_NO_SAMPLES, v.lcols, lorder) < 0)
		lsql = NULL;
	if (fsql && lsql && asprintf(&sql, "DROP VIEW IF EXISTS function_profile;"
				     " DROP VIEW IF EXISTS line_profile; %s; %s;", fsql, lsql) < 0)
		sql = NULL;
	if (!sql) {
		err = -ENOMEM;
	} else if (view_is(st, "function_profile", fsql) && view_is(st, "line_profile", lsql)) {
		hp_debug(HP_DBG_STORE, 1, "views: kept");
	} else if (!(err = store_begin(st)) && !(err = store_exec_sql(st, sql))) {
		hp_debug(HP_DBG_STORE, 1, "views: made");
	}
	free(fsql);
	free(lsql);
	free(sql);
	return err;
}

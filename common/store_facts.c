/*
 * store_facts.c - the run's facts and events (store.h): the meta table
 * behind run_info, written from one struct hp_run_facts whose field names
 * are the keys, and the events table.
 */
#include "common/store.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/store_internal.h"

/* --- meta --- */

static int set_meta(struct hp_store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = store_stmt(st, S_SET_META);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(s, 2, value);
	return store_step_write(st, s);
}

/* --- the run's facts: one row per field, keyed by the field's name --- */

enum fact_type { FACT_TEXT, FACT_INT, FACT_SECONDS };

struct fact {
	const char *key;
	enum fact_type type;
	size_t offset;
};

#define TEXT(f) { #f, FACT_TEXT, offsetof(struct hp_run_facts, f) }
#define INT(f)  { #f, FACT_INT, offsetof(struct hp_run_facts, f) }
#define SECS(f) { #f, FACT_SECONDS, offsetof(struct hp_run_facts, f) }

static const struct fact facts[] = {
	TEXT(command), TEXT(target), TEXT(cwd), TEXT(start_time), TEXT(hostname), TEXT(kernel),
	TEXT(kernel_name), TEXT(hpprof_version),
	INT(frequency), TEXT(call_graph), INT(stack_size), INT(mem_interval_ms), INT(fault_period),
	TEXT(sampling), TEXT(kernel_samples), INT(agent_stood_aside),
	INT(duration_ns), INT(exit_status), TEXT(signal), INT(interrupted), TEXT(unfinished),
	INT(samples),
	INT(complete_stacks), INT(cut_stacks), INT(hole_stacks),
	INT(joined_stacks), INT(entry_stacks), INT(unseen_ns), INT(unseen_partial_ns),
	INT(lost_samples), INT(fault_samples),
	INT(peak_rss_bytes), SECS(user_s), SECS(sys_s), INT(unwind_ns), INT(symbolize_ns),
	INT(symbol_cache_misses),
	TEXT(alloc_tracking), INT(alloc_count), INT(alloc_frees), INT(alloc_dropped),
	INT(alloc_unknown_frees), INT(alloc_untracked), TEXT(alloc_untracked_first),
	INT(alloc_sample_bytes), INT(heap_peak_bytes),
	INT(heap_peak_t_ns), INT(heap_peak_pid), INT(alloc_temporary), INT(alloc_stream_bytes),
	INT(alloc_stream_events), INT(alloc_target_bytes), INT(alloc_writer_waits),
	INT(alloc_writer_wait_ns), INT(hpprof_peak_rss_bytes),
	TEXT(preload_libraries), TEXT(preload_env),
	TEXT(simulation), TEXT(sim_tool), TEXT(sim_I1), TEXT(sim_D1), TEXT(sim_LL),
	INT(sim_processes),
	TEXT(python_version), TEXT(python_note), TEXT(python_frames), INT(python_merged),
	INT(python_truncated), INT(python_unmerged), INT(python_unresolved), INT(python_native),
	INT(python_backoff),
	TEXT(jit_maps),
	TEXT(merged_from), INT(merged_runs),
	INT(mpi_rank), INT(mpi_size), TEXT(mpi_job), TEXT(mpi_rank_from), TEXT(mpi_ranks_missing),
	TEXT(kernel_frames), TEXT(boot_id),
	INT(cpu_sample_ns), TEXT(off_cpu), INT(offcpu_intervals), INT(offcpu_ns),
	INT(offcpu_no_stack), INT(offcpu_sampled), INT(offcpu_unsampled), TEXT(lost_count),
	INT(privileged_execs), TEXT(privileged_exec),
};

#define NFACTS (sizeof(facts) / sizeof(facts[0]))

/* Every field is 8 bytes and has its row: a field added to the struct
 * without a key here fails to compile. */
_Static_assert(sizeof(struct hp_run_facts) == NFACTS * 8, "every run fact needs its key");

void store_facts_init(struct hp_run_facts *f)
{
	for (size_t i = 0; i < NFACTS; i++) {
		void *p = (char *)f + facts[i].offset;
		switch (facts[i].type) {
		case FACT_TEXT: *(const char **)p = NULL; break;
		case FACT_INT: *(int64_t *)p = HP_FACT_UNSET; break;
		case FACT_SECONDS: *(double *)p = NAN; break;
		}
	}
}

/* The row of fact i as text into buf, or NULL when the fact is unset. */
static const char *fact_text(const struct hp_run_facts *f, size_t i, char *buf, size_t len)
{
	const void *p = (const char *)f + facts[i].offset;
	switch (facts[i].type) {
	case FACT_TEXT:
		return *(const char *const *)p;
	case FACT_INT:
		if (*(const int64_t *)p == HP_FACT_UNSET)
			return NULL;
		snprintf(buf, len, "%lld", (long long)*(const int64_t *)p);
		return buf;
	case FACT_SECONDS:
		if (isnan(*(const double *)p))
			return NULL;
		snprintf(buf, len, "%.3f", *(const double *)p);
		return buf;
	}
	return NULL;
}

int store_write_facts(struct hp_store *st, const struct hp_run_facts *f)
{
	char buf[32];
	int err = 0;
	for (size_t i = 0; i < NFACTS && !err; i++) {
		const char *v = fact_text(f, i, buf, sizeof(buf));
		if (v)
			err = set_meta(st, facts[i].key, v);
	}
	return err;
}

int store_get_meta(struct hp_store *st, const char *key, char **value)
{
	sqlite3_stmt *s = store_stmt(st, S_GET_META);
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
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_err(st, "get meta");
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

int store_last_record_ns(struct hp_store *st, int64_t *t_ns)
{
	*t_ns = 0;
	int err = store_each_row(st, "SELECT MAX(COALESCE((SELECT MAX(t_ns) FROM samples), 0),"
				 " COALESCE((SELECT MAX(t_ns) FROM memory), 0))", store_int_row, t_ns);
	if (*t_ns < 0)
		*t_ns = 0;
	return err;
}

int store_unset_meta(struct hp_store *st, const char *key)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM meta WHERE key = ?", -1, &s, NULL) != SQLITE_OK)
		return store_sql_err(st, "unset meta");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	int err = store_step_write(st, s);
	sqlite3_finalize(s);
	return err;
}

struct meta_ctx { int (*cb)(void *, const char *, const char *); void *ctx; };

static int meta_row(void *c, sqlite3_stmt *s)
{
	struct meta_ctx *m = c;
	return m->cb(m->ctx, store_col_text(s, 0), store_col_text(s, 1));
}

int store_each_meta(struct hp_store *st,
		    int (*cb)(void *ctx, const char *key, const char *value), void *ctx)
{
	struct meta_ctx m = { cb, ctx };
	return store_each_row(st, "SELECT key, value FROM meta ORDER BY key", meta_row, &m);
}

/* --- events --- */

int store_add_event(struct hp_store *st, const struct hp_event_info *ev)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_EVENT);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int(s, 1, ev->id);
	sqlite3_bind_text(s, 2, ev->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ev->role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 4, ev->measured);
	store_bind_text_or_null(s, 5, ev->reason);
	if (ev->total >= 0)
		sqlite3_bind_int64(s, 6, ev->total);
	sqlite3_bind_int64(s, 7, (int64_t)ev->enabled_ns);
	sqlite3_bind_int64(s, 8, (int64_t)ev->running_ns);
	return store_step_write(st, s);
}

struct event_ctx { int (*cb)(void *, const struct hp_event_info *); void *ctx;
		   struct hp_store *st; };

static int event_row(void *c, sqlite3_stmt *s)
{
	struct event_ctx *e = c;
	int64_t id = sqlite3_column_int64(s, 0);
	int err = store_check_id(e->st, TB_EVENTS, id, 1, "events.id");
	if (err)
		return err;
	struct hp_event_info ev = {
		.id = (int)id,
		.name = store_col_text_nn(s, 1),
		.role = store_col_text_nn(s, 2),
		.measured = sqlite3_column_int(s, 3),
		.reason = store_col_text(s, 4),
		.total = sqlite3_column_type(s, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 5),
		.enabled_ns = (uint64_t)sqlite3_column_int64(s, 6),
		.running_ns = (uint64_t)sqlite3_column_int64(s, 7),
	};
	return e->cb(e->ctx, &ev);
}

int store_each_event(struct hp_store *st,
		     int (*cb)(void *ctx, const struct hp_event_info *ev), void *ctx)
{
	struct event_ctx e = { cb, ctx, st };
	return store_each_checked_row(st, "SELECT id, name, role, measured, reason, total, enabled_ns,"
			    " running_ns FROM events ORDER BY id", event_row, &e);
}


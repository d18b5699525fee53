/*
 * store_sim.c - simulated costs (store.h): the sim_costs rows of a
 * --cache-sim run, written by the analyzer's Cachegrind attach step and
 * read back by the profile model.
 */
#include "common/store.h"

#include <sqlite3.h>

#include "common/error.h"
#include "common/store_internal.h"

int store_add_sim_cost(struct hp_store *st, uint32_t function_id, uint32_t file_id,
		       uint32_t line, int event_id, int64_t value)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_SIMCOST);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, function_id);
	store_bind_id_or_null(s, 2, file_id);
	store_bind_id_or_null(s, 3, line);
	sqlite3_bind_int(s, 4, event_id);
	sqlite3_bind_int64(s, 5, value);
	return store_step_write(st, s);
}

struct sim_iter {
	int (*cb)(void *ctx, const struct hp_sim_cost_row *r);
	void *ctx;
	struct hp_store *st;
};

/* A database is untrusted input (store_read.c): every id and line is
 * checked against its table before the profile model indexes by it. */
static int sim_row(void *c, sqlite3_stmt *s)
{
	struct sim_iter *it = c;
	int64_t func = sqlite3_column_int64(s, 0), file = sqlite3_column_int64(s, 1);
	int64_t line = sqlite3_column_int64(s, 2), ev = sqlite3_column_int64(s, 3);
	int err;
	if ((err = store_check_id(it->st, TB_FUNCTIONS, func, 0, "sim_costs.function_id")) ||
	    (err = store_check_id(it->st, TB_FILES, file, 1, "sim_costs.file_id")) ||
	    (err = store_check_id(it->st, TB_EVENTS, ev, 0, "sim_costs.event_id")))
		return err;
	if (line < 0 || line >= STORE_MAX_LINE)
		return hp_damaged("sim_costs.line %lld is no source line", (long long)line);
	struct hp_sim_cost_row r = {
		.function_id = (uint32_t)func,
		.file_id = (uint32_t)file,               /* NULL reads as 0 */
		.line = (uint32_t)line,
		.event_id = (int)ev,
		.value = sqlite3_column_int64(s, 4),
	};
	return it->cb(it->ctx, &r);
}

int store_each_sim_cost(struct hp_store *st,
			int (*cb)(void *ctx, const struct hp_sim_cost_row *r), void *ctx)
{
	struct sim_iter it = { cb, ctx, st };
	int64_t n = 0;
	int err = store_each_row(st, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
				 " AND name = 'sim_costs'", store_int_row, &n);
	if (err || !n)
		return err;
	return store_each_checked_row(st, "SELECT function_id, file_id, line, event_id, value"
				      " FROM sim_costs", sim_row, &it);
}

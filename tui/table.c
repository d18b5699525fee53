/*
 * table.c - a list over an analyzer column table (table.h).
 *
 * Rows that carry nothing in the selection (no samples, no counts) are left
 * out, as in `hpprof report`. The cells are exactly what the column's
 * format() writes; only the color is added here.
 */
#include "tui/table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "tui/colors.h"
#include "tui/view.h"

/* The share a percentage column shows, for its heat color; -1 otherwise. */
static double heat_share(const struct tui_table *t, const struct hp_column *c, uint32_t r)
{
	const struct hp_profile *p = app_profile(t->app);
	switch (t->kind) {
	case HP_ROWS_FUNCTIONS: {
		const struct hp_pfunc *f = &p->functions[r];
		if (!strcmp(c->id, "self_pct"))
			return profile_share(p, f->self, f->cself);
		if (!strcmp(c->id, "total_pct"))
			return profile_share(p, f->total, f->ctotal);
		return -1;
	}
	case HP_ROWS_LINES:
		return !strcmp(c->id, "self_pct") ? profile_share(p, p->lines[r].self, p->lines[r].c)
						  : -1;
	case HP_ROWS_THREADS:
		return !strcmp(c->id, "pct") ? profile_thread_share(p, &p->threads[r]) : -1;
	}
	return -1;
}

static void cell(void *ctx, int col, uint32_t row, char *buf, size_t len, int *role)
{
	struct tui_table *t = ctx;
	const struct hp_profile *p = app_profile(t->app);
	const struct hp_column *c = &t->cols[t->list.cols[col].src];
	uint32_t r = t->rows[row];
	double heat = heat_share(t, c, r);
	columns_cell(p, c, r, buf, len);
	if (heat >= 0)   /* the share shown (of CPU time in a merge of runs at several rates) */
		*role = colors_heat(heat);
}

static int empty(const struct hp_profile *p, enum hp_row_kind kind, uint32_t i)
{
	const int64_t *a = NULL, *b = NULL;
	if (kind == HP_ROWS_FUNCTIONS) {
		if (p->functions[i].self || p->functions[i].total)
			return 0;
		a = p->functions[i].cself;
		b = p->functions[i].ctotal;
	} else if (kind == HP_ROWS_LINES) {
		if (p->lines[i].self)
			return 0;
		a = p->lines[i].c;
	} else {
		return p->threads[i].samples == 0;
	}
	for (uint32_t e = 0; e < p->nevents; e++)      /* allocations: the memory view's */
		if (((a && a[e]) || (b && b[e])) && strcmp(p->events[e].role, "alloc"))
			return 0;
	return 1;
}

/* Sort by the sort column; keep_selection: the same row stays selected
 * (else the first row is). */
static void sort_rows(struct tui_table *t, int keep_selection)
{
	const struct hp_profile *p = app_profile(t->app);
	const struct hp_column *c = columns_find(t->cols, t->ncols, t->sort_id);
	uint32_t keep = keep_selection && t->list.nrows ? t->rows[t->list.sel] : UINT32_MAX;
	int h = app_area(t->app).h;
	if (!c)
		c = &t->cols[0];
	columns_sort(p, c, t->rows, t->list.nrows);
	t->list.sort_col = list_col_of_src(&t->list, (int)(c - t->cols));
	list_select(&t->list, 0, h);
	for (uint32_t i = 0; i < t->list.nrows; i++)
		if (t->rows[i] == keep)
			list_select(&t->list, i, h);
}

int table_reload(struct tui_table *t)
{
	const struct hp_profile *p = app_profile(t->app);
	uint32_t total = columns_nrows(p, t->kind), n = 0;
	uint32_t *rows = malloc((total + 1) * sizeof(*rows));
	int hs = t->list.hscroll;
	if (!rows)
		return -ENOMEM;
	for (uint32_t i = 0; i < total; i++)
		if (!empty(p, t->kind, i))
			rows[n++] = i;
	free(t->rows);
	t->rows = rows;
	list_init(&t->list, t, cell);
	t->list.hscroll = hs;
	t->ncols = columns_build(p, t->kind, t->cols, HP_MAX_COLUMNS);
	list_columns(&t->list, p, t->cols, t->ncols, t->hide);
	t->list.nrows = n;
	sort_rows(t, 0);
	return 0;
}

int table_init(struct tui_table *t, struct tui_app *a, enum hp_row_kind kind,
	       const char *sort_id, const char *hide)
{
	memset(t, 0, sizeof(*t));
	t->app = a;
	t->kind = kind;
	t->hide = hide;
	snprintf(t->sort_id, sizeof(t->sort_id), "%s", sort_id);
	return table_reload(t);
}

void table_release(struct tui_table *t)
{
	free(t->rows);
	t->rows = NULL;
}

uint32_t table_selected(const struct tui_table *t)
{
	return t->list.nrows ? t->rows[t->list.sel] : UINT32_MAX;
}

static int cycle_sort(struct tui_table *t, int dir)
{
	struct tui_list *l = &t->list;
	int c;
	if (!l->ncols)
		return TUI_R_VIEW;
	c = ((l->sort_col < 0 ? 0 : l->sort_col) + dir + l->ncols) % l->ncols;
	snprintf(t->sort_id, sizeof(t->sort_id), "%s", t->cols[l->cols[c].src].id);
	sort_rows(t, 1);
	app_message(t->app, TUI_DIM, "sorted by %s", l->cols[c].header);
	return TUI_R_VIEW;
}

int table_action(struct tui_table *t, enum tui_action a)
{
	if (a == TUI_A_SORT_NEXT)
		return cycle_sort(t, 1);
	if (a == TUI_A_SORT_PREV)
		return cycle_sort(t, -1);
	return list_action(&t->list, a, app_area(t->app).h);
}

int table_search(struct tui_table *t, const char *needle, int dir)
{
	return list_find(&t->list, needle, dir, app_area(t->app).h);
}

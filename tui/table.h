/*
 * table.h - a list over one of the analyzer's column tables (functions,
 * lines or threads rows of columns.h): rows, sorting by any column with
 * s / S, the heat colors of the percentage columns, and reloading with a
 * new profile while keeping the sort column. The functions, lines and
 * threads views are thin layers over it.
 */
#ifndef HP_TUI_TABLE_H
#define HP_TUI_TABLE_H

#include "analyzer/columns.h"
#include "tui/list.h"

struct tui_app;

struct tui_table {
	struct tui_app *app;
	enum hp_row_kind kind;
	const char *hide;             /* column ids left out, space separated */
	struct tui_list list;
	struct hp_column cols[HP_MAX_COLUMNS];
	int ncols;
	uint32_t *rows;               /* row indices of kind, in display order */
	char sort_id[64];
};

/* Set up for kind, sorted by column sort_id; builds the rows. Returns 0
 * or -ENOMEM. */
int table_init(struct tui_table *t, struct tui_app *a, enum hp_row_kind kind,
	       const char *sort_id, const char *hide);
/* Rebuild from the app's current profile. */
int table_reload(struct tui_table *t);
void table_release(struct tui_table *t);

/* The selected row (an index into functions[], lines[] or threads[]), or
 * UINT32_MAX when the table is empty. */
uint32_t table_selected(const struct tui_table *t);

/* Movement, sorting and column scrolling. TUI_R_* as list_action. */
int table_action(struct tui_table *t, enum tui_action a);
int table_search(struct tui_table *t, const char *needle, int dir);

#endif

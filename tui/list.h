/*
 * list.h - the generic scrolling list: a header row and rows of cells laid
 * out by a column table, a selection, paging, horizontal scrolling of the
 * columns that do not fit, sorting marks and search.
 *
 * The list does not know what a row is: it asks cell() for the text of
 * (column, row). list_columns() fills the columns from an analyzer column
 * table (columns.h), so the functions, lines and threads views show
 * exactly the cells of `hpprof report`.
 */
#ifndef HP_TUI_LIST_H
#define HP_TUI_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/columns.h"
#include "tui/keys.h"
#include "tui/screen.h"

#define TUI_LIST_MAX_COLS HP_MAX_COLUMNS

enum { TUI_NAME_NONE, TUI_NAME_CELL, TUI_NAME_TREE /* after an indent and a mark */ };

struct tui_col {
	const char *header;
	int width;                    /* 0: flexible, shares the rest of the width */
	int min;                      /* flexible: narrowest before others are dropped (0: 20) */
	int right;                    /* right-aligned (numbers) */
	int drop;                     /* 0: always shown; higher is dropped first when narrow */
	int scroll;                   /* in the group that Left/Right scrolls */
	int search;                   /* `/` looks at this column */
	int src;                      /* the caller's column number (e.g. in a column table) */
	int name;                     /* TUI_NAME_*: a function name, shown in its brief
	                               * form when too wide (analyzer/shortname.h); last:
	                               * views list the fields above in order */
};

struct tui_list {
	struct tui_col cols[TUI_LIST_MAX_COLS];
	int ncols;
	void *ctx;
	/* Text of column col (cols[col].src is the caller's number) of row;
	 * may set *role (it starts as the row's role). */
	void (*cell)(void *ctx, int col, uint32_t row, char *buf, size_t len, int *role);
	int (*row_role)(void *ctx, uint32_t row);     /* NULL: TUI_NORMAL */
	uint32_t nrows;
	uint32_t sel, top;
	int hscroll;                  /* scrollable columns skipped on the left */
	int more_right;               /* set by draw: scrollable columns cut on the right */
	int sort_col;                 /* column marked in the header; -1: none */
};

void list_init(struct tui_list *l, void *ctx,
	       void (*cell)(void *, int, uint32_t, char *, size_t, int *));

/* Append the columns of an analyzer column table; columns of events that
 * were not measured are left out (the summary says why), counters scroll
 * and are dropped before names when narrow; `hide` lists column ids (space
 * separated) to leave out. src is the index in cols[]. */
void list_columns(struct tui_list *l, const struct hp_profile *p, const struct hp_column *cols,
		  int ncols, const char *hide);

/* Index of the list column whose src is src, or -1. */
int list_col_of_src(const struct tui_list *l, int src);

void list_draw(struct tui_list *l, struct tui_screen *s, struct tui_rect r);

/* Movement and horizontal scrolling for a list shown in h rows (header
 * included). Returns TUI_R_VIEW, or TUI_R_UNHANDLED for other actions. */
int list_action(struct tui_list *l, enum tui_action a, int h);

/* Select row (clamped) and scroll it into view of h rows. */
void list_select(struct tui_list *l, uint32_t row, int h);

/* Search the searchable columns for needle (case-insensitive) from the
 * selection in direction dir, wrapping; 1 when found and selected. */
int list_find(struct tui_list *l, const char *needle, int dir, int h);

/* "row 3/120" and the scroll hint, for status lines. */
void list_position(const struct tui_list *l, char *buf, size_t len);

#endif

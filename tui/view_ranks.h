/*
 * view_ranks.h - the ranks view's object, shared by view_ranks.c (the
 * view: one job's ranks, keys, the mode) and view_ranks_diff.c (its
 * comparison of two jobs in a --diff session). Private to those two files.
 */
#ifndef HP_TUI_VIEW_RANKS_H
#define HP_TUI_VIEW_RANKS_H

#include <stdint.h>

#include "analyzer/ranks.h"
#include "tui/screen.h"
#include "tui/view.h"

struct ranks_view {
	struct tui_view base;
	struct hp_ranks *r;           /* this job (the profile on screen) */
	struct hp_ranks_diff *rd;     /* --diff: BASE -> this job; NULL when none */
	struct hp_profile *fbase;     /* BASE under the filter's rank and time range
				       * (owned; rd refers to it), NULL: no filter */
	char why[320];                /* compare without rd: why there is no comparison */
	int compare;                  /* showing rd, not r */
	uint32_t sel, top;            /* rank rows: selection and first shown */
	uint32_t ftop;                /* first function row shown */
	int total;                    /* functions by total, not self */
	uint32_t *fidx[2];            /* rd's function rows shown, self and total */
	uint32_t nf[2];
};

/* Rows of a rank table (header included) of want ranks in h rows. */
int ranks_table_rows(uint32_t want, int h);
/* Run `run`'s samples over time in w columns at (y, x), bars scaled to
 * max, the largest rate of a column of any run (ranks_spark_max). */
struct hp_rank_timeline;
void ranks_draw_spark(const struct hp_rank_timeline *tl, uint32_t run, double max,
		      struct tui_screen *s, int y, int x, int w);
double ranks_spark_max(const struct hp_rank_timeline *tl, int w);

/* --- the comparison (view_ranks_diff.c) --- */

/* Compare BASE with the profile on screen (v->rd, v->fidx), under the
 * filter's rank (the same rank of BASE) and time range (the same range of
 * BASE, from each job's start). 0, also when the filter leaves nothing to
 * compare (v->rd NULL, v->why says why), or a negative error. */
int ranks_cmp_build(struct ranks_view *v);
void ranks_cmp_release(struct ranks_view *v);
void ranks_cmp_draw(struct ranks_view *v, struct tui_screen *s, struct tui_rect r);
/* Rank rows of the comparison in an area of h rows (header included), and
 * function rows shown. */
int ranks_cmp_rank_rows(const struct ranks_view *v, int h);
int ranks_cmp_func_rows(const struct ranks_view *v, int h);
/* The comparison's row of function table i whose name contains needle,
 * searching from row `from` in direction dir; -1 when none. */
int64_t ranks_cmp_find(const struct ranks_view *v, const char *needle, int64_t from, int dir);

#endif

/*
 * top.h - the screen of `hpprof top`: the hottest functions of a live
 * table (analyzer/live.h) over the last interval or the whole run, by
 * CPU or wall time, sorted by self or total, and its keys. It draws into
 * a screen grid (screen.h): the terminal paints it, and batch mode prints
 * it as text, so both show the same table.
 */
#ifndef HP_TUI_TOP_H
#define HP_TUI_TOP_H

#include <stdint.h>

#include "analyzer/live.h"
#include "tui/screen.h"

struct tui_top {
	enum live_span span;
	enum live_weight weight;
	enum live_sort sort;
	int paused;                   /* the table on screen stays as it is */
	int scroll;                   /* first row shown */
	int refreshes;                /* intervals closed so far */
	const char *target;           /* "julia (pid 123)" */
	const char *output;           /* the database being written */
	double interval_s;
	int batch;                    /* text for stdout: no status line */
	char message[160];            /* the status line's news ("stopping ...") */
};

enum top_key_result { TOP_KEY_NONE, TOP_KEY_REDRAW, TOP_KEY_QUIT };

/* Draw the view of l into s (its whole size). */
void top_draw(struct tui_screen *s, const struct tui_top *t, struct hp_live *l);
/* What key k does to the view (q: TOP_KEY_QUIT; the caller stops the run). */
enum top_key_result top_key(struct tui_top *t, int k, const struct hp_live *l);

#endif

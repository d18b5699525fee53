/*
 * view_timeline.h - private to the timeline view (view_timeline*.c): one
 * run's timeline drawn on a time axis (a track), so that the view draws the
 * run alone, or in --diff mode both runs on one axis.
 *
 * A track is a run's hp_timeline (the analyzer's counts: nothing is
 * counted here) and its profile (thread names, memory readings) on an axis
 * of span ns over w columns (chart_axis_buckets: time since the run's
 * start). Alone, span is the run's own t_end; in --diff mode it is the
 * longer run's, for both, so one column is the same time in both and a run
 * that ended sooner ends in an earlier column.
 */
#ifndef HP_TUI_VIEW_TIMELINE_H
#define HP_TUI_VIEW_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "tui/view.h"

#define TL_LABEL_W 18                 /* the labels' columns, left of the charts */

struct hp_timeline;

struct tl_track {
	const struct hp_timeline *tl;
	const struct hp_profile *p;
	/* the threads drawn (tid, pid, run of a filter; NULL or none: all):
	 * tl counts them, the memory curve is of their processes */
	const struct hp_profile_filter *sel;
	uint64_t span;                /* ns over the w columns */
	int w;
};

/* Samples per second of row r (tl->nthreads: all threads) in each column;
 * -1 in the columns past the run's end. */
void tl_rates(const struct tl_track *k, uint32_t r, double *out);
double tl_max(const double *v, int n);
/* The largest column of any thread row of the track. */
double tl_threads_max(const struct tl_track *k, double *scratch);
/* RSS summed over processes per column (each process's largest reading
 * in the column, from its first reading to its last), -1 before the first
 * reading and past the run's end; under a selection
 * only its processes (the thread's, the process, the rank's). */
void tl_memory(const struct tl_track *k, double *out);
/* The memory chart's label: "RSS", "RSS pid N", "RSS rank N". */
void tl_memory_label(const struct tl_track *k, char *buf, size_t len);
/* ", thread 1234 comm", ", process 1234 comm", ", rank 2": what of the run
 * the track draws ("" for all of it). */
void tl_describe(const struct tl_track *k, char *buf, size_t len);
/* How long the selection ran: a run's (rank's) recorded duration, a
 * process's start to end, else the whole recording's (0: not recorded). */
uint64_t tl_duration(const struct tl_track *k);
/* rows thread rows of the track from r.y (label, bars scaled to max, the
 * blocked columns of run --off-cpu); "+N more" when they do not all fit. */
void tl_draw_threads(const struct tl_track *k, struct tui_screen *s, struct tui_rect r, int rows,
		     double max, double *scratch);
/* A chart of r.h rows: label on its first row, top (what max is) under. */
void tl_draw_block(struct tui_screen *s, struct tui_rect r, const char *label, const char *top,
		   const double *v, double max, int role);

/* The run alone in body: its threads, all threads and the memory curve;
 * the row of the time axis under them (view_timeline.c). */
int tl_draw_alone(const struct tl_track *k, struct tui_screen *s, struct tui_rect body,
		  double *scratch);

/* --diff mode (view_timeline_diff.c): samples of each run in the filter's
 * time window (the same window from each run's start) and its threads,
 * process or rank (app_baseline_filter's pairing), counted by the profiles
 * loaded under it; ok 0 when there is no window, why says what failed. */
struct tl_window {
	int stale;                    /* recount at the next draw */
	int ok;
	uint64_t samples[2];          /* before, after */
	char why[160];
};

/* Both runs on one axis in body (k[0] before, k[1] after, same span and
 * w); returns the row of the time axis (under the charts). */
int tl_diff_body(struct tui_app *a, const struct tl_track k[2], struct tl_window *win,
		 struct tui_screen *s, struct tui_rect body, double *scratch);
/* The after run alone under a filter nothing of the before run pairs with
 * (k: the after track): why, then the run; returns the row of the axis. */
int tl_diff_unpaired(struct tui_app *a, const struct tl_track *k, const char *why,
		     struct tui_screen *s, struct tui_rect body, double *scratch);

#endif

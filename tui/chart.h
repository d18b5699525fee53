/*
 * chart.h - small drawing helpers for time charts: bars with eighth-block
 * resolution, a time axis, and human-readable sizes and times.
 */
#ifndef HP_TUI_CHART_H
#define HP_TUI_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "tui/screen.h"

/* Bars of v[0..n) (n <= r.w, one per column, < 0: no data) scaled so that
 * max fills r.h rows. */
void chart_bars(struct tui_screen *s, struct tui_rect r, const double *v, int n, double max,
		int role);
/* A time axis over [0, t_end) ns on row y from x, w columns wide. */
void chart_time_axis(struct tui_screen *s, int y, int x, int w, uint64_t t_end);
/* A common time axis: w columns over [0, span) ns, column c holding
 * [c span / w, (c + 1) span / w). Two runs drawn on one axis share span
 * (the longer run's) and so the scale: time since each run's start.
 * chart_axis_buckets: the buckets of a run's timeline (nbuckets of
 * bucket_ns each, from its start) that start in column c's time, [*b0, *b1);
 * empty (*b0 == *b1) past the run's end. */
void chart_axis_buckets(uint64_t span, int w, int c, uint64_t bucket_ns, uint32_t nbuckets,
			uint32_t *b0, uint32_t *b1);
/* The column of time t on the axis (t >= span: w). */
int chart_axis_col(uint64_t span, int w, uint64_t t);
/* "|0 ms   |1.4 s   2.8 s|": the start, the middle and the end of span in w
 * columns at (y, x), each where its label fits. */
void chart_axis_labels(struct tui_screen *s, int y, int x, int w, uint64_t span);
/* A time window [from, to) (to 0: to the end) on the axis: ch in each of
 * its columns on row y, in the MARK role. */
void chart_axis_window(struct tui_screen *s, int y, int x, int w, uint64_t span, uint64_t from,
		       uint64_t to, uint32_t ch);
/* "104.2 MiB" */
void chart_bytes(double bytes, char *buf, size_t len);
/* "1.25 s", "350 ms" */
void chart_time(uint64_t ns, char *buf, size_t len);

#endif

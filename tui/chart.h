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
/* "104.2 MiB" */
void chart_bytes(double bytes, char *buf, size_t len);
/* "1.25 s", "350 ms" */
void chart_time(uint64_t ns, char *buf, size_t len);

#endif

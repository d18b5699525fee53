/*
 * view_timeline.c - samples per interval for each thread (one sparkline
 * row each) and for all threads, with the memory curve (RSS summed over
 * processes) on the same time axis. A time cursor moves with Left/Right;
 * Space marks one end of a range, Enter reloads the profile with that
 * range as a filter, so every other view shows only that part of the run.
 *
 * Reads the whole-run hp_timeline (app_timeline) and profile->memory;
 * the selected range is drawn over the charts in the MARK role. With
 * off-CPU time (run --off-cpu), a thread's columns that it spent mostly
 * blocked are drawn with a shaded block in the OFFCPU role: running vs
 * blocked per thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/timeline.h"
#include "tui/chart.h"
#include "tui/colors.h"
#include "tui/view.h"

#define LABEL_W 18
#define ALL_H 4                       /* rows of the all-threads chart */
#define MEM_H 4                       /* rows of the memory chart */

struct timeline {
	struct tui_view base;
	int cursor;                   /* chart column */
	int mark;                     /* other end of the range, -1: none */
	int width;                    /* chart columns at the last draw */
};

static int chart_width(const struct tui_app *a)
{
	int w = app_area(a).w - LABEL_W;
	return w > 1 ? w : 1;
}

/* Buckets [b0, b1) shown in column c of w. */
static void col_buckets(const struct hp_timeline *tl, int c, int w, uint32_t *b0, uint32_t *b1)
{
	*b0 = (uint32_t)((uint64_t)c * tl->nbuckets / (uint64_t)w);
	*b1 = (uint32_t)((uint64_t)(c + 1) * tl->nbuckets / (uint64_t)w);
	if (*b1 <= *b0)
		*b1 = *b0 + 1;
}

/* Samples per bucket of row r (nthreads: all threads) in each column. */
static void rates(const struct hp_timeline *tl, uint32_t r, int w, double *out)
{
	for (int c = 0; c < w; c++) {
		uint32_t b0, b1;
		col_buckets(tl, c, w, &b0, &b1);
		out[c] = (double)timeline_sum(tl, r, b0, b1) / (double)(b1 - b0);
	}
}

static double max_of(const double *v, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* RSS summed over processes, per column: each process's latest reading. */
static void memory_curve(const struct hp_profile *p, uint64_t t_end, int w, double *out)
{
	uint32_t pids[64], n = 0;
	double cur[64] = { 0 };
	for (int i = 0; i < w; i++)
		out[i] = -1;
	for (uint32_t i = 0; i < p->nmemory; i++) {
		const struct hp_mem_reading *m = &p->memory[i];
		uint32_t k = 0;
		int col = (int)((double)m->t_ns / (double)t_end * w);
		while (k < n && pids[k] != m->pid)
			k++;
		if (k == n && n < 64)
			pids[n++] = m->pid;
		if (k == n)
			continue;
		cur[k] = (double)m->rss_bytes;
		double sum = 0;
		for (uint32_t j = 0; j < n; j++)
			sum += cur[j];
		col = col < 0 ? 0 : col >= w ? w - 1 : col;
		if (sum > out[col])
			out[col] = sum;
	}
	for (int i = 1; i < w; i++)
		if (out[i] < 0 && out[i - 1] >= 0)
			out[i] = out[i - 1];
}

/* run --off-cpu: the columns where thread row i spent more than half of
 * the time off the CPU (and ran little) are drawn as blocked. */
static void draw_blocked(const struct hp_timeline *tl, struct tui_screen *s, struct tui_rect row,
			 uint32_t i, const double *v, double max)
{
	if (!tl->blocked_ns)
		return;
	for (int c = 0; c < row.w; c++) {
		uint32_t b0, b1;
		uint64_t off = 0;
		col_buckets(tl, c, row.w, &b0, &b1);
		for (uint32_t b = b0; b < b1 && b < tl->nbuckets; b++)
			off += tl->blocked_ns[(size_t)i * tl->nbuckets + b];
		if (2 * off > (uint64_t)(b1 - b0) * tl->bucket_ns && v[c] < max / 2)
			screen_putc(s, row.y, row.x + c, TUI_OFFCPU, 0x2591);
	}
}

static void draw_thread_rows(struct timeline *t, const struct hp_timeline *tl,
			     struct tui_screen *s, struct tui_rect r, int rows, double *v)
{
	int w = r.w - LABEL_W;
	double max = 0;
	for (uint32_t i = 0; i < tl->nthreads; i++) {
		rates(tl, i, w, v);
		if (max_of(v, w) > max)
			max = max_of(v, w);
	}
	for (int i = 0; i < rows && (uint32_t)i < tl->nthreads; i++) {
		struct tui_rect row = { r.y + i, r.x + LABEL_W, 1, w };
		const char *label = tl->tids[i] ? app_thread_label(t->base.app, tl->tids[i])
						 : "other threads";
		screen_put(s, r.y + i, r.x, LABEL_W - 1, TUI_NORMAL, label);
		rates(tl, (uint32_t)i, w, v);
		chart_bars(s, row, v, w, max, TUI_CHART);
		draw_blocked(tl, s, row, (uint32_t)i, v, max);
	}
	if (tl->nthreads > (uint32_t)rows && rows > 0)
		screen_printf(s, r.y + rows - 1, r.x, LABEL_W - 1, TUI_DIM, "+%u more",
			      tl->nthreads - (uint32_t)rows + 1);
}

static void draw_block(struct tui_screen *s, struct tui_rect r, const char *label,
		       const char *top, const double *v, double max, int role)
{
	screen_put(s, r.y, r.x, LABEL_W - 1, TUI_NORMAL, label);
	screen_put(s, r.y + 1, r.x, LABEL_W - 1, TUI_DIM, top);
	struct tui_rect bars = { r.y, r.x + LABEL_W, r.h, r.w - LABEL_W };
	chart_bars(s, bars, v, bars.w, max, role);
}

/* Highlight the cursor column, the marked range and the filter range. */
static void draw_overlay(struct timeline *t, const struct hp_timeline *tl, struct tui_screen *s,
			 struct tui_rect r, int axis_y)
{
	const struct hp_profile_filter *f = app_filter(t->base.app);
	int w = r.w - LABEL_W;
	if (f->t_from || f->t_to) {
		int a = (int)((double)f->t_from / (double)tl->t_end * w);
		int b = f->t_to ? (int)((double)f->t_to / (double)tl->t_end * w + 0.999) : w;
		for (int c = a; c < b && c < w; c++)
			screen_putc(s, axis_y + 1, r.x + LABEL_W + c, TUI_MARK, 0x2500);
		screen_put(s, axis_y + 1, r.x, LABEL_W - 1, TUI_DIM, "filter");
	}
	if (t->mark >= 0) {
		int a = t->mark < t->cursor ? t->mark : t->cursor;
		int b = t->mark < t->cursor ? t->cursor : t->mark;
		for (int y = r.y; y < axis_y; y++)
			screen_set_role(s, y, r.x + LABEL_W + a, b - a + 1, TUI_MARK);
	}
	for (int y = r.y; y < axis_y; y++)
		screen_set_role(s, y, r.x + LABEL_W + t->cursor, 1, TUI_SELECTED);
}

static void range_of(const struct timeline *t, const struct hp_timeline *tl, uint64_t *from,
		     uint64_t *to)
{
	int a = t->mark >= 0 && t->mark < t->cursor ? t->mark : t->cursor;
	int b = t->mark > t->cursor ? t->mark : t->cursor;
	*from = tl->t_end * (uint64_t)a / (uint64_t)t->width;
	*to = tl->t_end * (uint64_t)(b + 1) / (uint64_t)t->width;
}

static void draw_info(struct timeline *t, const struct hp_timeline *tl, struct tui_screen *s,
		      struct tui_rect r)
{
	char a[32], b[32], len[32];
	uint64_t from, to;
	range_of(t, tl, &from, &to);
	chart_time(from, a, sizeof(a));
	chart_time(to, b, sizeof(b));
	chart_time(tl->t_end, len, sizeof(len));
	screen_printf(s, r.y, r.x, r.w, TUI_NORMAL, "%s %s - %s of %s   %s", t->mark >= 0 ? "range"
		      : "cursor", a, b, len, t->mark >= 0 ? "(Enter: show only this range)"
		      : "(Space: start a range, Enter: show only this interval)");
}

static void timeline_draw(struct tui_view *v, struct tui_screen *s, struct tui_rect r)
{
	struct timeline *t = (struct timeline *)v;
	const struct hp_timeline *tl = app_timeline(v->app);
	const struct hp_profile *p = app_profile(v->app);
	int w = r.w - LABEL_W, thread_rows = r.h - 1 - ALL_H - MEM_H - 3;
	double *vals;
	char top[32];
	if (!tl) {
		screen_put(s, r.y + 1, r.x + 2, r.w - 2, TUI_ERROR, "no timeline for this database");
		return;
	}
	if (w < 4 || !(vals = malloc((size_t)w * sizeof(*vals))))
		return;
	t->width = w;
	if (t->cursor >= w)
		t->cursor = w - 1;
	if (t->mark >= w)
		t->mark = w - 1;
	draw_info(t, tl, s, r);
	struct tui_rect body = { r.y + 1, r.x, r.h - 1, r.w };
	if (thread_rows > (int)tl->nthreads)
		thread_rows = (int)tl->nthreads;
	if (thread_rows < 0)
		thread_rows = 0;
	draw_thread_rows(t, tl, s, body, thread_rows, vals);
	struct tui_rect all = { body.y + thread_rows, r.x, ALL_H, r.w };
	rates(tl, tl->nthreads, w, vals);
	snprintf(top, sizeof(top), "%.0f/s", max_of(vals, w) * 1e9 / (double)tl->bucket_ns);
	draw_block(s, all, "all threads", top, vals, max_of(vals, w), TUI_HOT);
	struct tui_rect mem = { all.y + ALL_H, r.x, MEM_H, r.w };
	memory_curve(p, tl->t_end, w, vals);
	chart_bytes(max_of(vals, w), top, sizeof(top));
	if (p->nmemory)
		draw_block(s, mem, "RSS", top, vals, max_of(vals, w), TUI_CHART);
	else
		screen_put(s, mem.y, mem.x, r.w, TUI_DIM, "RSS: no memory readings");
	chart_time_axis(s, mem.y + MEM_H, r.x + LABEL_W, w, tl->t_end);
	draw_overlay(t, tl, s, (struct tui_rect){ body.y, r.x, 0, r.w }, mem.y + MEM_H);
	free(vals);
}

static int apply_range(struct timeline *t)
{
	const struct hp_timeline *tl = app_timeline(t->base.app);
	struct hp_profile_filter f = *app_filter(t->base.app);
	if (!tl || !t->width)
		return TUI_R_VIEW;
	range_of(t, tl, &f.t_from, &f.t_to);
	t->mark = -1;
	return app_set_filter(t->base.app, &f);
}

static int timeline_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct timeline *t = (struct timeline *)v;
	int w = t->width ? t->width : chart_width(v->app), step = w / 10 > 1 ? w / 10 : 1;
	switch (a) {
	case TUI_A_LEFT:  t->cursor--; break;
	case TUI_A_RIGHT: t->cursor++; break;
	case TUI_A_PGUP:  t->cursor -= step; break;
	case TUI_A_PGDN:  t->cursor += step; break;
	case TUI_A_HOME:  t->cursor = 0; break;
	case TUI_A_END:   t->cursor = w - 1; break;
	case TUI_A_MARK:  t->mark = t->mark >= 0 ? -1 : t->cursor; break;
	case TUI_A_ENTER: return apply_range(t);
	case TUI_A_BACK:
		if (t->mark < 0)
			return TUI_R_UNHANDLED;
		t->mark = -1;
		break;
	default:
		return TUI_R_UNHANDLED;
	}
	t->cursor = t->cursor < 0 ? 0 : t->cursor >= w ? w - 1 : t->cursor;
	return TUI_R_VIEW;
}

static void timeline_status(struct tui_view *v, char *buf, size_t len)
{
	const struct hp_timeline *tl = app_timeline(v->app);
	snprintf(buf, len, "%u threads", tl ? tl->nthreads : 0);
}

static int timeline_reload(struct tui_view *v)
{
	return 0;                     /* the timeline is of the whole run */
}

static void timeline_view_free(struct tui_view *v)
{
	free(v);
}

static const struct tui_view_ops timeline_ops = {
	.name = "timeline", .kind = TUI_V_TIMELINE, .draw = timeline_draw,
	.action = timeline_action, .status = timeline_status, .reload = timeline_reload,
	.free = timeline_view_free,
};

struct tui_view *view_timeline_new(struct tui_app *a)
{
	struct timeline *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->base.ops = &timeline_ops;
	t->base.app = a;
	t->mark = -1;
	snprintf(t->base.title, sizeof(t->base.title), "Timeline: samples per interval, memory below");
	return &t->base;
}

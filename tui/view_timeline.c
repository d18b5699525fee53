/*
 * view_timeline.c - samples per interval for each thread (one sparkline
 * row each) and for all threads, with the memory curve (RSS summed over
 * processes) on the same time axis. A time cursor moves with Left/Right;
 * Space marks one end of a range, Enter reloads the profile with that
 * range as a filter, so every other view shows only that part of the run.
 *
 * Reads the hp_timeline of the filter's threads over the whole run
 * (app_timeline: a thread, process or rank filter selects the rows and
 * counts, a time range is marked, not cut) and profile->memory (of the
 * selection's processes); the selected range is drawn over the charts in
 * the MARK role. With off-CPU time (run --off-cpu), a thread's columns that
 * it spent mostly blocked are drawn with a shaded block in the OFFCPU role:
 * running vs blocked per thread.
 *
 * In a --diff session (`hpprof tui AFTER.db --diff BEFORE.db`) both runs
 * are drawn on one time axis (view_timeline_diff.c): time since each run's
 * start, the longer run's span and one scale for both; the cursor, the
 * range and the filter's window are times from each run's start, and the
 * filter applies to both as in the ranks comparison: the same rank, the
 * same thread or process when the before run has it (app_baseline_filter),
 * else the after run alone with the reason. The drawing of one
 * run on an axis is view_timeline_track.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/timeline.h"
#include "tui/chart.h"
#include "tui/colors.h"
#include "tui/view.h"
#include "tui/view_timeline.h"

#define ALL_H 4                       /* rows of the all-threads chart */
#define MEM_H 4                       /* rows of the memory chart */

struct timeline {
	struct tui_view base;
	int cursor;                   /* chart column */
	int mark;                     /* other end of the range, -1: none */
	int width;                    /* chart columns at the last draw */
	uint64_t span;                /* ns over those columns at the last draw */
	int both;                     /* --diff: both runs drawn at the last draw */
	struct tl_window win;         /* --diff: the filter's window in both runs */
};

static int chart_width(const struct tui_app *a)
{
	int w = app_area(a).w - TL_LABEL_W;
	return w > 1 ? w : 1;
}

/* Highlight the cursor column, the marked range and the filter range. */
static void draw_overlay(struct timeline *t, struct tui_screen *s, struct tui_rect r, int axis_y)
{
	const struct hp_profile_filter *f = app_filter(t->base.app);
	int w = r.w - TL_LABEL_W;
	if (f->t_from || f->t_to) {
		chart_axis_window(s, axis_y + 1, r.x + TL_LABEL_W, w, t->span, f->t_from, f->t_to,
				  0x2500);
		screen_put(s, axis_y + 1, r.x, TL_LABEL_W - 1, TUI_DIM,
			   t->both ? "filter, both runs" : "filter");
	}
	if (t->mark >= 0) {
		int a = t->mark < t->cursor ? t->mark : t->cursor;
		int b = t->mark < t->cursor ? t->cursor : t->mark;
		for (int y = r.y; y < axis_y; y++)
			screen_set_role(s, y, r.x + TL_LABEL_W + a, b - a + 1, TUI_MARK);
	}
	for (int y = r.y; y < axis_y; y++)
		screen_set_role(s, y, r.x + TL_LABEL_W + t->cursor, 1, TUI_SELECTED);
}

static void range_of(const struct timeline *t, uint64_t *from, uint64_t *to)
{
	int a = t->mark >= 0 && t->mark < t->cursor ? t->mark : t->cursor;
	int b = t->mark > t->cursor ? t->mark : t->cursor;
	*from = t->span * (uint64_t)a / (uint64_t)t->width;
	*to = t->span * (uint64_t)(b + 1) / (uint64_t)t->width;
}

static void draw_info(struct timeline *t, struct tui_screen *s, struct tui_rect r)
{
	char a[32], b[32], len[32];
	uint64_t from, to;
	range_of(t, &from, &to);
	chart_time(from, a, sizeof(a));
	chart_time(to, b, sizeof(b));
	chart_time(t->span, len, sizeof(len));
	screen_printf(s, r.y, r.x, r.w, TUI_NORMAL, "%s %s - %s of %s%s   %s", t->mark >= 0 ? "range"
		      : "cursor", a, b, len, app_baseline(t->base.app) ? " from each run's start" : "",
		      t->mark >= 0 ? "(Enter: show only this range)"
		      : "(Space: start a range, Enter: show only this interval)");
}

/* The run alone: its threads, all threads and the memory curve; the row
 * of the time axis under them. */
int tl_draw_alone(const struct tl_track *k, struct tui_screen *s, struct tui_rect body,
		  double *vals)
{
	int thread_rows = body.h - ALL_H - MEM_H - 3;
	char top[32], label[32];
	if (thread_rows > (int)k->tl->nthreads)
		thread_rows = (int)k->tl->nthreads;
	if (thread_rows < 0)
		thread_rows = 0;
	tl_draw_threads(k, s, body, thread_rows, tl_threads_max(k, vals), vals);
	struct tui_rect all = { body.y + thread_rows, body.x, ALL_H, body.w };
	tl_rates(k, k->tl->nthreads, vals);
	snprintf(top, sizeof(top), "%.0f/s", tl_max(vals, k->w));
	tl_draw_block(s, all, "all threads", top, vals, tl_max(vals, k->w), TUI_HOT);
	struct tui_rect mem = { all.y + ALL_H, body.x, MEM_H, body.w };
	tl_memory(k, vals);
	chart_bytes(tl_max(vals, k->w), top, sizeof(top));
	tl_memory_label(k, label, sizeof(label));
	if (k->p->nmemory)
		tl_draw_block(s, mem, label, top, vals, tl_max(vals, k->w), TUI_CHART);
	else
		screen_put(s, mem.y, mem.x, body.w, TUI_DIM, "RSS: no memory readings");
	return mem.y + MEM_H;
}

static void timeline_draw(struct tui_view *v, struct tui_screen *s, struct tui_rect r)
{
	struct timeline *t = (struct timeline *)v;
	struct tl_track k[2] = { { 0 } };
	struct hp_profile_filter g;           /* --diff: the before run's pairing of the filter */
	char why[320] = "";
	int w = r.w - TL_LABEL_W, axis_y;
	double *vals;
	k[1].tl = app_timeline(v->app);
	k[1].p = app_profile(v->app);
	k[1].sel = app_filter(v->app);
	if (app_baseline(v->app)) {
		k[0].tl = app_baseline_timeline(v->app, why, sizeof(why));
		k[0].p = app_baseline(v->app);
		if (!app_baseline_filter(v->app, &g, NULL, 0))
			k[0].sel = &g;
	}
	if (!k[1].tl || (k[0].p && !k[0].tl && !why[0])) {
		screen_put(s, r.y + 1, r.x + 2, r.w - 2, TUI_ERROR, k[1].tl
			   ? "no timeline for the --diff baseline" : "no timeline for this database");
		return;
	}
	if (w < 4 || !(vals = malloc((size_t)w * sizeof(*vals))))
		return;
	/* one axis: the longer run's span, the same columns */
	t->span = k[0].tl && k[0].tl->t_end > k[1].tl->t_end ? k[0].tl->t_end : k[1].tl->t_end;
	k[0].span = k[1].span = t->span;
	k[0].w = k[1].w = w;
	t->width = w;
	t->both = k[0].tl != NULL;
	if (t->cursor >= w)
		t->cursor = w - 1;
	if (t->mark >= w)
		t->mark = w - 1;
	draw_info(t, s, r);
	struct tui_rect body = { r.y + 1, r.x, r.h - 1, r.w };
	axis_y = k[0].tl ? tl_diff_body(v->app, k, &t->win, s, body, vals)
		 : why[0] ? tl_diff_unpaired(v->app, &k[1], why, s, body, vals)
		 : tl_draw_alone(&k[1], s, body, vals);
	chart_time_axis(s, axis_y, r.x + TL_LABEL_W, w, t->span);
	draw_overlay(t, s, (struct tui_rect){ body.y, r.x, 0, r.w }, axis_y);
	free(vals);
}

static int apply_range(struct timeline *t)
{
	struct hp_profile_filter f = *app_filter(t->base.app);
	if (!t->width || !t->span)
		return TUI_R_VIEW;
	range_of(t, &f.t_from, &f.t_to);
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
	const struct hp_timeline *bt = app_baseline(v->app) ? app_baseline_timeline(v->app, NULL, 0)
							    : NULL;
	uint32_t n = tl ? tl->nthreads : 0;
	if (bt)
		snprintf(buf, len, "%u thread%s before, %u after", bt->nthreads,
			 bt->nthreads == 1 ? "" : "s", n);
	else
		snprintf(buf, len, "%u thread%s", n, n == 1 ? "" : "s");
}

static int timeline_reload(struct tui_view *v)
{
	((struct timeline *)v)->win.stale = 1;   /* the window's counts, under the new filter */
	return 0;
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
	t->win.stale = 1;
	snprintf(t->base.title, sizeof(t->base.title), "%s", app_baseline(a)
		 ? "Timeline: before and after on one time axis, memory below"
		 : "Timeline: samples per interval, memory below");
	return &t->base;
}

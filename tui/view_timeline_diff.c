/*
 * view_timeline_diff.c - the timeline view in a --diff session (`hpprof tui
 * AFTER.db --diff BEFORE.db`, then 8): the before run above the after run
 * on one time axis - time since each run's start, the longer run's span and
 * one bar scale for both (per chart: threads, all threads, memory) - so a
 * run that took less time ends in an earlier column. Each run has a
 * header (its file, duration from run_info, threads, samples), its thread
 * rows (blocked columns shaded with run --off-cpu), all threads and its
 * RSS curve, and dots after the column where it ended (its duration).
 * Under a thread, process or rank filter each run is drawn as that part of
 * it (the after run's selection and its pairing in the before run,
 * app_baseline_filter: the same rank, the same thread or process id and
 * name), its header says which, and its samples, thread rows and memory
 * curve are of it; when the before run has no such part the after run is
 * drawn alone under the reason. Under a time filter the window is the
 * same time from each run's start (as in the ranks comparison) and each
 * header gives the samples the run has in it: the after profile's under
 * the filter and the baseline's loaded under the paired filter.
 */
#include <stdio.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/stacks.h"
#include "analyzer/timeline.h"
#include "tui/chart.h"
#include "tui/colors.h"
#include "tui/view_timeline.h"

#define HEAD_H 1                      /* a run's header */
#define ALL_H 2                       /* rows of each run's all-threads chart */
#define MEM_H 2                       /* rows of each run's memory chart */
#define BELOW 2                       /* the axis and the filter's window */

/* Rows of each run's charts: ALL_H and MEM_H, fewer on a short screen
 * (the memory chart first), so that the axis stays on it. */
struct heights {
	int all, mem, threads[2];
};

/* Samples of each run in the filter's time window, when it changed: the
 * after profile's (loaded under the whole filter) and the before run's
 * loaded under its pairing (the same rank, thread or process). */
static void count_window(struct tui_app *a, struct tl_window *win)
{
	const struct hp_profile_filter *f = app_filter(a);
	struct hp_profile_filter g;
	struct hp_profile *base = NULL;
	win->stale = 0;
	win->ok = 0;
	win->why[0] = '\0';
	if (!f->t_from && !f->t_to)
		return;
	if (app_baseline_filter(a, &g, win->why, sizeof(win->why)))
		return;
	int err = app_baseline_load(a, &g, &base);
	if (err) {
		snprintf(win->why, sizeof(win->why), "cannot load the before run's window (error %d)",
			 err);
		return;
	}
	win->samples[0] = base->nsamples;
	win->samples[1] = app_profile(a)->nsamples;
	win->ok = 1;
	profile_free(base);
}

static void draw_head(struct tui_app *a, const struct tl_track *k, int side,
		      const struct tl_window *win, struct tui_screen *s, int y, int x, int w)
{
	char dur[32] = "?", in[200] = "", what[160];
	uint64_t ran = tl_duration(k);
	if (ran)
		chart_time(ran, dur, sizeof(dur));
	if (win && win->ok)
		snprintf(in, sizeof(in), ", %llu in the filter's window",
			 (unsigned long long)win->samples[side]);
	else if (win && win->why[0])
		snprintf(in, sizeof(in), "; %s", win->why);
	tl_describe(k, what, sizeof(what));
	screen_fill(s, y, x, w, TUI_HEADER, ' ');
	screen_printf(s, y, x, w, TUI_HEADER, "%-6s %s%s: ran %s%s, %u thread%s, %llu samples%s",
		      side ? "after" : "before",
		      stacks_basename_or(side ? app_db_path(a) : app_baseline_path(a), "?"), what, dur,
		      ran ? "" : " (no duration recorded)", k->tl->nthreads,
		      k->tl->nthreads == 1 ? "" : "s", (unsigned long long)k->tl->nsamples, in);
}

/* The charts' rows, then thread rows of each run: as many as fit, split
 * between the two. */
static void plan_rows(const struct tl_track k[2], int h, struct heights *z)
{
	int n[2] = { (int)k[0].tl->nthreads, (int)k[1].tl->nthreads };
	z->all = ALL_H;
	z->mem = MEM_H;
	while (h < BELOW + 2 * (HEAD_H + z->all + z->mem) && (z->mem > 0 || z->all > 1))
		if (z->mem > 0)
			z->mem--;
		else
			z->all--;
	int spare = h - BELOW - 2 * (HEAD_H + z->all + z->mem);
	if (spare < 0)
		spare = 0;
	for (int side = 0; side < 2; side++)
		z->threads[side] = n[side] < spare / 2 ? n[side] : spare / 2;
	for (int side = 0; side < 2; side++) {      /* what one leaves, the other may take */
		int left = spare - z->threads[0] - z->threads[1];
		if (n[side] > z->threads[side])
			z->threads[side] += n[side] - z->threads[side] < left ? n[side] - z->threads[side]
									: left;
	}
}

/* Where the run ended (its duration from run_info, else its timeline's
 * end): '·' in the empty columns after it, under its all-threads bars. */
static void draw_end(const struct tl_track *k, struct tui_screen *s, int y, int x,
		     const double *v)
{
	uint64_t end = k->p->duration_ns ? k->p->duration_ns : k->tl->t_end;
	for (int c = chart_axis_col(k->span, k->w, end) + 1; c < k->w; c++)
		if (v[c] <= 0)
			screen_putc(s, y, x + c, TUI_DIM, 0x00b7);
}

int tl_diff_body(struct tui_app *a, const struct tl_track k[2], struct tl_window *win,
		 struct tui_screen *s, struct tui_rect body, double *v)
{
	double tmax = 0, amax = 0, mmax = 0;
	int y = body.y, w = k[1].w;
	struct heights z;
	char top[32], label[32];
	if (win->stale)
		count_window(a, win);
	plan_rows(k, body.h, &z);
	for (int side = 0; side < 2; side++) {      /* one scale per chart for both runs */
		double m = tl_threads_max(&k[side], v);
		tmax = m > tmax ? m : tmax;
		tl_rates(&k[side], k[side].tl->nthreads, v);
		amax = tl_max(v, w) > amax ? tl_max(v, w) : amax;
		tl_memory(&k[side], v);
		mmax = tl_max(v, w) > mmax ? tl_max(v, w) : mmax;
	}
	for (int side = 0; side < 2; side++) {
		const struct tl_track *t = &k[side];
		draw_head(a, t, side, win, s, y, body.x, body.w);
		y += HEAD_H;
		tl_draw_threads(t, s, (struct tui_rect){ y, body.x, z.threads[side], body.w },
				z.threads[side], tmax, v);
		y += z.threads[side];
		tl_rates(t, t->tl->nthreads, v);
		snprintf(top, sizeof(top), "%.0f/s", amax);
		tl_draw_block(s, (struct tui_rect){ y, body.x, z.all, body.w }, "all threads", top, v,
			      amax, TUI_HOT);
		draw_end(t, s, y + z.all - 1, body.x + TL_LABEL_W, v);
		y += z.all;
		if (!z.mem)
			continue;
		tl_memory(t, v);
		chart_bytes(mmax, top, sizeof(top));
		tl_memory_label(t, label, sizeof(label));
		if (t->p->nmemory)
			tl_draw_block(s, (struct tui_rect){ y, body.x, z.mem, body.w }, label, top, v,
				      mmax, TUI_CHART);
		else
			screen_put(s, y, body.x, body.w, TUI_DIM, "RSS: no memory readings");
		y += z.mem;
	}
	return y;
}

int tl_diff_unpaired(struct tui_app *a, const struct tl_track *k, const char *why,
		     struct tui_screen *s, struct tui_rect body, double *scratch)
{
	int y = screen_put_wrapped(s, body.y, body.x, body.w, TUI_ERROR, why);
	draw_head(a, k, 1, NULL, s, y, body.x, body.w);
	y++;
	return tl_draw_alone(k, s, (struct tui_rect){ y, body.x, body.y + body.h - y, body.w },
			     scratch);
}

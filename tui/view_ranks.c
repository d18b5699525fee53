/*
 * view_ranks.c - the MPI ranks of a job (opened with `r`): the load
 * imbalance, one row per rank with its samples split into compute and MPI
 * and, beside it, its samples over time (the ranks side by side: compute
 * bars in the HOT role, columns where MPI dominates in CHART2), then the
 * functions across ranks: min, mean and max of their samples per rank and
 * the rank that holds the max (Space: self / total).
 *
 * Enter shows only the selected rank in every view (x shows all again).
 * Reads the profile's runs (profile.h), the rank analysis (ranks.h) and
 * the per-rank timeline the app loads once (app_rank_timeline).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "tui/colors.h"
#include "tui/view.h"

#define LOWER_EIGHTH 0x2581           /* U+2581..U+2587, then the full block */
#define FULL_BLOCK 0x2588
#define TABLE_W 76                    /* the rank columns left of the timeline */

struct ranks_view {
	struct tui_view base;
	struct hp_ranks *r;
	uint32_t sel, top;            /* rank rows: selection and first shown */
	int total;                    /* functions by total, not self */
};

/* Rows of the rank table (header included) in an area of h rows. */
static int rank_rows(const struct ranks_view *v, int h)
{
	int want = (int)v->r->n + 1, most = (h - 3) / 2;
	return want < most ? want : most > 2 ? most : 2;
}

static void draw_head(struct ranks_view *v, const struct hp_profile *p, struct tui_screen *s,
		      struct tui_rect r)
{
	const struct hp_ranks *k = v->r;
	char name[64], size[32] = "", problems[512] = "";
	if (k->size >= 0)
		snprintf(size, sizeof(size), " of %lld", (long long)k->size);
	screen_printf(s, r.y, r.x, r.w, TUI_NORMAL,
		      "%u%s ranks   load imbalance %.2f (compute max/mean, max on %s)   MPI %.1f%%",
		      k->n, size, k->imbalance,
		      k->n ? ranks_name(p, k->compute_max_run, name, sizeof(name)) : "-",
		      k->samples ? 100.0 * (double)k->mpi_samples / (double)k->samples : 0.0);
	FILE *m = fmemopen(problems, sizeof(problems) - 1, "w");
	if (m) {
		ranks_print_problems(m, p, k, "");
		fclose(m);
	}
	char *nl = strchr(problems, '\n');
	if (nl)
		*nl = '\0';
	screen_put(s, r.y + 1, r.x, r.w, problems[0] ? TUI_ERROR : TUI_DIM,
		   problems[0] ? problems : "every rank of the job is here and ended normally");
}

/* One rank's samples over time in w columns: bar height is the sample
 * rate (of the busiest column of any rank), the role says which of compute
 * and MPI had more. */
static void draw_spark(const struct hp_rank_timeline *tl, uint32_t run, double max,
		       struct tui_screen *s, int y, int x, int w)
{
	for (int c = 0; c < w; c++) {
		uint32_t b0 = (uint32_t)((uint64_t)c * tl->nbuckets / (uint64_t)w);
		uint32_t b1 = (uint32_t)((uint64_t)(c + 1) * tl->nbuckets / (uint64_t)w);
		uint64_t comp = 0, mpi = 0;
		if (b1 <= b0)
			b1 = b0 + 1;
		for (uint32_t b = b0; b < b1 && b < tl->nbuckets; b++) {
			comp += tl->compute[(size_t)run * tl->nbuckets + b];
			mpi += tl->mpi[(size_t)run * tl->nbuckets + b];
		}
		double rate = (double)(comp + mpi) / (double)(b1 - b0);
		long e = max > 0 ? (long)(rate / max * 8 + 0.5) : 0;
		if (comp + mpi && !e)
			e = 1;
		if (e)
			screen_putc(s, y, x + c, mpi > comp ? TUI_CHART2 : TUI_HOT,
				    e >= 8 ? FULL_BLOCK : LOWER_EIGHTH + (uint32_t)e - 1);
	}
}

static double spark_max(const struct hp_rank_timeline *tl, int w)
{
	double max = 0;
	for (uint32_t run = 0; run < tl->nruns; run++)
		for (int c = 0; c < w; c++) {
			uint32_t b0 = (uint32_t)((uint64_t)c * tl->nbuckets / (uint64_t)w);
			uint32_t b1 = (uint32_t)((uint64_t)(c + 1) * tl->nbuckets / (uint64_t)w);
			uint64_t n = 0;
			if (b1 <= b0)
				b1 = b0 + 1;
			for (uint32_t b = b0; b < b1 && b < tl->nbuckets; b++)
				n += tl->compute[(size_t)run * tl->nbuckets + b] +
				     tl->mpi[(size_t)run * tl->nbuckets + b];
			if ((double)n / (double)(b1 - b0) > max)
				max = (double)n / (double)(b1 - b0);
		}
	return max;
}

static void draw_ranks(struct ranks_view *v, const struct hp_profile *p, struct tui_screen *s,
		       struct tui_rect r)
{
	const struct hp_rank_timeline *tl = app_rank_timeline(v->base.app);
	int spark_w = r.w - TABLE_W - 1;
	double max = tl && spark_w > 0 ? spark_max(tl, spark_w) : 0;
	screen_fill(s, r.y, r.x, r.w, TUI_HEADER, ' ');
	screen_printf(s, r.y, r.x, TABLE_W, TUI_HEADER, "%6s %-12s %8s %8s %8s %8s %6s  %s", "Rank",
		      "Host", "PID", "Samples", "Compute", "MPI", "MPI%", "Exit");
	if (spark_w > 8)
		screen_put(s, r.y, r.x + TABLE_W + 1, spark_w, TUI_HEADER,
			   "over time: compute (hot), MPI");
	for (int i = 1; i < r.h && v->top + (uint32_t)i - 1 < v->r->n; i++) {
		uint32_t k = v->top + (uint32_t)i - 1, run = v->r->order[k];
		const struct hp_prun *pr = &p->runs[run];
		char rank[24], ex[32];
		int role = k == v->sel ? TUI_SELECTED : TUI_NORMAL;
		if (pr->rank >= 0)
			snprintf(rank, sizeof(rank), "%lld", (long long)pr->rank);
		else
			snprintf(rank, sizeof(rank), "run %u", pr->id);
		if (pr->interrupted)
			snprintf(ex, sizeof(ex), "interrupted");
		else if (pr->signal)
			snprintf(ex, sizeof(ex), "%s", pr->signal);
		else
			snprintf(ex, sizeof(ex), "%lld", (long long)pr->exit_status);
		screen_fill(s, r.y + i, r.x, TABLE_W, role, ' ');
		screen_printf(s, r.y + i, r.x, TABLE_W, role,
			      "%6s %-12.12s %8u %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %6.1f  %s", rank,
			      pr->host ? pr->host : "?", pr->pid, pr->samples,
			      pr->samples - pr->mpi_samples, pr->mpi_samples,
			      pr->samples ? 100.0 * (double)pr->mpi_samples / (double)pr->samples : 0.0,
			      ex);
		if (tl && spark_w > 0 && run < tl->nruns)
			draw_spark(tl, run, max, s, r.y + i, r.x + TABLE_W + 1, spark_w);
	}
}

static void draw_functions(struct ranks_view *v, const struct hp_profile *p,
			   struct tui_screen *s, struct tui_rect r)
{
	const struct hp_rank_fstat *fs = v->total ? v->r->total : v->r->self;
	screen_fill(s, r.y, r.x, r.w, TUI_HEADER, ' ');
	screen_printf(s, r.y, r.x, r.w, TUI_HEADER, "%8s %10s %8s %8s %8s  %s (%s samples per rank)",
		      "Min", "Mean", "Max", "Max rank", "Max/Mean", "Function",
		      v->total ? "total" : "self");
	for (int i = 1; i < r.h && (uint32_t)i - 1 < v->r->nfuncs; i++) {
		const struct hp_rank_fstat *f = &fs[i - 1];
		const struct hp_prun *mr = &p->runs[f->max_run];
		char rank[24];
		if (mr->rank >= 0)
			snprintf(rank, sizeof(rank), "%lld", (long long)mr->rank);
		else
			snprintf(rank, sizeof(rank), "run %u", mr->id);
		screen_printf(s, r.y + i, r.x, r.w, TUI_NORMAL, "%8" PRIu64 " %10.2f %8" PRIu64
			      " %8s %8.2f  %s", f->min, f->mean, f->max, rank,
			      f->mean > 0 ? (double)f->max / f->mean : 0.0, p->functions[f->func].name);
	}
}

static void ranks_draw(struct tui_view *tv, struct tui_screen *s, struct tui_rect r)
{
	struct ranks_view *v = (struct ranks_view *)tv;
	const struct hp_profile *p = app_profile(tv->app);
	if (!v->r) {
		screen_put(s, r.y + 1, r.x + 2, r.w - 2, TUI_ERROR, "cannot analyze the ranks");
		return;
	}
	if (!profile_has_ranks(p))
		screen_put(s, r.y + 2, r.x, r.w, TUI_DIM,
			   "not an MPI job: run each rank with `mpirun -np N hpprof run -o prof.%r.db`"
			   " and merge them (docs/mpi.md)");
	draw_head(v, p, s, r);
	int rows = rank_rows(v, r.h - 3);
	draw_ranks(v, p, s, (struct tui_rect){ r.y + 3, r.x, rows, r.w });
	draw_functions(v, p, s, (struct tui_rect){ r.y + 4 + rows, r.x, r.h - 4 - rows, r.w });
}

static int ranks_action(struct tui_view *tv, enum tui_action a, int arg)
{
	struct ranks_view *v = (struct ranks_view *)tv;
	int shown = rank_rows(v, app_area(tv->app).h - 3) - 1;
	(void)arg;
	if (!v->r || !v->r->n)
		return TUI_R_UNHANDLED;
	switch (a) {
	case TUI_A_UP: v->sel = v->sel ? v->sel - 1 : 0; break;
	case TUI_A_DOWN: v->sel = v->sel + 1 < v->r->n ? v->sel + 1 : v->sel; break;
	case TUI_A_HOME: v->sel = 0; break;
	case TUI_A_END: v->sel = v->r->n - 1; break;
	case TUI_A_TOGGLE: v->total = !v->total; return TUI_R_VIEW;
	case TUI_A_ENTER: {
		struct hp_profile_filter f = *app_filter(tv->app);
		f.run = app_profile(tv->app)->runs[v->r->order[v->sel]].id;
		f.tid = f.pid = 0;
		app_set_filter(tv->app, &f);
		return app_switch(tv->app, 1);
	}
	default:
		return TUI_R_UNHANDLED;
	}
	if (v->sel < v->top)
		v->top = v->sel;
	if (shown > 0 && v->sel >= v->top + (uint32_t)shown)
		v->top = v->sel - (uint32_t)shown + 1;
	return TUI_R_VIEW;
}

static void ranks_status(struct tui_view *tv, char *buf, size_t len)
{
	struct ranks_view *v = (struct ranks_view *)tv;
	snprintf(buf, len, "rank %u/%u  Enter: only this rank  Space: self/total",
		 v->r && v->r->n ? v->sel + 1 : 0, v->r ? v->r->n : 0);
}

static void ranks_free_view(struct tui_view *tv)
{
	ranks_free(((struct ranks_view *)tv)->r);
	free(tv);
}

static const struct tui_view_ops ranks_ops = {
	.name = "ranks", .kind = TUI_V_RANKS, .draw = ranks_draw, .action = ranks_action,
	.status = ranks_status, .free = ranks_free_view,
};

struct tui_view *view_ranks_new(struct tui_app *a)
{
	struct ranks_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ranks_ops;
	v->base.app = a;
	snprintf(v->base.title, sizeof(v->base.title), "MPI ranks: compute and MPI time per rank");
	if (ranks_analyze(app_profile(a), &v->r))
		v->r = NULL;
	return &v->base;
}

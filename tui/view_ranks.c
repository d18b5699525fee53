/*
 * view_ranks.c - the MPI ranks of a job (opened with `r`): the load
 * imbalance, one row per rank with its samples split into compute and MPI
 * and, beside it, its samples over time (the ranks side by side: compute
 * bars in the HOT role, columns where MPI dominates in CHART2), then the
 * functions across ranks: min, mean and max of their samples per rank and
 * the rank that holds the max (Space: self / total).
 *
 * Enter shows only the selected rank in every view (x shows all again);
 * PgUp/PgDn scroll the functions, / finds one. In a --diff session whose
 * profiles are MPI jobs the view opens on the comparison of the two jobs
 * (view_ranks_diff.c), also under a rank or time filter (the same rank
 * and time range of both jobs); d switches between it and this job alone.
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
#include "tui/view_ranks.h"

#define LOWER_EIGHTH 0x2581           /* U+2581..U+2587, then the full block */
#define FULL_BLOCK 0x2588
#define TABLE_W 76                    /* the rank columns left of the timeline */

int ranks_table_rows(uint32_t want, int h)
{
	int most = (h - 3) / 2;
	return (int)want < most ? (int)want : most > 2 ? most : 2;
}

/* Rows of the rank table (header included) in an area of h rows. */
static int rank_rows(const struct ranks_view *v, int h)
{
	return ranks_table_rows(v->r->n + 1, h);
}

/* Function rows the one-job view shows in an area of h rows. */
static int func_rows(const struct ranks_view *v, int h)
{
	int n = h - 3 - rank_rows(v, h - 3) - 2;
	return n > 0 ? n : 0;
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
 * rate (of the busiest column of any rank: ranks_spark_max), the role says
 * which of compute and MPI had more. */
void ranks_draw_spark(const struct hp_rank_timeline *tl, uint32_t run, double max,
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

double ranks_spark_max(const struct hp_rank_timeline *tl, int w)
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
	double max = tl && spark_w > 0 ? ranks_spark_max(tl, spark_w) : 0;
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
			ranks_draw_spark(tl, run, max, s, r.y + i, r.x + TABLE_W + 1, spark_w);
	}
}

static void draw_functions(struct ranks_view *v, const struct hp_profile *p,
			   struct tui_screen *s, struct tui_rect r)
{
	const struct hp_rank_fstat *fs = v->total ? v->r->total : v->r->self;
	screen_fill(s, r.y, r.x, r.w, TUI_HEADER, ' ');
	screen_printf(s, r.y, r.x, r.w, TUI_HEADER, "%8s %10s %8s %8s %8s  %s (%s %s per rank)",
		      "Min", "Mean", "Max", "Max rank", "Max/Mean", "Function",
		      v->total ? "total" : "self", ranks_unit(v->r));
	for (int i = 1; i < r.h && v->ftop + (uint32_t)i - 1 < v->r->nfuncs; i++) {
		const struct hp_rank_fstat *f = &fs[v->ftop + (uint32_t)i - 1];
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
	if (v->compare) {
		ranks_cmp_draw(v, s, r);
		return;
	}
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

/* The number of rank rows and function rows on screen, and of each. */
static void extent(const struct ranks_view *v, uint32_t *nranks, int *shown, uint32_t *nfuncs,
		   int *fshown)
{
	int h = app_area(v->base.app).h;
	if (v->compare && !v->rd) {
		*nranks = *nfuncs = 0;
		*shown = *fshown = 0;
	} else if (v->compare) {
		*nranks = ranks_diff_nrows(v->rd);
		*shown = ranks_cmp_rank_rows(v, h) - 1;
		*nfuncs = v->nf[v->total];
		*fshown = ranks_cmp_func_rows(v, h);
	} else {
		*nranks = v->r->n;
		*shown = rank_rows(v, h - 3) - 1;
		*nfuncs = v->r->nfuncs;
		*fshown = func_rows(v, h);
	}
}

static void set_title(struct ranks_view *v)
{
	snprintf(v->base.title, sizeof(v->base.title), "%s", v->compare
		 ? "MPI ranks of two jobs: before -> after"
		 : "MPI ranks: compute and MPI time per rank");
}

/* d: the comparison with the --diff baseline, or this job alone. */
static int switch_mode(struct ranks_view *v)
{
	struct tui_app *a = v->base.app;
	if (!v->compare && !v->rd) {
		if (!app_baseline(a)) {
			app_message(a, TUI_DIM, "nothing to compare with: start with --diff BASE.db");
			return TUI_R_VIEW;
		}
		if (!profile_has_ranks(app_baseline(a)) && !profile_has_ranks(app_profile(a))) {
			app_message(a, TUI_DIM, "neither profile is an MPI job: no ranks to compare");
			return TUI_R_VIEW;
		}
		if (ranks_cmp_build(v)) {
			app_message(a, TUI_ERROR, "cannot compare the ranks of the two jobs");
			return TUI_R_VIEW;
		}
	}
	v->compare = !v->compare;
	v->sel = v->top = v->ftop = 0;
	set_title(v);
	return TUI_R_VIEW;
}

/* Enter: only the selected rank in every view (of this job). */
static int only_rank(struct ranks_view *v)
{
	struct tui_app *a = v->base.app;
	struct hp_profile_filter f = *app_filter(a);
	int run = (int)v->r->order[v->sel];
	if (v->compare && !v->rd)
		return TUI_R_VIEW;
	if (v->compare) {
		int idx[2];
		ranks_diff_row(v->rd, v->sel, idx);
		if ((run = idx[1]) < 0) {
			app_message(a, TUI_DIM, "this job (after) has no such rank");
			return TUI_R_VIEW;
		}
	}
	f.run = app_profile(a)->runs[run].id;
	f.tid = f.pid = 0;
	app_set_filter(a, &f);
	return app_switch(a, 1);
}

static void scroll_functions(struct ranks_view *v, int64_t by, uint32_t n, int shown)
{
	int64_t top = (int64_t)v->ftop + by, last = (int64_t)n - (shown > 0 ? shown : 1);
	v->ftop = (uint32_t)(top > last ? (last > 0 ? last : 0) : top < 0 ? 0 : top);
}

static int ranks_action(struct tui_view *tv, enum tui_action a, int arg)
{
	struct ranks_view *v = (struct ranks_view *)tv;
	uint32_t n, nf;
	int shown, fshown;
	(void)arg;
	if (a == TUI_A_COMPARE)
		return switch_mode(v);
	if (!v->r || !v->r->n)
		return TUI_R_UNHANDLED;
	extent(v, &n, &shown, &nf, &fshown);
	switch (a) {
	case TUI_A_UP: v->sel = v->sel ? v->sel - 1 : 0; break;
	case TUI_A_DOWN: v->sel = v->sel + 1 < n ? v->sel + 1 : v->sel; break;
	case TUI_A_HOME: v->sel = 0; break;
	case TUI_A_END: v->sel = n ? n - 1 : 0; break;
	case TUI_A_PGDN: scroll_functions(v, fshown, nf, fshown); return TUI_R_VIEW;
	case TUI_A_PGUP: scroll_functions(v, -(int64_t)fshown, nf, fshown); return TUI_R_VIEW;
	case TUI_A_TOGGLE: v->total = !v->total; v->ftop = 0; return TUI_R_VIEW;
	case TUI_A_ENTER: return only_rank(v);
	default:
		return TUI_R_UNHANDLED;
	}
	if (v->sel < v->top)
		v->top = v->sel;
	if (shown > 0 && v->sel >= v->top + (uint32_t)shown)
		v->top = v->sel - (uint32_t)shown + 1;
	return TUI_R_VIEW;
}

/* /: the next function (of the table shown) whose name holds needle, as
 * the first row of the table. */
static int ranks_search(struct tui_view *tv, const char *needle, int dir)
{
	struct ranks_view *v = (struct ranks_view *)tv;
	int64_t at = -1;
	if (v->compare) {
		at = ranks_cmp_find(v, needle, v->ftop, dir);
	} else if (v->r && v->r->nfuncs) {
		const struct hp_rank_fstat *fs = v->total ? v->r->total : v->r->self;
		int64_t n = v->r->nfuncs;
		for (int64_t k = 1; k <= n && at < 0; k++) {
			int64_t i = (((int64_t)v->ftop + dir * k) % n + n) % n;
			if (strstr(app_profile(tv->app)->functions[fs[i].func].name, needle))
				at = i;
		}
	}
	if (at < 0)
		return 0;
	v->ftop = (uint32_t)at;
	return 1;
}

static void ranks_status(struct tui_view *tv, char *buf, size_t len)
{
	struct ranks_view *v = (struct ranks_view *)tv;
	uint32_t n = 0, nf = 0;
	int shown, fshown;
	if (v->r)
		extent(v, &n, &shown, &nf, &fshown);
	snprintf(buf, len, "rank %u/%u  fn %u/%u  Space: self/total%s",
		 n ? v->sel + 1 : 0, n, nf ? v->ftop + 1 : 0, nf,
		 app_baseline(tv->app) ? v->compare ? "  d: this job" : "  d: compare" : "");
}

static void ranks_free_view(struct tui_view *tv)
{
	struct ranks_view *v = (struct ranks_view *)tv;
	ranks_cmp_release(v);
	ranks_free(v->r);
	free(tv);
}

static const struct tui_view_ops ranks_ops = {
	.name = "ranks", .kind = TUI_V_RANKS, .draw = ranks_draw, .action = ranks_action,
	.search = ranks_search, .status = ranks_status, .free = ranks_free_view,
};

struct tui_view *view_ranks_new(struct tui_app *a)
{
	struct ranks_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ranks_ops;
	v->base.app = a;
	if (ranks_analyze(app_profile(a), &v->r))
		v->r = NULL;
	/* a --diff session of MPI jobs opens on their comparison (under a
	 * filter: of the same rank and time range of both, or why not) */
	const struct hp_profile *base = app_baseline(a);
	if (v->r && base && (profile_has_ranks(base) || profile_has_ranks(app_profile(a))) &&
	    !ranks_cmp_build(v))
		v->compare = 1;
	set_title(v);
	return &v->base;
}

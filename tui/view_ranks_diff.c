/*
 * view_ranks_diff.c - the ranks view in a --diff session (`hpprof tui
 * AFTER.db --diff BEFORE.db`, then r): the two MPI jobs side by side, as
 * the rank section of `hpprof diff` gives them. At the top what is compared
 * (whole jobs, or the filter's rank and time window in both), the load
 * imbalance of each job and the rank of its max, the change with the
 * half-width of its interval and the verdict (GAIN- or REGRESSION-colored),
 * compute per rank and the MPI share before -> after, the --alpha and
 * --threshold in effect, and what is wrong with either job; then each
 * rank's compute, MPI and MPI% before and after with, beside them, its
 * samples over time in each job on one time axis (time since each job's
 * start, the same span and bar scale for both); then the functions across
 * ranks: min, mean, max, the rank of the max and max/mean of their samples
 * per rank, before and after (Space: self / total, PgUp/PgDn scroll them;
 * under 100 columns without max/mean).
 *
 * Under a rank filter both jobs are compared on that rank, under a time
 * filter on the same window from each job's start (the baseline loaded
 * again with the matching filter); a thread or process filter, a rank the
 * baseline lacks, or a window a job has no sample in leave nothing to
 * compare, and the view says why. Every figure is the analyzer's rank
 * comparison (ranks_diff, with tui's --alpha and --threshold, as `hpprof
 * diff` takes them); nothing is computed here but the layout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/profile.h"
#include "common/pct.h"
#include "tui/chart.h"
#include "tui/colors.h"
#include "tui/view_ranks.h"

#define HEAD 7                        /* rows above the rank table */
#define TABLE_CMP_W 65                /* the rank table's columns, left of the timelines */
#define SPARKS_MIN (2 * 8 + 3)        /* columns the two timelines need at least */

/* The function rows each table shows: those with samples on some rank of
 * either job (self: in rd's order; total: in its by_total order). */
static int pick_rows(struct ranks_view *v)
{
	const struct hp_ranks_diff *d = v->rd;
	for (int total = 0; total < 2; total++) {
		if (!(v->fidx[total] = malloc((d->nfuncs + 1) * sizeof(uint32_t))))
			return -ENOMEM;
		v->nf[total] = 0;
		for (uint32_t i = 0; i < d->nfuncs; i++) {
			uint32_t e = total ? d->by_total[i] : i;
			if (d->funcs[e].side[0][total].max || d->funcs[e].side[1][total].max)
				v->fidx[total][v->nf[total]++] = e;
		}
	}
	return 0;
}

/* The filter of BASE that selects what the filter on screen selects of this
 * job: the same rank, the same time range from each job's start. 1 (with
 * v->why) when there is no such thing to compare. */
static int base_filter(struct ranks_view *v, struct hp_profile_filter *g)
{
	struct tui_app *a = v->base.app;
	const struct hp_profile_filter *f = app_filter(a);
	memset(g, 0, sizeof(*g));
	if (f->tid || f->pid) {
		snprintf(v->why, sizeof(v->why), "no comparison under a %s filter: %s %u is one"
			 " of the after job's; the before job ran other processes, and nothing tells"
			 " which of its %ss matches this one (a rank filter compares the same rank"
			 " of both jobs; x clears the filter)", f->tid ? "thread" : "process",
			 f->tid ? "thread" : "process", f->tid ? f->tid : f->pid,
			 f->tid ? "thread" : "processe");
		return 1;
	}
	return app_baseline_filter(a, g, v->why, sizeof(v->why));   /* the rank, the window */
}

/* Why there is nothing to compare when one job has no sample in the
 * selection (a time range past its end, or a rank that ran nothing). */
static void empty_window(const struct ranks_view *v, int side, char *buf, size_t len)
{
	const struct hp_profile_filter *f = app_filter(v->base.app);
	const struct hp_profile *p = side ? app_profile(v->base.app) : app_baseline(v->base.app);
	char to[48] = "";
	if (f->t_to)
		snprintf(to, sizeof(to), " and before %.3f s", (double)f->t_to / 1e9);
	if (f->t_from || f->t_to)
		snprintf(buf, len, "no comparison: the %s job has no sample at or after %.3f s%s"
			 " from its start (it ran %.3f s; x clears the filter)", side ? "after" :
			 "before", (double)f->t_from / 1e9, to, (double)p->duration_ns / 1e9);
	else
		snprintf(buf, len, "no comparison: the %s job has no sample%s", side ? "after" :
			 "before", f->run ? " of this rank (x clears the filter)" : "");
}

int ranks_cmp_build(struct ranks_view *v)
{
	struct tui_app *a = v->base.app;
	const struct hp_profile_filter *f = app_filter(a);
	const struct hp_profile *base = app_baseline(a);
	struct hp_profile_filter g;
	struct hp_diff_opts o;
	int err;
	app_diff_opts(a, &o);                 /* tui's --alpha and --threshold (diff's) */
	ranks_cmp_release(v);
	if (base_filter(v, &g))
		return 0;
	if ((f->run || f->t_from || f->t_to) && (err = app_baseline_load(a, &g, &v->fbase)))
		return err;
	err = ranks_diff(v->fbase ? v->fbase : base, app_profile(a), o.alpha, o.threshold, &v->rd);
	if (err || (err = pick_rows(v))) {
		ranks_cmp_release(v);
		return err;
	}
	for (int side = 0; side < 2; side++)
		if (!v->rd->r[side]->samples) {
			char why[sizeof(v->why)];
			empty_window(v, side, why, sizeof(why));
			ranks_cmp_release(v);
			memcpy(v->why, why, sizeof(why));
			return 0;
		}
	return 0;
}

void ranks_cmp_release(struct ranks_view *v)
{
	ranks_diff_free(v->rd);
	v->rd = NULL;
	profile_free(v->fbase);
	v->fbase = NULL;
	v->why[0] = '\0';
	for (int i = 0; i < 2; i++) {
		free(v->fidx[i]);
		v->fidx[i] = NULL;
		v->nf[i] = 0;
	}
}

/* Rows under the rank table: the time axis, and the filter's window on it. */
static int axis_rows(const struct ranks_view *v)
{
	const struct hp_profile_filter *f = app_filter(v->base.app);
	if (app_area(v->base.app).w - TABLE_CMP_W - 1 < SPARKS_MIN)
		return 0;                     /* too narrow for the timelines */
	return f->t_from || f->t_to ? 2 : 1;
}

int ranks_cmp_rank_rows(const struct ranks_view *v, int h)
{
	if (!v->rd)
		return 0;
	return ranks_table_rows(ranks_diff_nrows(v->rd) + 1, h - HEAD - axis_rows(v));
}

int ranks_cmp_func_rows(const struct ranks_view *v, int h)
{
	int n = h - HEAD - ranks_cmp_rank_rows(v, h) - axis_rows(v) - 3;
	return v->rd && n > 0 ? n : 0;
}

/* "before: PROBLEM" of the first problem of each job, or a line saying
 * both are whole. */
static void draw_problems(const struct hp_ranks_diff *d, struct tui_screen *s, int y, int x,
			  int w)
{
	char line[512] = "";
	size_t n = 0;
	for (int side = 0; side < 2; side++) {
		char buf[512] = "";
		FILE *m = fmemopen(buf, sizeof(buf) - 1, "w");
		if (!m)
			continue;
		unsigned k = ranks_print_problems(m, d->p[side], d->r[side], "");
		fclose(m);
		char *nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		if (k && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s: %s%s", n ? "   " : "",
					      side ? "after" : "before", buf, k > 1 ? " (and more)" : "");
	}
	/* under a rank filter only that rank was looked at, not the others */
	screen_put(s, y, x, w, line[0] ? TUI_ERROR : TUI_DIM, line[0] ? line
		   : d->p[1]->run_filter ? "the rank ended normally in both jobs"
		   : "every rank of both jobs is here and ended normally");
}

/* What the comparison is of: whole jobs, or the filter's rank of each job
 * and its time range from each job's start. */
static void describe_scope(const struct ranks_view *v, char *buf, size_t len)
{
	const struct hp_profile_filter *f = app_filter(v->base.app);
	const struct hp_profile *p = app_profile(v->base.app);
	size_t n = (size_t)snprintf(buf, len, "compared: ");
	for (uint32_t i = 0; f->run && i < p->nruns && n < len; i++)
		if (p->runs[i].id == f->run)
			n += (size_t)snprintf(buf + n, len - n, "rank %lld of each job",
					      (long long)p->runs[i].rank);
	if ((f->t_from || f->t_to) && n < len) {
		const char *sep = f->run ? ", " : "";
		if (f->t_to)
			n += (size_t)snprintf(buf + n, len - n, "%ssamples %.3f-%.3f s after each job's"
					      " start (the same window of both)", sep,
					      (double)f->t_from / 1e9, (double)f->t_to / 1e9);
		else
			n += (size_t)snprintf(buf + n, len - n, "%ssamples from %.3f s after each job's"
					      " start to its end (the same window of both)", sep,
					      (double)f->t_from / 1e9);
	}
	if (!f->run && !f->t_from && !f->t_to && n < len)
		snprintf(buf + n, len - n, "whole jobs");
}

static void draw_imbalance(const struct hp_ranks_diff *d, struct tui_screen *s, int y, int x,
			   int w)
{
	const struct hp_ranks *a = d->r[0], *b = d->r[1];
	char na[96] = "-", nb[96] = "-", rel[32] = "", verdict[64];
	if (a->n <= 1 || b->n <= 1) {
		screen_printf(s, y, x, w, TUI_NORMAL, "load imbalance: not compared: one rank in %s"
			      " (max/mean over a job's ranks)", a->n <= 1 && b->n <= 1 ? "each job"
			      : a->n <= 1 ? "the before job" : "the after job");
		return;
	}
	ranks_name(d->p[0], a->compute_max_run, na, sizeof(na));
	ranks_name(d->p[1], b->compute_max_run, nb, sizeof(nb));
	screen_printf(s, y, x, w, TUI_NORMAL,
		      "load imbalance (compute max/mean) %.2f, max on %s -> %.2f, max on %s",
		      a->imbalance, na, b->imbalance, nb);
	if (a->imbalance > 0)
		snprintf(rel, sizeof(rel), " (%+.1f%%)", 100 * d->delta / a->imbalance);
	screen_printf(s, y + 1, x, w,
		      d->verdict < 0 ? TUI_GAIN : d->verdict > 0 ? TUI_REGRESSION : TUI_NORMAL,
		      "  change %+.2f%s \u00b1%.2f: %s", d->delta, rel, d->ci,
		      ranks_diff_verdict_text(d, verdict, sizeof(verdict)));
}

static void draw_head(const struct ranks_view *v, struct tui_screen *s, struct tui_rect r)
{
	const struct hp_ranks_diff *d = v->rd;
	const struct hp_ranks *a = d->r[0], *b = d->r[1];
	char scope[320];
	describe_scope(v, scope, sizeof(scope));
	screen_put(s, r.y, r.x, r.w, TUI_NORMAL, scope);
	screen_printf(s, r.y + 1, r.x, r.w, TUI_NORMAL,
		      "%u rank%s before, %u after   MPI time %.2f%% -> %.2f%% of all %s", a->n,
		      a->n == 1 ? "" : "s", b->n, hp_pct(a->mpi_samples, a->samples), hp_pct(b->mpi_samples, b->samples),
		      a->timed ? "CPU time" : "samples");
	draw_imbalance(d, s, r.y + 2, r.x, r.w);
	screen_printf(s, r.y + 4, r.x, r.w, TUI_NORMAL,
		      "compute per rank: min %" PRIu64 " -> %" PRIu64 ", mean %.2f -> %.2f, max %"
		      PRIu64 " -> %" PRIu64, a->compute_min, b->compute_min, a->compute_mean,
		      b->compute_mean, a->compute_max, b->compute_max);
	screen_printf(s, r.y + 5, r.x, r.w, TUI_DIM,
		      "--alpha %g --threshold %g%%: counts beyond \u00b1, %.4g%% interval of the sampling"
		      " error (not run-to-run variation), and by %g%%", d->alpha, d->threshold,
		      100 * (1 - d->alpha), d->threshold);
	draw_problems(d, s, r.y + 6, r.x, r.w);
}

/* Beside the rank table: each job's samples per rank over time, before and
 * after side by side on one time axis - time since each job's start, the
 * same span (the longer job's) and the same bar scale for both - so that a
 * phase that got faster ends earlier in the after column. Column c of w
 * holds the buckets of a job's timeline that start in [c T/w, (c+1) T/w). */
struct sparks {
	const struct hp_rank_timeline *tl[2];
	uint64_t span;                /* T: the longer job's timeline */
	double max;                   /* the largest column of any rank of either job */
	int x[2], w;
};

static void column(const struct hp_rank_timeline *tl, uint32_t run, uint64_t span, int w, int c,
		   uint64_t *comp, uint64_t *mpi)
{
	uint32_t b0, b1;
	chart_axis_buckets(span, w, c, tl->bucket_ns, tl->nbuckets, &b0, &b1);
	*comp = *mpi = 0;
	for (uint32_t b = b0; b < b1; b++) {
		*comp += tl->compute[(size_t)run * tl->nbuckets + b];
		*mpi += tl->mpi[(size_t)run * tl->nbuckets + b];
	}
}

static void plan_sparks(const struct ranks_view *v, struct tui_rect r, struct sparks *k)
{
	int spare = r.w - TABLE_CMP_W - 1;
	memset(k, 0, sizeof(*k));
	if (spare < SPARKS_MIN)
		return;
	k->w = (spare - 3) / 2;
	k->x[0] = r.x + TABLE_CMP_W + 1;
	k->x[1] = k->x[0] + k->w + 3;
	k->tl[0] = app_baseline_rank_timeline(v->base.app);
	k->tl[1] = app_rank_timeline(v->base.app);
	for (int side = 0; side < 2; side++)
		if (k->tl[side] && k->tl[side]->t_end > k->span)
			k->span = k->tl[side]->t_end;
	for (int side = 0; side < 2; side++)
		for (uint32_t run = 0; k->tl[side] && run < k->tl[side]->nruns; run++)
			for (int c = 0; c < k->w; c++) {
				uint64_t comp, mpi;
				column(k->tl[side], run, k->span, k->w, c, &comp, &mpi);
				if ((double)(comp + mpi) > k->max)
					k->max = (double)(comp + mpi);
			}
}

/* Run `run` of one job on the common axis (bars as ranks_draw_spark's). */
static void draw_spark(const struct sparks *k, int side, uint32_t run, struct tui_screen *s,
		       int y)
{
	for (int c = 0; c < k->w; c++) {
		uint64_t comp, mpi;
		column(k->tl[side], run, k->span, k->w, c, &comp, &mpi);
		long e = k->max > 0 ? (long)((double)(comp + mpi) / k->max * 8 + 0.5) : 0;
		if (comp + mpi && !e)
			e = 1;
		if (e)
			screen_putc(s, y, k->x[side] + c, mpi > comp ? TUI_CHART2 : TUI_HOT,
				    e >= 8 ? 0x2588 : 0x2581 + (uint32_t)e - 1);
	}
}

/* Under the sparks: the common axis, and the filter's time range on it. */
static void draw_axis(const struct ranks_view *v, const struct sparks *k, struct tui_screen *s,
		      int y)
{
	const struct hp_profile_filter *f = app_filter(v->base.app);
	screen_put(s, y, k->x[0] - TABLE_CMP_W - 1, TABLE_CMP_W, TUI_DIM,
		   "  time since each job's start, one scale for both:");
	for (int side = 0; side < 2; side++) {
		chart_axis_labels(s, y, k->x[side], k->w, k->span);
		if (f->t_from || f->t_to)             /* the window */
			chart_axis_window(s, y + 1, k->x[side], k->w, k->span, f->t_from, f->t_to,
					  0x2594);
	}
}

static void draw_ranks(const struct ranks_view *v, struct tui_screen *s, struct tui_rect r)
{
	const struct hp_ranks_diff *d = v->rd;
	struct sparks sp;
	plan_sparks(v, r, &sp);
	screen_fill(s, r.y, r.x, r.w, TUI_HEADER, ' ');
	screen_printf(s, r.y, r.x, r.w, TUI_HEADER, "%6s  %9s %9s  %9s %9s  %7s %7s", "Rank",
		      "Compute", "after", "MPI", "after", "MPI%", "after");
	for (int side = 0; sp.w && side < 2; side++)
		screen_put(s, r.y, sp.x[side], sp.w, TUI_HEADER, sp.w < 17 ? side ? "after" : "before"
			   : side ? "after: over time" : "before: over time");
	for (int i = 1; i < r.h && v->top + (uint32_t)i - 1 < ranks_diff_nrows(d); i++) {
		uint32_t k = v->top + (uint32_t)i - 1;
		int idx[2], role = k == v->sel ? TUI_SELECTED : TUI_NORMAL;
		char cell[32], cols[3][2][24];
		ranks_diff_row(d, k, idx);
		for (int side = 0; side < 2; side++) {
			const struct hp_prun *run = idx[side] >= 0 ? &d->p[side]->runs[idx[side]] : NULL;
			if (!run) {
				for (int c = 0; c < 3; c++)
					strcpy(cols[c][side], "-");
				continue;
			}
			snprintf(cols[0][side], 24, "%" PRIu64, run->samples - run->mpi_samples);
			snprintf(cols[1][side], 24, "%" PRIu64, run->mpi_samples);
			snprintf(cols[2][side], 24, "%.2f", hp_pct(run->mpi_samples, run->samples));
		}
		int side = idx[0] >= 0 ? 0 : 1;          /* a side that has the rank */
		screen_fill(s, r.y + i, r.x, r.w, role, ' ');
		screen_printf(s, r.y + i, r.x, r.w, role, "%6s  %9s %9s  %9s %9s  %7s %7s",
			      ranks_cell(&d->p[side]->runs[idx[side]], cell, sizeof(cell)),
			      cols[0][0], cols[0][1], cols[1][0], cols[1][1], cols[2][0], cols[2][1]);
		for (int t = 0; sp.w && t < 2; t++)
			if (sp.tl[t] && idx[t] >= 0 && (uint32_t)idx[t] < sp.tl[t]->nruns)
				draw_spark(&sp, t, (uint32_t)idx[t], s, r.y + i);
	}
	if (sp.w && sp.span)
		draw_axis(v, &sp, s, r.y + r.h);
}

/* label centered in w columns */
static void center(char *buf, size_t len, const char *label, int w)
{
	int n = (int)strlen(label), l = (w - n) / 2;
	snprintf(buf, len, "%*s%s%*s", l > 0 ? l : 0, "", label, w - n - l > 0 ? w - n - l : 0, "");
}

/* Under this width the max/mean columns make way for the names. */
#define NARROW 100

static void draw_functions(const struct ranks_view *v, struct tui_screen *s, struct tui_rect r)
{
	const struct hp_ranks_diff *d = v->rd;
	int wide = r.w >= NARROW;
	char g[5][24];
	center(g[0], sizeof(g[0]), "Min", 14);
	center(g[1], sizeof(g[1]), "Mean", 17);
	center(g[2], sizeof(g[2]), "Max", 13);
	center(g[3], sizeof(g[3]), "Max rank", 11);
	center(g[4], sizeof(g[4]), "Max/Mean", 11);
	for (int row = 1; row < 3; row++)
		screen_fill(s, r.y + row, r.x, r.w, TUI_HEADER, ' ');
	screen_printf(s, r.y, r.x, r.w, TUI_NORMAL, "%s across ranks (%s samples per rank, before"
		      " and after)", v->total ? "Call paths" : "Functions", v->total ? "total" : "self");
	screen_printf(s, r.y + 1, r.x, r.w, TUI_HEADER, "%s  %s  %s  %s  %s", g[0], g[1], g[2],
		      g[3], wide ? g[4] : "");
	screen_printf(s, r.y + 2, r.x, r.w, TUI_HEADER, "%7s %6s  %8s %8s  %6s %6s  %5s %5s  %s%s",
		      "before", "after", "before", "after", "before", "after", "bef.", "after",
		      wide ? " bef. after  " : "", "Function (module)");
	for (int i = 3; i < r.h && v->ftop + (uint32_t)i - 3 < v->nf[v->total]; i++) {
		const struct hp_ranks_fdiff *f = &d->funcs[v->fidx[v->total][v->ftop + (uint32_t)i - 3]];
		struct hp_ranks_cells b, a;
		ranks_diff_cells(d, f, 0, v->total, &b);
		ranks_diff_cells(d, f, 1, v->total, &a);
		char ratios[64] = "";
		if (wide)
			snprintf(ratios, sizeof(ratios), "%5s %5s  ", b.ratio, a.ratio);
		screen_printf(s, r.y + i, r.x, r.w, TUI_NORMAL, "%7s %6s  %8s %8s  %6s %6s  %5s %5s"
			      "  %s%s%s%s%s", b.min, a.min, b.mean, a.mean, b.max, a.max, b.rank,
			      a.rank, ratios, f->name, f->module ? " (" : "", f->module ? f->module : "",
			      f->module ? ")" : "");
	}
}

void ranks_cmp_draw(struct ranks_view *v, struct tui_screen *s, struct tui_rect r)
{
	if (!v->rd) {
		int y = screen_put_wrapped(s, r.y + 1, r.x + 2, r.w - 4, TUI_ERROR, v->why[0] ? v->why
					   : "cannot compare the ranks of the two jobs");
		screen_put(s, y + 1, r.x + 2, r.w - 2, TUI_DIM, "d: this job alone");
		return;
	}
	int rows = ranks_cmp_rank_rows(v, r.h), below = HEAD + rows + axis_rows(v);
	draw_head(v, s, r);
	draw_ranks(v, s, (struct tui_rect){ r.y + HEAD, r.x, rows, r.w });
	draw_functions(v, s, (struct tui_rect){ r.y + below, r.x, r.h - below, r.w });
}

int64_t ranks_cmp_find(const struct ranks_view *v, const char *needle, int64_t from, int dir)
{
	int64_t n = v->rd ? v->nf[v->total] : 0;
	for (int64_t k = 1; k <= n; k++) {
		int64_t i = ((from + dir * k) % n + n) % n;
		if (strstr(v->rd->funcs[v->fidx[v->total][i]].name, needle))
			return i;
	}
	return -1;
}

/*
 * view_ranks_diff.c - the ranks view in a --diff session (`hpprof tui
 * AFTER.db --diff BEFORE.db`, then r): the two MPI jobs side by side, as
 * the rank section of `hpprof diff` gives them. At the top the load
 * imbalance of each job and the rank of its max, the change with the
 * half-width of its interval and the verdict (GAIN- or REGRESSION-colored),
 * compute per rank and the MPI share before -> after, and what is wrong
 * with either job; then each rank's compute, MPI and MPI% before and after
 * with, beside them, its samples over time in each job (as the one-job view
 * draws them; each job on its own time axis); then the functions across
 * ranks: min, mean, max, the rank of the max and
 * max/mean of their samples per rank, before and after (Space: self /
 * total, PgUp/PgDn scroll them; under 100 columns without max/mean).
 *
 * Every figure is the analyzer's rank comparison (ranks_diff, the same as
 * `hpprof diff` with its default --alpha and --threshold); nothing is
 * computed here but the layout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/profile.h"
#include "tui/colors.h"
#include "tui/view_ranks.h"

#define HEAD 6                        /* rows above the rank table */
#define TABLE_CMP_W 65                /* the rank table's columns, left of the timelines */

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

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

int ranks_cmp_build(struct ranks_view *v)
{
	struct hp_diff_opts o;
	int err;
	diff_opts_init(&o);                   /* hpprof diff's default alpha and threshold */
	ranks_cmp_release(v);
	err = ranks_diff(app_baseline(v->base.app), app_profile(v->base.app), o.alpha, o.threshold,
			 &v->rd);
	if (err || (err = pick_rows(v))) {
		ranks_cmp_release(v);
		return err;
	}
	return 0;
}

void ranks_cmp_release(struct ranks_view *v)
{
	ranks_diff_free(v->rd);
	v->rd = NULL;
	for (int i = 0; i < 2; i++) {
		free(v->fidx[i]);
		v->fidx[i] = NULL;
		v->nf[i] = 0;
	}
}

int ranks_cmp_rank_rows(const struct ranks_view *v, int h)
{
	return ranks_table_rows(ranks_diff_nrows(v->rd) + 1, h - HEAD);
}

int ranks_cmp_func_rows(const struct ranks_view *v, int h)
{
	int n = h - HEAD - ranks_cmp_rank_rows(v, h) - 3;
	return n > 0 ? n : 0;
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
	screen_put(s, y, x, w, line[0] ? TUI_ERROR : TUI_DIM,
		   line[0] ? line : "every rank of both jobs is here and ended normally");
}

static void draw_head(const struct ranks_view *v, struct tui_screen *s, struct tui_rect r)
{
	const struct hp_ranks_diff *d = v->rd;
	const struct hp_ranks *a = d->r[0], *b = d->r[1];
	char na[96] = "-", nb[96] = "-", rel[32] = "", verdict[64];
	if (a->n)
		ranks_name(d->p[0], a->compute_max_run, na, sizeof(na));
	if (b->n)
		ranks_name(d->p[1], b->compute_max_run, nb, sizeof(nb));
	screen_printf(s, r.y, r.x, r.w, TUI_NORMAL,
		      "%u ranks before, %u after   MPI time %.2f%% -> %.2f%% of all samples", a->n,
		      b->n, pct(a->mpi_samples, a->samples), pct(b->mpi_samples, b->samples));
	screen_printf(s, r.y + 1, r.x, r.w, TUI_NORMAL,
		      "load imbalance (compute max/mean) %.2f, max on %s -> %.2f, max on %s",
		      a->imbalance, na, b->imbalance, nb);
	if (a->imbalance > 0)
		snprintf(rel, sizeof(rel), " (%+.1f%%)", 100 * d->delta / a->imbalance);
	screen_printf(s, r.y + 2, r.x, r.w,
		      d->verdict < 0 ? TUI_GAIN : d->verdict > 0 ? TUI_REGRESSION : TUI_NORMAL,
		      "  change %+.2f%s \u00b1%.2f: %s", d->delta, rel, d->ci,
		      ranks_diff_verdict_text(d, verdict, sizeof(verdict)));
	screen_printf(s, r.y + 3, r.x, r.w, TUI_NORMAL,
		      "compute per rank: min %" PRIu64 " -> %" PRIu64 ", mean %.2f -> %.2f, max %"
		      PRIu64 " -> %" PRIu64, a->compute_min, b->compute_min, a->compute_mean,
		      b->compute_mean, a->compute_max, b->compute_max);
	screen_printf(s, r.y + 4, r.x, r.w, TUI_DIM,
		      "\u00b1: %.4g%% interval of the compute samples' sampling error (run-to-run"
		      " variation not in it); counts beyond it and by %g%%",
		      100 * (1 - d->alpha), d->threshold);
	draw_problems(d, s, r.y + 5, r.x, r.w);
}

/* Beside the rank table: each job's samples per rank over time (its own
 * time axis and scale), before and after side by side. */
struct sparks {
	const struct hp_rank_timeline *tl[2];
	double max[2];
	int x[2], w;
};

static void plan_sparks(const struct ranks_view *v, struct tui_rect r, struct sparks *k)
{
	int spare = r.w - TABLE_CMP_W - 1;
	memset(k, 0, sizeof(*k));
	if (spare < 2 * 8 + 3)
		return;
	k->w = (spare - 3) / 2;
	k->x[0] = r.x + TABLE_CMP_W + 1;
	k->x[1] = k->x[0] + k->w + 3;
	k->tl[0] = app_baseline_rank_timeline(v->base.app);
	k->tl[1] = app_rank_timeline(v->base.app);
	for (int side = 0; side < 2; side++)
		k->max[side] = k->tl[side] ? ranks_spark_max(k->tl[side], k->w) : 0;
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
			snprintf(cols[2][side], 24, "%.2f", pct(run->mpi_samples, run->samples));
		}
		int side = idx[0] >= 0 ? 0 : 1;          /* a side that has the rank */
		screen_fill(s, r.y + i, r.x, r.w, role, ' ');
		screen_printf(s, r.y + i, r.x, r.w, role, "%6s  %9s %9s  %9s %9s  %7s %7s",
			      ranks_cell(&d->p[side]->runs[idx[side]], cell, sizeof(cell)),
			      cols[0][0], cols[0][1], cols[1][0], cols[1][1], cols[2][0], cols[2][1]);
		for (int t = 0; sp.w && t < 2; t++)
			if (sp.tl[t] && idx[t] >= 0 && (uint32_t)idx[t] < sp.tl[t]->nruns)
				ranks_draw_spark(sp.tl[t], (uint32_t)idx[t], sp.max[t], s, r.y + i,
						 sp.x[t], sp.w);
	}
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
	int rows = ranks_cmp_rank_rows(v, r.h);
	draw_head(v, s, r);
	draw_ranks(v, s, (struct tui_rect){ r.y + HEAD, r.x, rows, r.w });
	draw_functions(v, s, (struct tui_rect){ r.y + HEAD + rows, r.x, r.h - HEAD - rows, r.w });
}

int64_t ranks_cmp_find(const struct ranks_view *v, const char *needle, int64_t from, int dir)
{
	int64_t n = v->nf[v->total];
	for (int64_t k = 1; k <= n; k++) {
		int64_t i = ((from + dir * k) % n + n) % n;
		if (strstr(v->rd->funcs[v->fidx[v->total][i]].name, needle))
			return i;
	}
	return -1;
}

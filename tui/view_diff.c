/*
 * view_diff.c - the diff tab of `hpprof tui DB --diff BASE.db`: per
 * function (or, with Space, per source line) the self time before (BASE)
 * and after (DB), its change in percent with its confidence interval
 * (diff_rel_ci_text: the ratio's), the change of total time, the self share after, and the
 * analyzer's verdict (it judges time, not shares); rows that got slower or
 * appeared are REGRESSION-colored, those that got faster or vanished
 * GAIN-colored, minor rows (too few samples) come last. Enter annotates
 * the row's source in DB. The flame graph tab shows the same comparison
 * per call path (view_flame.c).
 *
 * The comparison itself is analyzer/diff.h (diff_pair), the same as
 * `hpprof diff`; it is recomputed when the filter of DB changes (BASE is
 * always whole).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/annotate.h"
#include "analyzer/diff.h"
#include "analyzer/profile.h"
#include "tui/colors.h"
#include "tui/list.h"
#include "tui/view.h"

enum { C_BEFORE, C_AFTER, C_DELTA, C_CI, C_DTOTAL, C_SHARE, C_VERDICT, C_NAME, C_MODULE,
       NCOLS };

struct diff_view {
	struct tui_view base;
	enum hp_diff_by by;
	struct hp_diff *d;
	uint32_t *rows;               /* indices into d->rows, in display order */
	struct tui_list list;
	int sort;                     /* C_*: the sort column */
};

static const struct tui_col columns[NCOLS] = {
	[C_BEFORE]  = { "Before", 8, 0, 1, 0, 0, 0, C_BEFORE },
	[C_AFTER]   = { "After", 8, 0, 1, 0, 0, 0, C_AFTER },
	[C_DELTA]   = { "Change", 8, 0, 1, 0, 0, 0, C_DELTA },
	[C_CI]      = { "CI", 13, 0, 1, 1, 0, 0, C_CI },
	[C_DTOTAL]  = { "\u0394Total", 8, 0, 1, 2, 0, 0, C_DTOTAL },
	[C_SHARE]   = { "Self%", 6, 0, 1, 2, 0, 0, C_SHARE },
	[C_VERDICT] = { "Verdict", 7, 0, 0, 0, 0, 0, C_VERDICT },
	[C_NAME]    = { "Function", 0, 30, 0, 0, 0, 1, C_NAME, TUI_NAME_CELL },
	[C_MODULE]  = { "Module", 18, 0, 0, 3, 0, 1, C_MODULE },
};

static int verdict_role(enum hp_verdict v)
{
	switch (v) {
	case HP_VERDICT_SLOWER:
	case HP_VERDICT_NEW:    return TUI_REGRESSION;
	case HP_VERDICT_FASTER:
	case HP_VERDICT_GONE:   return TUI_GAIN;
	default:                return TUI_NORMAL;
	}
}

/* A file's last component, "??" when unknown. */
/* A time in the unit of the view (ms, or samples without a time basis). */
static void time_cell(const struct diff_view *v, char *buf, size_t len, double t)
{
	double m = v->d->basis == HP_DIFF_TIME_SAMPLES ? t : t * 1e3;
	snprintf(buf, len, m >= 100 || m == 0 ? "%.0f" : m >= 10 ? "%.1f" : "%.2f", m);
}

/* A change in percent of its before value, or "new" from nothing; its
 * interval ("±4.1%", "+240..+520%": diff_rel_ci_text). */
static void change_cell(char *buf, size_t len, const struct hp_diff_change *c, double before,
			int ci)
{
	if (before <= 0)
		snprintf(buf, len, "%s", ci ? "" : c->delta > 0 ? "from 0" : "");
	else if (ci && c->ci > 0)
		diff_rel_ci_text(buf, len, c);
	else if (ci)
		buf[0] = '\0';
	else
		snprintf(buf, len, "%+.1f%%", 100 * c->delta / before);
}

static void cell(void *ctx, int col, uint32_t row, char *buf, size_t len, int *role)
{
	struct diff_view *v = ctx;
	const struct hp_diff_row *r = &v->d->rows[v->rows[row]];
	switch (v->list.cols[col].src) {
	case C_BEFORE:
		if (r->verdict != HP_VERDICT_NEW)
			time_cell(v, buf, len, r->before_time.mean);
		break;
	case C_AFTER:
		if (r->verdict != HP_VERDICT_GONE)
			time_cell(v, buf, len, r->after_time.mean);
		break;
	case C_DELTA:
		change_cell(buf, len, &r->self, r->before_time.mean, 0);
		*role = verdict_role(r->verdict);
		break;
	case C_CI:
		change_cell(buf, len, &r->self, r->before_time.mean, 1);
		break;
	case C_DTOTAL:
		change_cell(buf, len, &r->total, r->before_ttime.mean, 0);
		break;
	case C_SHARE:
		snprintf(buf, len, "%.2f", r->after_self.mean);
		break;
	case C_VERDICT:
		snprintf(buf, len, "%s%s", diff_verdict_name(r->verdict), r->on_total ? "*" : "");
		*role = verdict_role(r->verdict);
		break;
	case C_NAME:
		if (v->by == HP_DIFF_LINE)
			snprintf(buf, len, "%s:%u  %s", stacks_basename_or(r->file, "??"), r->line, r->name);
		else
			snprintf(buf, len, "%s", r->name);
		break;
	case C_MODULE:
		snprintf(buf, len, "%s", r->module ? r->module : "");
		break;
	}
}

static int cmp_double(double x, double y)
{
	return x == y ? 0 : x > y ? -1 : 1;
}

static int compare(const void *a, const void *b, void *ctx)
{
	const struct diff_view *v = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const struct hp_diff_row *x = &v->d->rows[i], *y = &v->d->rows[j];
	int c = 0;
	switch (v->sort) {
	case C_BEFORE:  c = cmp_double(x->before_time.mean, y->before_time.mean); break;
	case C_AFTER:   c = cmp_double(x->after_time.mean, y->after_time.mean); break;
	case C_CI:      c = cmp_double(x->self.ci, y->self.ci); break;
	case C_DTOTAL:  c = cmp_double(fabs(x->total.delta), fabs(y->total.delta)); break;
	case C_SHARE:   c = cmp_double(x->after_self.mean, y->after_self.mean); break;
	case C_VERDICT: c = (int)y->verdict - (int)x->verdict; break;
	case C_NAME:    c = strcmp(x->name, y->name); break;
	case C_MODULE:  c = strcmp(x->module ? x->module : "", y->module ? y->module : ""); break;
	default:        break;        /* C_DELTA: the analyzer's order */
	}
	return c ? c : (i > j) - (i < j);
}

static void sort_rows(struct diff_view *v)
{
	qsort_r(v->rows, v->list.nrows, sizeof(*v->rows), compare, v);
	v->list.sort_col = list_col_of_src(&v->list, v->sort);
}

static int build(struct diff_view *v)
{
	const struct hp_profile *before = app_baseline(v->base.app);
	struct hp_diff_opts o;
	app_diff_opts(v->base.app, &o);       /* tui's --alpha and --threshold */
	o.by = v->by;
	diff_free(v->d);
	free(v->rows);
	v->d = NULL;
	v->rows = NULL;
	if (!before || diff_pair(before, app_profile(v->base.app), &o, &v->d))
		return -1;
	if (!(v->rows = malloc((v->d->nrows + 1) * sizeof(*v->rows))))
		return -1;
	for (uint32_t i = 0; i < v->d->nrows; i++)
		v->rows[i] = i;
	int hs = v->list.hscroll;
	list_init(&v->list, v, cell);
	v->list.hscroll = hs;
	for (int c = 0; c < NCOLS; c++)
		v->list.cols[v->list.ncols++] = columns[c];
	if (v->by == HP_DIFF_LINE) {
		v->list.cols[C_NAME].header = "Line";
		v->list.cols[C_NAME].name = TUI_NAME_NONE;
	}
	v->list.nrows = v->d->nrows;
	sort_rows(v);
	return 0;
}

static void draw_header(struct diff_view *v, struct tui_screen *s, struct tui_rect r)
{
	const struct hp_diff *d = v->d;
	screen_printf(s, r.y, r.x, r.w, TUI_NORMAL,
		      "before %s: %.0f samples, %.3f s CPU   after %s: %.0f samples, %.3f s CPU   "
		      "CPU time: %s", stacks_basename_or(app_baseline_path(v->base.app), "??"),
		      d->before.samples.mean, d->before.time.mean, stacks_basename_or(app_db_path(v->base.app), "??"),
		      d->after.samples.mean, d->after.time.mean, diff_verdict_name(d->verdict));
	char noise[96];
	if (d->welch)
		snprintf(noise, sizeof(noise), "the runs' spread");
	else if (diff_run_noise(d) > 0)
		snprintf(noise, sizeof(noise), "the sampling error, an assumed %g%% (kernel %g%%) "
			 "run-to-run spread", diff_run_noise(d), HP_DIFF_MACHINE_NOISE * diff_run_noise(d));
	else
		snprintf(noise, sizeof(noise), "the sampling error (run-to-run variation not included)");
	screen_printf(s, r.y + 1, r.x, r.w, TUI_DIM,
		      "Space: functions / lines - self time (%s); a change counts beyond %s and %g%%",
		      d->basis == HP_DIFF_TIME_SAMPLES ? "samples" : "ms", noise, d->opts.threshold);
}

static void diff_draw(struct tui_view *vv, struct tui_screen *s, struct tui_rect r)
{
	struct diff_view *v = (struct diff_view *)vv;
	if (!v->d) {
		screen_put(s, r.y + 1, r.x + 2, r.w - 2, TUI_ERROR,
			   "cannot compare the two profiles (out of memory?)");
		return;
	}
	draw_header(v, s, r);
	r.y += 2;
	r.h -= 2;
	list_draw(&v->list, s, r);
}

static int annotate_row(struct diff_view *v)
{
	const struct hp_profile *p = app_profile(v->base.app);
	const struct hp_diff_row *r;
	int f;
	if (!v->d || !v->list.nrows)
		return TUI_R_VIEW;
	r = &v->d->rows[v->rows[v->list.sel]];
	if (v->by == HP_DIFF_LINE)
		return app_annotate_file(v->base.app, stacks_file_id(p->model, r->file), r->file,
					 r->line);
	if ((f = annotate_find_function(p, r->name)) < 0) {
		app_message(v->base.app, TUI_DIM, "'%s' is not in %s", r->name,
			    app_db_path(v->base.app));
		return TUI_R_VIEW;
	}
	return app_annotate_function(v->base.app, (uint32_t)f);
}

static int diff_action(struct tui_view *vv, enum tui_action a, int arg)
{
	struct diff_view *v = (struct diff_view *)vv;
	int h = app_area(vv->app).h - 2;
	switch (a) {
	case TUI_A_TOGGLE:
		v->by = v->by == HP_DIFF_FUNCTION ? HP_DIFF_LINE : HP_DIFF_FUNCTION;
		if (build(v))
			app_message(vv->app, TUI_ERROR, "cannot compare the two profiles");
		return TUI_R_VIEW;
	case TUI_A_SORT_NEXT:
	case TUI_A_SORT_PREV:
		v->sort = (v->sort + (a == TUI_A_SORT_NEXT ? 1 : NCOLS - 1)) % NCOLS;
		if (v->d)
			sort_rows(v);
		return TUI_R_VIEW;
	case TUI_A_ENTER:
	case TUI_A_ANNOTATE:
		return annotate_row(v);
	default:
		return v->d ? list_action(&v->list, a, h) : TUI_R_UNHANDLED;
	}
}

static int diff_search(struct tui_view *vv, const char *needle, int dir)
{
	struct diff_view *v = (struct diff_view *)vv;
	return v->d && list_find(&v->list, needle, dir, app_area(vv->app).h - 2);
}

static void diff_status(struct tui_view *vv, char *buf, size_t len)
{
	list_position(&((struct diff_view *)vv)->list, buf, len);
}

static int diff_reload(struct tui_view *vv)
{
	build((struct diff_view *)vv);
	return 0;
}

static void diff_view_free(struct tui_view *vv)
{
	struct diff_view *v = (struct diff_view *)vv;
	diff_free(v->d);
	free(v->rows);
	free(v);
}

static const struct tui_view_ops diff_ops = {
	.name = "diff", .kind = TUI_V_DIFF, .draw = diff_draw, .action = diff_action,
	.search = diff_search, .status = diff_status, .reload = diff_reload,
	.free = diff_view_free,
};

struct tui_view *view_diff_new(struct tui_app *a)
{
	struct diff_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &diff_ops;
	v->base.app = a;
	v->by = HP_DIFF_FUNCTION;
	v->sort = C_DELTA;
	snprintf(v->base.title, sizeof(v->base.title), "Diff: before (--diff) and after (this profile)");
	build(v);
	return &v->base;
}

/*
 * view_source.c - source annotation: a file's lines with a gutter of
 * per-line costs (self %, call-path total %, the part of self spent in the
 * kernel when a line entered it, measured counters), hot lines marked '>'
 * and colored HOT, opened on a function's hottest line. The status line
 * names the kernel functions beneath the selected line.
 *
 * The file is read from the path the profile recorded (relative paths are
 * tried against the run's working directory, then srcpath.h's maps). When
 * it cannot be read, the view says why and what would show it in red
 * (annotate_source_why: the words of `hpprof annotate`) and still lists
 * the lines that have costs. Costs come
 * from annotate_file_costs() (the same as `hpprof annotate`); Enter shows
 * the call paths ending on the selected line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "analyzer/annotate.h"
#include "analyzer/calltree.h"
#include "analyzer/columns.h"
#include "analyzer/profile.h"
#include "analyzer/srcpath.h"
#include "common/grow.h"
#include "tui/colors.h"
#include "tui/view.h"

#define MAX_SOURCE (64u << 20)
#define TAB 8
#define COUNTER_W 11

struct source {
	struct tui_view base;
	uint32_t file_id;
	char *path;                   /* as recorded, NULL when none is known */
	char *shown;                  /* the path read, or NULL when unreadable */
	char err[1024];               /* why the file is missing */
	char *buf;                    /* file contents */
	char **text;                  /* text[1..ntext]: line text (NUL-terminated in buf) */
	uint32_t ntext;
	struct hp_file_costs *costs;
	uint32_t *rows;               /* line numbers shown, in order */
	uint32_t nrows;
	uint32_t sel, top;            /* indices into rows[] */
	int hscroll;                  /* code columns skipped */
};

/* --- loading --- */

/* The module of the function with the most samples in the file (the
 * reason's remedy differs for a distribution's library). */
static const char *file_module(const struct hp_profile *p, uint32_t file_id)
{
	const struct hp_pline *best = NULL;
	for (uint32_t i = 0; i < p->nlines; i++)
		if (p->lines[i].file_id == file_id && p->lines[i].func < p->nfunctions &&
		    (!best || p->lines[i].self > best->self))
			best = &p->lines[i];
	return best ? p->functions[best->func].module : NULL;
}

static void say_why(struct source *s, const char *file, const char *why)
{
	annotate_source_why(file_module(app_profile(s->base.app), s->file_id), file, why, s->err,
			    sizeof(s->err));
}

static FILE *open_source(struct source *s, const struct tui_app *a)
{
	char why[512];
	const struct hp_profile *p = app_profile(a);
	if (!s->path) {
		say_why(s, NULL, "");
		return NULL;
	}
	/* a Rust std file: the rustcs that built the profile's modules */
	for (uint32_t i = 0; rustsrc_is_std_path(s->path) && i < p->nfunctions; i++)
		if (!i || p->functions[i].module != p->functions[i - 1].module)
			rustsrc_note_binary(p->functions[i].module);
	/* the path comes from the database: never a device or FIFO (annotate.h);
	 * relative to the run's directory, --source-map, rust-src (srcpath.h) */
	FILE *f = srcpath_open(s->path, app_run_cwd(a), &s->shown, why, sizeof(why));
	if (!f)
		say_why(s, s->path, why);
	return f;
}

static int split_lines(struct source *s, size_t len)
{
	uint32_t n = 0;
	size_t cap = 0;
	if (hp_grow((void **)&s->text, &cap, 1, sizeof(*s->text)))
		return -ENOMEM;
	s->text[0] = "";
	for (size_t i = 0; i < len;) {
		if (hp_grow((void **)&s->text, &cap, (size_t)n + 2, sizeof(*s->text)))
			return -ENOMEM;
		s->text[++n] = s->buf + i;
		while (i < len && s->buf[i] != '\n')
			i++;
		if (i > 0 && s->buf[i - 1] == '\r')
			s->buf[i - 1] = '\0';
		s->buf[i++] = '\0';
	}
	s->ntext = n;
	return 0;
}

static void read_source(struct source *s)
{
	FILE *f = open_source(s, s->base.app);
	struct stat st;
	size_t len;
	if (!f)
		return;
	if (fstat(fileno(f), &st) || st.st_size > MAX_SOURCE ||
	    !(s->buf = malloc((size_t)st.st_size + 1))) {
		say_why(s, s->shown, st.st_size > MAX_SOURCE ? "file too large" : strerror(errno));
		goto fail;
	}
	len = fread(s->buf, 1, (size_t)st.st_size, f);
	s->buf[len] = '\0';
	if (split_lines(s, len)) {
		say_why(s, s->shown, strerror(ENOMEM));
		goto fail;
	}
	fclose(f);
	if (!s->ntext)
		say_why(s, s->shown, "the file is empty");
	return;
fail:
	fclose(f);
	free(s->buf);
	s->buf = NULL;
	free(s->shown);
	s->shown = NULL;
	s->ntext = 0;
}

static int has_costs(const struct hp_profile *p, const struct hp_line_cost *c)
{
	if (c->self || c->total)
		return 1;
	for (uint32_t e = 0; c->c && e < p->nevents; e++)
		if (c->c[e])
			return 1;
	return 0;
}

/* Rows: every line of the file, or only lines with costs when it is missing. */
static int make_rows(struct source *s)
{
	uint32_t ncost = s->costs ? s->costs->nlines : 0, n = 0;
	uint32_t last = s->ntext > (ncost ? ncost - 1 : 0) ? s->ntext : (ncost ? ncost - 1 : 0);
	s->rows = malloc((last + 1) * sizeof(*s->rows));
	if (!s->rows)
		return -ENOMEM;
	for (uint32_t l = 1; l <= last; l++) {
		int costly = l < ncost && has_costs(app_profile(s->base.app), &s->costs->lines[l]);
		if (s->ntext || costly)
			s->rows[n++] = l;
	}
	s->nrows = n;
	return 0;
}

/* --- drawing --- */

struct gutter {
	int kernel;                   /* the Kern% column: some line entered the kernel */
	int ncounters;                /* counter columns that fit */
	int counter[16];              /* their event indices */
	int numw;                     /* line number width */
	int code_x;                   /* where the code starts */
};

static void plan_gutter(const struct source *s, const struct hp_profile *p, int w,
			struct gutter *g)
{
	char tmp[16];
	g->numw = snprintf(tmp, sizeof(tmp), "%u", s->nrows ? s->rows[s->nrows - 1] : 1);
	if (g->numw < 4)
		g->numw = 4;
	g->ncounters = 0;
	g->kernel = s->costs && s->costs->kernel;
	g->code_x = 7 + 7 + (g->kernel ? 7 : 0) + g->numw + 3;
	for (uint32_t e = 0; e < p->nevents && g->ncounters < 16; e++) {
		if (!columns_event_shown(p, e) || g->code_x + COUNTER_W + 60 > w)
			continue;
		g->counter[g->ncounters++] = (int)e;
		g->code_x += COUNTER_W;
	}
}

static int line_role(const struct source *s, const struct hp_profile *p, uint32_t line)
{
	const struct hp_line_cost *c;
	if (!s->costs || line >= s->costs->nlines)
		return TUI_NORMAL;
	c = &s->costs->lines[line];
	if (!c->self)
		return TUI_NORMAL;
	if (line == s->costs->hottest)
		return TUI_HOT;
	return colors_heat(profile_time_share(p, c->self, c->self_ns));
}

static void draw_code(struct source *s, struct tui_screen *sc, int y, int x, int w, int role,
		      uint32_t line)
{
	char out[1024];
	const unsigned char *in = (const unsigned char *)(line <= s->ntext ? s->text[line] : "");
	int col = 0, n = 0, shown = 0;
	if (!s->ntext) {
		screen_put(sc, y, x, w, TUI_DIM, "(source not available)");
		return;
	}
	for (; *in && n < (int)sizeof(out) - 9 && col < s->hscroll + w; in++) {
		int width = *in == '\t' ? TAB - col % TAB : 1;
		if (*in >= 0x80 && *in < 0xc0) {        /* UTF-8 continuation */
			if (shown)
				out[n++] = (char)*in;
			continue;
		}
		shown = 0;
		for (int k = 0; k < width; k++, col++) {
			if (col >= s->hscroll && col < s->hscroll + w) {
				out[n++] = *in == '\t' ? ' ' : (char)*in;
				shown = 1;
			}
		}
	}
	out[n] = '\0';
	screen_put(sc, y, x, w, role, out);
}

static void draw_row(struct source *s, struct tui_screen *sc, const struct hp_profile *p,
		     const struct gutter *g, int y, struct tui_rect r, uint32_t idx)
{
	uint32_t line = s->rows[idx];
	int selected = idx == s->sel, role = line_role(s, p, line), x = r.x;
	const struct hp_line_cost *c = s->costs && line < s->costs->nlines ? &s->costs->lines[line]
									  : NULL;
	int grole = selected ? TUI_SELECTED : role;
	char cell[32];
	if (selected)
		screen_fill(sc, y, r.x, r.w, TUI_SELECTED, ' ');
	if (c && c->self)
		screen_printf(sc, y, x, 6, grole, "%6.2f",
			      profile_time_share(p, c->self, c->self_ns));
	x += 7;
	if (c && c->total) {
		double total = profile_time_share(p, c->total, c->total_ns);
		screen_printf(sc, y, x, 6, selected ? TUI_SELECTED : colors_heat(total), "%6.2f",
			      total);
	}
	x += 7;
	if (g->kernel) {
		if (c && c->kernel)
			screen_printf(sc, y, x, 6, grole, "%6.2f",
				      profile_time_share(p, c->kernel, c->kernel_ns));
		x += 7;
	}
	for (int k = 0; k < g->ncounters; k++, x += COUNTER_W)
		if (c && c->c && c->c[g->counter[k]])
			screen_printf(sc, y, x, COUNTER_W - 1, grole, "%*s", COUNTER_W - 1,
				      profile_event_cell(&p->events[g->counter[k]], c->c[g->counter[k]],
							 cell, sizeof(cell)));
	screen_printf(sc, y, x, g->numw, selected ? TUI_SELECTED : TUI_DIM, "%*u", g->numw, line);
	x += g->numw + 1;
	screen_putc(sc, y, x, role == TUI_HOT ? TUI_HOT : grole, role == TUI_HOT ? '>' : ' ');
	x += 2;
	draw_code(s, sc, y, x, r.x + r.w - x, selected ? TUI_SELECTED : role == TUI_HOT ? TUI_HOT
									 : TUI_NORMAL, line);
}

static void draw_header(struct source *s, struct tui_screen *sc, const struct hp_profile *p,
			const struct gutter *g, struct tui_rect r)
{
	int x = r.x;
	screen_fill(sc, r.y, r.x, r.w, TUI_HEADER, ' ');
	screen_put(sc, r.y, x, 6, TUI_HEADER, " Self%");
	screen_put(sc, r.y, x + 7, 6, TUI_HEADER, "Total%");
	x += 14;
	if (g->kernel) {
		screen_put(sc, r.y, x, 6, TUI_HEADER, " Kern%");
		x += 7;
	}
	for (int k = 0; k < g->ncounters; k++, x += COUNTER_W)
		screen_put_right(sc, r.y, x + COUNTER_W - 1, COUNTER_W - 1, TUI_HEADER,
				 profile_event_header(&p->events[g->counter[k]], 1));
	screen_put_right(sc, r.y, x + g->numw, g->numw, TUI_HEADER, "Line");
	x += g->numw + 3;
	screen_printf(sc, r.y, x, r.x + r.w - x, TUI_HEADER, "%s",
		      s->shown ? s->shown : s->path ? s->path : "?");
}

static void scroll_into_view(struct source *s, int page)
{
	if (page < 1)
		page = 1;
	if (s->nrows && s->sel >= s->nrows)
		s->sel = s->nrows - 1;
	if (s->sel < s->top)
		s->top = s->sel;
	if (s->sel >= s->top + (uint32_t)page)
		s->top = s->sel - (uint32_t)page + 1;
}

/* Rows for code in area r: under the header, and the reason when the file
 * is missing. */
static int body_rows(const struct source *s, struct tui_rect r)
{
	return r.h - 1 - view_why_rows(view_source_why(&s->base), r.w, r.h);
}

static void source_draw(struct tui_view *v, struct tui_screen *sc, struct tui_rect r)
{
	struct source *s = (struct source *)v;
	const struct hp_profile *p = app_profile(v->app);
	struct gutter g;
	int page = body_rows(s, r);
	plan_gutter(s, p, r.w, &g);
	draw_header(s, sc, p, &g, r);
	int y = view_why_draw(sc, r, view_source_why(v));
	scroll_into_view(s, page);
	for (int i = 0; i < page && s->top + (uint32_t)i < s->nrows; i++)
		draw_row(s, sc, p, &g, y + i, r, s->top + (uint32_t)i);
	if (!s->nrows)
		screen_put(sc, y, r.x + 2, r.w - 2, TUI_DIM, "(no lines with costs in this file)");
}

/* --- actions --- */

static void select_line(struct source *s, uint32_t line, int page)
{
	for (uint32_t i = 0; i < s->nrows; i++) {
		if (s->rows[i] >= line) {
			s->sel = i;
			break;
		}
	}
	/* center it */
	s->top = s->sel > (uint32_t)page / 2 ? s->sel - (uint32_t)page / 2 : 0;
	scroll_into_view(s, page);
}

static int open_callers(struct source *s)
{
	const struct hp_profile *p = app_profile(s->base.app);
	uint32_t line = s->nrows ? s->rows[s->sel] : 0, best = HP_CT_NONE;
	for (uint32_t i = 0; i < p->nlines; i++)
		if (p->lines[i].file_id == s->file_id && p->lines[i].line == line &&
		    p->lines[i].self && (best == HP_CT_NONE || p->lines[i].self > p->lines[best].self))
			best = i;
	if (best == HP_CT_NONE) {
		app_message(s->base.app, TUI_DIM, "no samples end on line %u", line);
		return TUI_R_VIEW;
	}
	return app_open_calltree(s->base.app, 1, HP_CT_NONE, best);
}

/* The machine code of the function with the most samples on the selected
 * line (of those whose frames are at it). */
static int open_disasm(struct source *s)
{
	const struct hp_profile *p = app_profile(s->base.app);
	uint32_t line = s->nrows ? s->rows[s->sel] : 0, best = UINT32_MAX;
	uint64_t best_n = 0;
	for (uint32_t i = 0; i < p->nstacks; i++) {
		const struct hp_pstack *st = &p->stacks[i];
		for (uint32_t k = 0; k < st->nframes; k++)
			if (st->frames[k].file == s->file_id && st->frames[k].line == line &&
			    st->samples >= best_n) {
				best = st->func[k];
				best_n = st->samples;
			}
	}
	if (best == UINT32_MAX) {
		app_message(s->base.app, TUI_DIM, "no samples pass through line %u", line);
		return TUI_R_VIEW;
	}
	return app_disasm_function(s->base.app, best);
}

const char *view_source_why(const struct tui_view *v)
{
	const struct source *s = (const struct source *)v;
	return s->ntext ? NULL : s->err;
}

const char *view_source_missing(struct tui_app *a, uint32_t file_id, const char *path,
				char *out, size_t len)
{
	/* the view's reading without its costs and rows: the same reason */
	struct source s = { .base.app = a, .file_id = file_id, .path = path ? strdup(path) : NULL };
	const char *why = NULL;
	if (path && !s.path) {
		why = strerror(ENOMEM);
	} else {
		read_source(&s);
		why = s.ntext ? NULL : s.err;
	}
	if (why)
		snprintf(out, len, "%s", why);
	free(s.text);
	free(s.buf);
	free(s.shown);
	free(s.path);
	return why ? out : NULL;
}

static int source_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct source *s = (struct source *)v;
	int page = body_rows(s, app_area(v->app)), step = page > 1 ? page - 1 : 1;
	switch (a) {
	case TUI_A_UP:    if (s->sel) s->sel--; break;
	case TUI_A_DOWN:  s->sel++; break;
	case TUI_A_PGUP:  s->sel = s->sel > (uint32_t)step ? s->sel - (uint32_t)step : 0; break;
	case TUI_A_PGDN:  s->sel += (uint32_t)step; break;
	case TUI_A_HOME:  s->sel = 0; break;
	case TUI_A_END:   s->sel = s->nrows ? s->nrows - 1 : 0; break;
	case TUI_A_LEFT:  s->hscroll = s->hscroll >= TAB ? s->hscroll - TAB : 0; break;
	case TUI_A_RIGHT: s->hscroll += TAB; break;
	case TUI_A_ENTER:
	case TUI_A_CALLERS:
		return open_callers(s);
	case TUI_A_DISASM:
		return open_disasm(s);
	default:
		return TUI_R_UNHANDLED;
	}
	scroll_into_view(s, page);
	return TUI_R_VIEW;
}

static int source_search(struct tui_view *v, const char *needle, int dir)
{
	struct source *s = (struct source *)v;
	for (uint32_t i = 1; i <= s->nrows && s->ntext; i++) {
		uint32_t k = dir > 0 ? (s->sel + i) % s->nrows
				     : (s->sel + s->nrows - i % s->nrows) % s->nrows;
		if (s->rows[k] <= s->ntext && strcasestr(s->text[s->rows[k]], needle)) {
			select_line(s, s->rows[k], body_rows(s, app_area(v->app)));
			return 1;
		}
	}
	return 0;
}

static void source_status(struct tui_view *v, char *buf, size_t len)
{
	struct source *s = (struct source *)v;
	const struct hp_profile *p = app_profile(v->app);
	uint32_t line = s->nrows ? s->rows[s->sel] : 0;
	const struct hp_line_cost *c = s->costs && line < s->costs->nlines ? &s->costs->lines[line]
									  : NULL;
	if (profile_simulated_only(p)) {     /* no samples: no sample shares to show */
		snprintf(buf, len, "line %u/%u  simulated", line, s->ntext ? s->ntext : line);
		return;
	}
	struct hp_kernel_share k[3];
	uint32_t nk = c && c->kernel ? annotate_line_kernel(p, s->file_id, line, k, 3) : 0;
	int n = snprintf(buf, len, "line %u/%u  self %.2f%%  total %.2f%%", line,
			 s->ntext ? s->ntext : line,
			 c ? profile_time_share(p, c->self, c->self_ns) : 0.0,
			 c ? profile_time_share(p, c->total, c->total_ns) : 0.0);
	if (nk && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "  kernel %.2f%%:",
			      profile_time_share(p, c->kernel, c->kernel_ns));
	for (uint32_t i = 0; i < nk && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s %s %.0f%%", i ? "," : "",
			      p->functions[k[i].func].name,
			      100.0 * (double)k[i].samples / (double)c->kernel);
}

static void source_free(struct tui_view *v)
{
	struct source *s = (struct source *)v;
	annotate_file_costs_free(s->costs);
	free(s->rows);
	free(s->text);
	free(s->buf);
	free(s->shown);
	free(s->path);
	free(s);
}

static const struct tui_view_ops source_ops = {
	.name = "source", .kind = TUI_V_SOURCE, .draw = source_draw, .action = source_action,
	.search = source_search, .status = source_status, .free = source_free,
};

struct tui_view *view_source_new(struct tui_app *a, uint32_t file_id, const char *path,
				 uint32_t line)
{
	struct source *s = calloc(1, sizeof(*s));
	const struct hp_profile *p = app_profile(a);
	if (!s)
		return NULL;
	s->base.ops = &source_ops;
	s->base.app = a;
	s->file_id = file_id;
	if ((path && !(s->path = strdup(path))) ||
	    (file_id && annotate_file_costs(p, file_id, &s->costs)))
		goto fail;
	read_source(s);
	if (make_rows(s))
		goto fail;
	if (profile_simulated_only(p))
		snprintf(s->base.title, sizeof(s->base.title), "Source: %s (simulated counts)",
			 s->path ? stacks_basename(s->path) : "?");
	else
		snprintf(s->base.title, sizeof(s->base.title), "Source: %s (%.1f%% of samples end here)",
			 s->path ? stacks_basename(s->path) : "?",
			 s->costs ? profile_time_share(p, s->costs->self, s->costs->self_ns) : 0.0);
	if (!line && s->costs)
		line = s->costs->hottest;
	select_line(s, line ? line : 1, body_rows(s, app_area(a)));
	return &s->base;
fail:
	source_free(&s->base);
	return NULL;
}

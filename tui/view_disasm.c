/*
 * view_disasm.c - one function's machine code with per-instruction costs
 * (self %, call-path total %, the kernel entered from it, measured
 * counters), interleaved with its
 * source lines when the debug info has them; the hottest instruction is
 * marked '>' and colored HOT.
 *
 * The rows come from disasm_function() (analyzer/disasm.h: the same as
 * `hpprof annotate --asm`), which reads the code from the binary that ran.
 * Opened with 'd' on a function or a source line, and instead of the
 * source view when a function has no source to show. Either way, when it
 * has none, the reason and what would show the source
 * (annotate_source_why: the words of `hpprof annotate`) stay in red under
 * the header while the code scrolls. Enter shows the call paths through
 * the function.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/calltree.h"
#include "analyzer/disasm.h"
#include "analyzer/profile.h"
#include "tui/colors.h"
#include "tui/view.h"

#define COUNTER_W 11
#define ADDR_W 10

struct disasm_view {
	struct tui_view base;
	uint32_t func;                /* index into the profile's functions */
	struct hp_disasm *d;
	char *reason;                 /* why the function has no source, or NULL */
	uint32_t sel, top;            /* row indices */
	int hscroll;
};

struct dgutter {
	int kernel;                   /* the Kern% column: some instruction entered the kernel */
	int costs_w;                  /* Self%, Total% and Kern% */
	int ncounters;
	int counter[16];
	int code_x;
};

static void plan(const struct hp_profile *p, const struct hp_disasm *d, int w, struct dgutter *g)
{
	g->ncounters = 0;
	g->kernel = d->kernel != 0;
	g->costs_w = 7 + 7 + (g->kernel ? 7 : 0);
	g->code_x = g->costs_w + ADDR_W + 3;
	for (uint32_t e = 0; e < p->nevents && g->ncounters < 16; e++) {
		if (!p->events[e].measured || !p->events[e].rows || g->code_x + COUNTER_W + 50 > w)
			continue;
		g->counter[g->ncounters++] = (int)e;
		g->code_x += COUNTER_W;
	}
}

/* Rows for the code in area r: under the header and the reason. */
static int page_rows(const struct disasm_view *v, struct tui_rect r)
{
	int h = r.h - view_why_rows(v->reason, r.w, r.h);
	return h > 2 ? h - 1 : 1;
}

static void clamp(struct disasm_view *v, int page)
{
	uint32_t n = v->d->nrows;
	if (n && v->sel >= n)
		v->sel = n - 1;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (uint32_t)page)
		v->top = v->sel - (uint32_t)page + 1;
}

static void draw_text(struct tui_screen *sc, int y, int x, int w, int role, int hscroll,
		      const char *text)
{
	size_t len = text ? strlen(text) : 0;
	if (w > 0 && (size_t)hscroll < len)
		screen_put(sc, y, x, w, role, text + hscroll);
}

static void draw_row(struct disasm_view *v, struct tui_screen *sc, const struct hp_profile *p,
		     const struct dgutter *g, int y, struct tui_rect r, uint32_t i)
{
	const struct hp_disasm_row *row = &v->d->rows[i];
	int selected = i == v->sel, x = r.x;
	char buf[1100], cell[32];
	if (selected)
		screen_fill(sc, y, r.x, r.w, TUI_SELECTED, ' ');
	if (row->kind == HP_DISASM_SOURCE) {
		snprintf(buf, sizeof(buf), "%s:%u  %s", stacks_basename(row->file), row->line,
			 row->source ? row->source : "");
		for (char *c = buf; *c; c++)
			if (*c == '\t')
				*c = ' ';
		draw_text(sc, y, r.x + g->costs_w + g->ncounters * COUNTER_W, r.w - g->costs_w -
			  g->ncounters * COUNTER_W, selected ? TUI_SELECTED : TUI_DIM, v->hscroll, buf);
		return;
	}
	int hot = i == v->d->hottest && row->self;
	double self = profile_time_share(p, row->self, row->self_ns);
	double total = profile_time_share(p, row->total, row->total_ns);
	int role = hot ? TUI_HOT : row->self ? colors_heat(self) : TUI_NORMAL;
	int grole = selected ? TUI_SELECTED : role;
	if (row->self)
		screen_printf(sc, y, x, 6, grole, "%6.2f", self);
	x += 7;
	if (row->total)
		screen_printf(sc, y, x, 6, selected ? TUI_SELECTED : colors_heat(total), "%6.2f",
			      total);
	x += 7;
	if (g->kernel && row->kernel)
		screen_printf(sc, y, x, 6, grole, "%6.2f",
			      profile_time_share(p, row->kernel, row->kernel_ns));
	x += g->kernel ? 7 : 0;
	for (int k = 0; k < g->ncounters; k++, x += COUNTER_W)
		if (row->c && row->self && row->c[g->counter[k]])
			screen_printf(sc, y, x, COUNTER_W - 1, grole, "%*s", COUNTER_W - 1,
				      profile_event_cell(&p->events[g->counter[k]], row->c[g->counter[k]],
							 cell, sizeof(cell)));
	screen_printf(sc, y, x, ADDR_W, selected ? TUI_SELECTED : TUI_DIM, "%*" PRIx64, ADDR_W,
		      row->addr);
	x += ADDR_W + 1;
	screen_putc(sc, y, x, hot ? TUI_HOT : grole, hot ? '>' : ' ');
	x += 2;
	draw_text(sc, y, x, r.x + r.w - x, selected ? TUI_SELECTED : hot ? TUI_HOT : TUI_NORMAL,
		  v->hscroll, row->text);
}

static void disasm_draw(struct tui_view *tv, struct tui_screen *sc, struct tui_rect r)
{
	struct disasm_view *v = (struct disasm_view *)tv;
	const struct hp_profile *p = app_profile(tv->app);
	struct dgutter g;
	int x = r.x, page = page_rows(v, r), y = view_why_draw(sc, r, v->reason);
	plan(p, v->d, r.w, &g);
	screen_fill(sc, r.y, r.x, r.w, TUI_HEADER, ' ');
	screen_put(sc, r.y, x, 6, TUI_HEADER, " Self%");
	screen_put(sc, r.y, x + 7, 6, TUI_HEADER, "Total%");
	if (g.kernel)
		screen_put(sc, r.y, x + 14, 6, TUI_HEADER, " Kern%");
	x += g.costs_w;
	for (int k = 0; k < g.ncounters; k++, x += COUNTER_W)
		screen_put_right(sc, r.y, x + COUNTER_W - 1, COUNTER_W - 1, TUI_HEADER,
				 profile_event_header(&p->events[g.counter[k]], 1));
	screen_put_right(sc, r.y, x + ADDR_W, ADDR_W, TUI_HEADER, "Address");
	x += ADDR_W + 3;
	screen_printf(sc, r.y, x, r.x + r.w - x, TUI_HEADER, "%s%s%s%s  0x%" PRIx64 "-0x%" PRIx64
		      " (from its %s)", v->d->inlined_into ? "inlined: the code of " : "",
		      v->d->inlined_into ? v->d->inlined_into : "", v->d->inlined_into ? " in " : "",
		      v->d->module, v->d->start, v->d->end, v->d->extent);
	clamp(v, page);
	for (int i = 0; i < page && v->top + (uint32_t)i < v->d->nrows; i++)
		draw_row(v, sc, p, &g, y + i, r, v->top + (uint32_t)i);
}

static int disasm_action(struct tui_view *tv, enum tui_action a, int arg)
{
	struct disasm_view *v = (struct disasm_view *)tv;
	int page = page_rows(v, app_area(tv->app)), step = page > 1 ? page - 1 : 1;
	switch (a) {
	case TUI_A_UP:    if (v->sel) v->sel--; break;
	case TUI_A_DOWN:  v->sel++; break;
	case TUI_A_PGUP:  v->sel = v->sel > (uint32_t)step ? v->sel - (uint32_t)step : 0; break;
	case TUI_A_PGDN:  v->sel += (uint32_t)step; break;
	case TUI_A_HOME:  v->sel = 0; break;
	case TUI_A_END:   v->sel = v->d->nrows ? v->d->nrows - 1 : 0; break;
	case TUI_A_LEFT:  v->hscroll = v->hscroll >= 8 ? v->hscroll - 8 : 0; break;
	case TUI_A_RIGHT: v->hscroll += 8; break;
	case TUI_A_ENTER:
	case TUI_A_CALLERS:
		return app_open_calltree(tv->app, 1, v->func, HP_CT_NONE);
	default:
		return TUI_R_UNHANDLED;
	}
	clamp(v, page);
	return TUI_R_VIEW;
}

static int disasm_search(struct tui_view *tv, const char *needle, int dir)
{
	struct disasm_view *v = (struct disasm_view *)tv;
	uint32_t n = v->d->nrows;
	for (uint32_t i = 1; i <= n; i++) {
		uint32_t k = dir > 0 ? (v->sel + i) % n : (v->sel + n - i % n) % n;
		const struct hp_disasm_row *r = &v->d->rows[k];
		const char *text = r->kind == HP_DISASM_INSN ? r->text : r->source;
		if (text && strcasestr(text, needle)) {
			v->sel = k;
			uint32_t half = (uint32_t)page_rows(v, app_area(tv->app)) / 2;
			v->top = k > half ? k - half : 0;
			return 1;
		}
	}
	return 0;
}

static void disasm_status(struct tui_view *tv, char *buf, size_t len)
{
	struct disasm_view *v = (struct disasm_view *)tv;
	const struct hp_profile *p = app_profile(tv->app);
	const struct hp_disasm_row *r = v->d->nrows ? &v->d->rows[v->sel] : NULL;
	if (r && r->kind == HP_DISASM_INSN)
		snprintf(buf, len, "0x%" PRIx64 "  self %.2f%%  total %.2f%%", r->addr,
			 profile_time_share(p, r->self, r->self_ns),
			 profile_time_share(p, r->total, r->total_ns));
	else if (r)
		snprintf(buf, len, "%s:%u", stacks_basename(r->file), r->line);
	else
		buf[0] = '\0';
}

static void disasm_free_view(struct tui_view *tv)
{
	struct disasm_view *v = (struct disasm_view *)tv;
	disasm_free(v->d);
	free(v->reason);
	free(v);
}

static const struct tui_view_ops disasm_ops = {
	.name = "disasm", .kind = TUI_V_DISASM, .draw = disasm_draw, .action = disasm_action,
	.search = disasm_search, .status = disasm_status, .free = disasm_free_view,
};

struct tui_view *view_disasm_new(struct tui_app *a, uint32_t f, const char *reason, char *why,
				 size_t whylen)
{
	const struct hp_profile *p = app_profile(a);
	struct disasm_view *v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (reason && !(v->reason = strdup(reason))) {
		snprintf(why, whylen, "out of memory");
		free(v);
		return NULL;
	}
	if (disasm_function(p, f, 1, &v->d, why, whylen)) {
		free(v->reason);
		free(v);
		return NULL;
	}
	v->base.ops = &disasm_ops;
	v->base.app = a;
	v->func = f;
	snprintf(v->base.title, sizeof(v->base.title), "Code: %s (%.1f%% of samples end here)",
		 v->d->function, profile_time_share(p, v->d->self, v->d->self_ns));
	v->sel = v->d->hottest;
	uint32_t half = (uint32_t)page_rows(v, app_area(a)) / 2;
	v->top = v->sel > half ? v->sel - half : 0;
	return &v->base;
}

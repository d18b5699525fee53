/*
 * view_flame.c - the flame graph as an icicle in the terminal: the
 * top-down call tree drawn with the root on top and each frame as wide as
 * its share of the samples. Arrows move between frames, Enter zooms into
 * the selected frame (it becomes the full width), Backspace zooms out.
 *
 * Layout is recomputed from the tree (calltree_build) for the current
 * width whenever it is needed: boxes[] holds the frames that are at least
 * one cell wide, in depth-first order.
 *
 * Frames are as wide as their samples, or as one weight column of the
 * profile (view_flame_new_weighted: the memory view's allocation flame
 * graph by alloc-bytes, allocs, leaked-bytes, ...): the same tree, built
 * from the stacks with that weight only.
 *
 * Diff mode (`hpprof tui DB --diff BASE`): the tree is a difftree
 * (analyzer/difftree.h: the same call tree with BASE's times per path) and
 * each frame is coloured by the change of its self time, as `hpprof diff`
 * judges it: SLOWER (red) or FASTER (blue) beyond the noise, plain
 * otherwise; the frame's left edge reads '+' or '-' for the same (so
 * monochrome terminals and --dump show it), and the info line gives the
 * times before and after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/calltree.h"
#include "analyzer/difftree.h"
#include "analyzer/profile.h"
#include "analyzer/shortname.h"
#include "common/grow.h"
#include "common/pct.h"
#include "tui/colors.h"
#include "tui/view.h"

#define MAX_ZOOM 128

struct box {
	uint32_t node;
	int depth;                    /* below the zoom root */
	int x, w;
};

struct flame {
	struct tui_view base;
	struct hp_calltree *tree;     /* the difftree's after tree in diff mode */
	struct hp_difftree *dt;       /* diff mode, else NULL */
	uint32_t zoom[MAX_ZOOM];      /* zoom roots, innermost last */
	int nzoom;
	uint32_t sel;                 /* selected node */
	char needle[128];             /* frames matching it are marked */
	struct box *boxes;
	uint32_t nboxes;
	size_t cap;
	int width;                    /* layout width of boxes[] */
	int col;                      /* weight column; -1: samples */
};

/* A node's weight: samples or its column. */
static uint64_t weight(const struct flame *f, uint32_t node)
{
	const struct hp_cnode *n = &f->tree->nodes[node];
	return f->col < 0 ? n->total : n->c && n->c[f->col] > 0 ? (uint64_t)n->c[f->col] : 0;
}

/* Self weight: the node's own minus its children's. */
static uint64_t self_weight(const struct flame *f, uint32_t node)
{
	const struct hp_cnode *n = &f->tree->nodes[node];
	uint64_t w = weight(f, node), kids = 0;
	if (f->col < 0)
		return n->self;
	for (uint32_t c = n->first_child; c != HP_CT_NONE; c = f->tree->nodes[c].next_sibling)
		kids += weight(f, c);
	return w > kids ? w - kids : 0;
}

/* w as a percentage of the whole graph's weight. */
static double pct(const struct flame *f, uint64_t w)
{
	return hp_pct((double)w, (double)weight(f, 0));
}

static uint32_t zoom_root(const struct flame *f)
{
	return f->nzoom ? f->zoom[f->nzoom - 1] : 0;
}

static const char *frame_name(const struct flame *f, uint32_t node)
{
	const struct hp_cnode *n = &f->tree->nodes[node];
	return n->func == HP_CT_NONE ? "all" : app_profile(f->base.app)->functions[n->func].name;
}

/* --- layout --- */

static int add_box(struct flame *f, uint32_t node, int depth, int x, int w)
{
	if (hp_grow((void **)&f->boxes, &f->cap, (size_t)f->nboxes + 1, sizeof(*f->boxes)))
		return -1;
	f->boxes[f->nboxes++] = (struct box){ node, depth, x, w };
	return 0;
}

/* Place node over [x0, x0 + w) (fractional cells) and its children below. */
static void place(struct flame *f, uint32_t node, int depth, double x0, double w)
{
	const struct hp_cnode *n = &f->tree->nodes[node];
	int xa = (int)(x0 + 0.5), xb = (int)(x0 + w + 0.5);
	double cx = x0;
	if (xb - xa < 1 || add_box(f, node, depth, xa, xb - xa))
		return;
	uint64_t nw = weight(f, node);
	for (uint32_t c = n->first_child; c != HP_CT_NONE; c = f->tree->nodes[c].next_sibling) {
		double cw = nw ? w * (double)weight(f, c) / (double)nw : 0;
		place(f, c, depth + 1, cx, cw);
		cx += cw;
	}
}

static void layout(struct flame *f, int width)
{
	f->nboxes = 0;
	f->width = width;
	if (f->tree)
		place(f, zoom_root(f), 0, 0, width);
}

static const struct box *box_of(const struct flame *f, uint32_t node)
{
	for (uint32_t i = 0; i < f->nboxes; i++)
		if (f->boxes[i].node == node)
			return &f->boxes[i];
	return NULL;
}

/* --- drawing --- */

static int frame_role(const struct flame *f, uint32_t node)
{
	if (node == f->sel)
		return TUI_SELECTED;
	if (f->needle[0] && strcasestr(frame_name(f, node), f->needle))
		return TUI_MARK;
	if (f->dt)
		return f->dt->diff[node].verdict > 0 ? TUI_SLOWER
			: f->dt->diff[node].verdict < 0 ? TUI_FASTER : TUI_NORMAL;
	const struct hp_profile *p = app_profile(f->base.app);
	const struct hp_cnode *n = &f->tree->nodes[node];
	if (f->col >= 0 && f->col == p->wall_col && p->offcpu_col >= 0 && n->c &&
	    2 * n->c[p->offcpu_col] > n->c[p->wall_col])
		return TUI_OFFCPU;            /* mostly waiting: coloured apart */
	if (pct(f, self_weight(f, node)) >= 10.0)
		return TUI_HOT;
	return pct(f, weight(f, node)) >= 10.0 ? TUI_WARM : TUI_COLD;
}

static void draw_box(struct flame *f, struct tui_screen *s, int y, int x0, const struct box *b)
{
	int role = frame_role(f, b->node), v = f->dt ? f->dt->diff[b->node].verdict : 0;
	screen_fill(s, y, x0 + b->x, b->w, role, ' ');
	screen_putc(s, y, x0 + b->x, role, v > 0 ? '+' : v < 0 ? '-' : '|');
	if (b->w > 1) {
		char brief[4096];                 /* a C++ name: its brief form when too wide */
		const char *label = name_fit(frame_name(f, b->node), b->w - 1, brief, sizeof(brief));
		int len = screen_text_width(label);
		screen_put(s, y, x0 + b->x + 1, b->w - 1, role, label);
		if (len > b->w - 1 && b->w > 3)
			screen_putc(s, y, x0 + b->x + b->w - 1, role, 0x2026);
	}
}

static void draw_path(struct flame *f, struct tui_screen *s, struct tui_rect r)
{
	char path[1024];
	size_t n = 0;
	n += (size_t)snprintf(path, sizeof(path), "zoom: all");
	for (int i = 0; i < f->nzoom && n < sizeof(path); i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, " > %s", frame_name(f, f->zoom[i]));
	if (!f->nzoom && f->dt)
		snprintf(path + n, sizeof(path) - n, "   diff: + red slower, - blue faster (self time, "
			 "beyond the noise); widths: this profile");
	else if (!f->nzoom)
		snprintf(path + n, sizeof(path) - n, "   (Enter zooms into a frame, Backspace zooms out)");
	screen_put(s, r.y, r.x, r.w, TUI_DIM, path);
}

/* A time in s, ms or us (samples when the profiles have no time). */
static void time_text(char *buf, size_t len, const struct flame *f, double v)
{
	if (f->dt->basis == HP_DIFF_TIME_SAMPLES)
		snprintf(buf, len, "%.0f smp", v);
	else if (v >= 1)
		snprintf(buf, len, "%.3gs", v);
	else if (v >= 1e-3 || v == 0)
		snprintf(buf, len, "%.3gms", v * 1e3);
	else
		snprintf(buf, len, "%.3gus", v * 1e6);
}

/* Diff mode: "self 358ms -> 125ms, -65.1% ±10.3%: faster" (or "+356%
 * +240..+520%": the interval of diff_rel_ci_text). */
static void diff_info(const struct flame *f, char *buf, size_t len)
{
	const struct hp_diffnode *d = &f->dt->diff[f->sel];
	char b[24], a[24], chg[64] = "", ci[32];
	time_text(b, sizeof(b), f, f->sel ? d->before_self : f->dt->before_time);
	time_text(a, sizeof(a), f, f->sel ? d->after_self : f->dt->after_time);
	if (f->sel && d->before_node == HP_CT_NONE)
		snprintf(chg, sizeof(chg), " (a new path)");
	else if (f->sel && d->before_self > 0) {
		diff_rel_ci_text(ci, sizeof(ci), &d->change);
		snprintf(chg, sizeof(chg), ", %+.1f%% %s", 100 * d->change.delta / d->before_self, ci);
	}
	snprintf(buf, len, "%s %s -> %s%s: %s", f->sel ? "self" : "CPU time", b, a, chg,
		 !f->sel ? "all samples" : d->verdict > 0 ? "slower" : d->verdict < 0 ? "faster"
		 : "no change beyond the noise");
}

static void draw_info(struct flame *f, struct tui_screen *s, struct tui_rect r)
{
	const struct hp_profile *p = app_profile(f->base.app);
	const struct hp_cnode *n = &f->tree->nodes[f->sel];
	char diff[160] = "", w[48], ms[32];
	if (f->col < 0 || !profile_event_is_time(&p->events[f->col]))
		snprintf(w, sizeof(w), "%llu %s", (unsigned long long)weight(f, f->sel),
			 f->col < 0 ? "samples" : p->events[f->col].name);
	else                               /* a time: ms, as report --weight off|wall */
		snprintf(w, sizeof(w), "%s ms %s", profile_ms_text((int64_t)weight(f, f->sel), ms,
								   sizeof(ms)), p->events[f->col].name);
	if (f->dt) {
		diff[0] = ';';
		diff[1] = ' ';
		diff_info(f, diff + 2, sizeof(diff) - 2);
	}
	screen_printf(s, r.y + r.h - 1, r.x, r.w, TUI_NORMAL,
		      "%s: total %.2f%% (%s), self %.2f%%, depth %u%s", frame_name(f, f->sel),
		      pct(f, weight(f, f->sel)), w, pct(f, self_weight(f, f->sel)),
		      n->depth, diff);
}

static void flame_draw(struct tui_view *v, struct tui_screen *s, struct tui_rect r)
{
	struct flame *f = (struct flame *)v;
	const struct box *sb;
	int levels = r.h - 2, top = 0;
	if (!f->tree || levels < 1)
		return;
	layout(f, r.w);
	draw_path(f, s, r);
	sb = box_of(f, f->sel);
	if (sb && sb->depth >= levels)
		top = sb->depth - levels + 1;
	for (uint32_t i = 0; i < f->nboxes; i++) {
		const struct box *b = &f->boxes[i];
		if (b->depth >= top && b->depth < top + levels)
			draw_box(f, s, r.y + 1 + b->depth - top, r.x, b);
	}
	if (!weight(f, 0))
		screen_put(s, r.y + 3, r.x + 2, r.w - 2, TUI_DIM, f->col < 0
			   ? "(no samples in this selection)" : "(nothing of this weight in this selection)");
	draw_info(f, s, r);
}

/* --- actions --- */

/* The frame next to sel on its level, to the left (dir -1) or right. */
static uint32_t neighbor(const struct flame *f, int dir)
{
	const struct box *sb = box_of(f, f->sel), *best = NULL;
	if (!sb)
		return f->sel;
	for (uint32_t i = 0; i < f->nboxes; i++) {
		const struct box *b = &f->boxes[i];
		if (b->depth != sb->depth || b == sb || (dir > 0 ? b->x < sb->x : b->x > sb->x))
			continue;
		if (!best || (dir > 0 ? b->x < best->x : b->x > best->x))
			best = b;
	}
	return best ? best->node : f->sel;
}

static uint32_t first_visible_child(const struct flame *f)
{
	for (uint32_t c = f->tree->nodes[f->sel].first_child; c != HP_CT_NONE;
	     c = f->tree->nodes[c].next_sibling)
		if (box_of(f, c))
			return c;
	return f->sel;
}

static int flame_reload(struct tui_view *v);

/* w: samples -> off-CPU -> wall -> samples, for a run with off-CPU time. */
static int next_weight(struct flame *f)
{
	const struct hp_profile *p = app_profile(f->base.app);
	if (p->offcpu_col < 0) {
		app_message(f->base.app, TUI_ERROR, "no off-CPU time in this profile"
			    " (record it with `hpprof run --off-cpu`)");
		return TUI_R_VIEW;
	}
	if (f->col >= 0 && f->col != p->offcpu_col && f->col != p->wall_col && f->col != p->cpu_col)
		return TUI_R_UNHANDLED;       /* an allocation flame graph: its own weights */
	/* CPU: samples, or their time in a merge of runs at different rates */
	f->col = f->col < 0 || f->col == p->cpu_col ? p->offcpu_col
		: f->col == p->offcpu_col ? p->wall_col : p->cpu_col;
	if (flame_reload(&f->base))
		return TUI_R_VIEW;
	app_message(f->base.app, TUI_DIM, "flame graph by %s", f->col < 0 ? "CPU samples"
		    : f->col == p->cpu_col ? "CPU time (a sample weighs its run's period)"
		    : f->col == p->offcpu_col ? "off-CPU time" : "wall time (off-CPU frames coloured apart)");
	return TUI_R_VIEW;
}

static int flame_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct flame *f = (struct flame *)v;
	const struct hp_cnode *n;
	if (!f->tree)
		return TUI_R_UNHANDLED;
	layout(f, app_area(v->app).w);
	n = &f->tree->nodes[f->sel];
	switch (a) {
	case TUI_A_UP:
		if (f->sel != zoom_root(f))
			f->sel = n->parent;
		return TUI_R_VIEW;
	case TUI_A_DOWN:
		f->sel = first_visible_child(f);
		return TUI_R_VIEW;
	case TUI_A_LEFT:
	case TUI_A_RIGHT:
		f->sel = neighbor(f, a == TUI_A_LEFT ? -1 : 1);
		return TUI_R_VIEW;
	case TUI_A_HOME:
		f->sel = zoom_root(f);
		return TUI_R_VIEW;
	case TUI_A_ENTER:
		if (f->sel != zoom_root(f) && f->nzoom < MAX_ZOOM)
			f->zoom[f->nzoom++] = f->sel;
		return TUI_R_VIEW;
	case TUI_A_BACK:
		if (!f->nzoom)
			return TUI_R_UNHANDLED;
		f->nzoom--;
		return TUI_R_VIEW;
	case TUI_A_ANNOTATE:
		return n->func == HP_CT_NONE ? TUI_R_VIEW : app_annotate_function(v->app, n->func);
	case TUI_A_WEIGHT:
		return next_weight(f);
	case TUI_A_CALLERS:
	case TUI_A_CALLEES:
		return n->func == HP_CT_NONE ? TUI_R_VIEW
			: app_open_calltree(v->app, a == TUI_A_CALLERS, n->func, HP_CT_NONE);
	default:
		return TUI_R_UNHANDLED;
	}
}

static int flame_search(struct tui_view *v, const char *needle, int dir)
{
	struct flame *f = (struct flame *)v;
	uint32_t at = 0;
	snprintf(f->needle, sizeof(f->needle), "%s", needle);
	layout(f, app_area(v->app).w);
	for (uint32_t i = 0; i < f->nboxes; i++)
		if (f->boxes[i].node == f->sel)
			at = i;
	for (uint32_t i = 1; i <= f->nboxes; i++) {
		uint32_t k = dir > 0 ? (at + i) % f->nboxes : (at + f->nboxes - i % f->nboxes) % f->nboxes;
		if (strcasestr(frame_name(f, f->boxes[k].node), needle)) {
			f->sel = f->boxes[k].node;
			return 1;
		}
	}
	return 0;
}

static void flame_status(struct tui_view *v, char *buf, size_t len)
{
	struct flame *f = (struct flame *)v;
	snprintf(buf, len, "%u frames", f->tree ? f->tree->nnodes - 1 : 0);
}

static int flame_reload(struct tui_view *v)
{
	struct flame *f = (struct flame *)v;
	const struct hp_profile *base = app_baseline(v->app);
	struct hp_calltree_opts o;
	calltree_opts_init(&o);
	if (f->col >= 0) {
		o.weighted_only = 1;
		o.weight = f->col;
		o.sort_by_weight = 1;
	}
	if (f->dt)
		difftree_free(f->dt);       /* owns f->tree */
	else
		calltree_free(f->tree);
	f->tree = NULL;
	f->dt = NULL;
	f->nzoom = 0;
	f->sel = 0;
	if (base) {
		if (difftree_build(base, app_profile(v->app), &o, NULL, &f->dt))
			return -1;
		f->tree = f->dt->after;
		return 0;
	}
	return calltree_build(app_profile(v->app), &o, &f->tree) ? -1 : 0;
}

static void flame_free(struct tui_view *v)
{
	struct flame *f = (struct flame *)v;
	if (f->dt)
		difftree_free(f->dt);
	else
		calltree_free(f->tree);
	free(f->boxes);
	free(f);
}

static const struct tui_view_ops flame_ops = {
	.name = "flame", .kind = TUI_V_FLAME, .draw = flame_draw, .action = flame_action,
	.search = flame_search, .status = flame_status, .reload = flame_reload,
	.free = flame_free,
};

struct tui_view *view_flame_new(struct tui_app *a)
{
	return view_flame_new_weighted(a, -1);
}

struct tui_view *view_flame_new_weighted(struct tui_app *a, int col)
{
	struct flame *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->base.ops = &flame_ops;
	f->base.app = a;
	/* a merge of runs at different rates: by CPU time, not sample counts */
	f->col = col < 0 && !app_baseline(a) ? app_profile(a)->cpu_col : col;
	if (f->col < 0 || f->col == app_profile(a)->cpu_col)
		snprintf(f->base.title, sizeof(f->base.title),
			 "Flame graph (icicle): callers above callees");
	else
		snprintf(f->base.title, sizeof(f->base.title), "Flame graph by %s: callers above"
			 " callees", app_profile(a)->events[col].name);
	if (flame_reload(&f->base)) {
		flame_free(&f->base);
		return NULL;
	}
	return &f->base;
}

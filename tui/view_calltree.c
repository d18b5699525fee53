/*
 * view_calltree.c - call trees with expand/collapse: top-down (callers
 * above callees) or bottom-up (where samples landed, then their callers),
 * of all stacks or focused on one function (its callers or callees) or on
 * the stacks that end on one source line.
 *
 * The tree comes from calltree_build(); this view keeps which nodes are
 * open, flattens the open part into list rows, and shows Total% / Self%
 * (of all samples) and the measured counters per node. The hottest path
 * starts expanded.
 *
 * A weighted tree (view_calltree_new_weighted) holds only the stacks with
 * a weight in one column (allocations: alloc-bytes, ...), ordered by it;
 * Total% and Self% are then shares of that column, and the columns shown
 * are the allocation ones (a CPU tree leaves them out).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/calltree.h"
#include "analyzer/profile.h"
#include "tui/colors.h"
#include "tui/list.h"
#include "tui/view.h"

enum { COL_TOTAL = -1, COL_SELF = -2, COL_NAME = -3 };   /* src of non-counter columns */

struct tree_view {
	struct tui_view base;
	struct hp_calltree_opts opts;
	struct hp_calltree *tree;
	uint8_t *open;                /* [nnodes] */
	uint32_t *vis;                /* open part, depth first: list rows */
	uint32_t nvis;
	struct tui_list list;
	int col;                      /* weight column of a weighted tree; -1: samples */
};

/* Total and self of a node as a percentage: of all samples, or of the
 * weight column's total. */
static double node_pct(const struct tree_view *t, const struct hp_cnode *n, int self)
{
	const struct hp_profile *p = app_profile(t->base.app);
	const struct hp_cnode *root = &t->tree->nodes[0];
	/* a merge of runs at different rates: shares of CPU time */
	int col = t->col >= 0 ? t->col : p->cpu_col;
	if (col < 0 || !n->c)
		return profile_pct(p, self ? n->self : n->total);
	int64_t w = n->c[col], all = root->c[col];
	if (self) {
		if (t->opts.kind == HP_CALLTREE_BOTTOM_UP)
			w = n->depth == 1 ? w : 0;   /* where the weight landed: the first level */
		else
			for (uint32_t c = n->first_child; c != HP_CT_NONE;
			     c = t->tree->nodes[c].next_sibling)
				w -= t->tree->nodes[c].c[col];
	}
	return all > 0 && w > 0 ? 100.0 * (double)w / (double)all : 0.0;
}

/* A file's last component, "??" when unknown. */
static void cell(void *ctx, int col, uint32_t row, char *buf, size_t len, int *role)
{
	struct tree_view *t = ctx;
	const struct hp_profile *p = app_profile(t->base.app);
	const struct hp_cnode *n = &t->tree->nodes[t->vis[row]];
	int src = t->list.cols[col].src, indent;
	switch (src) {
	case COL_TOTAL:
		snprintf(buf, len, "%.2f", node_pct(t, n, 0));
		*role = colors_heat(node_pct(t, n, 0));
		return;
	case COL_SELF:
		if (node_pct(t, n, 1) > 0)
			snprintf(buf, len, "%.2f", node_pct(t, n, 1));
		*role = colors_heat(node_pct(t, n, 1));
		return;
	case COL_NAME:
		indent = 2 * (int)(n->depth - 1);
		if (indent > 40)
			indent = 40;
		snprintf(buf, len, "%*s%s %s", indent, "",
			 !n->nchildren ? " " : t->open[t->vis[row]] ? "\u25be" : "\u25b8",
			 p->functions[n->func].name);
		if (n->depth == 1 && t->opts.leaf_line != HP_CT_NONE) {
			const struct hp_pline *l = &p->lines[t->opts.leaf_line];
			size_t k = strlen(buf);
			snprintf(buf + k, len - k, "  [%s:%u]", stacks_basename_or(l->file, "??"), l->line);
		}
		return;
	default:
		if (n->c && p->events[src].measured && p->events[src].rows)
			profile_event_cell(&p->events[src], n->c[src], buf, len);
		return;
	}
}

static void add_col(struct tree_view *t, const char *header, int width, int src, int drop)
{
	struct tui_col *c = &t->list.cols[t->list.ncols++];
	memset(c, 0, sizeof(*c));
	c->header = header;
	c->width = width;
	c->right = width > 0;
	c->drop = drop;
	c->scroll = src >= 0;
	c->search = src == COL_NAME;
	c->name = src == COL_NAME ? TUI_NAME_TREE : TUI_NAME_NONE;
	c->src = src;
}

static void setup_columns(struct tree_view *t, const struct hp_profile *p)
{
	add_col(t, "Total%", 7, COL_TOTAL, 0);
	add_col(t, "Self%", 7, COL_SELF, 0);
	for (uint32_t e = 0; e < p->nevents && t->list.ncols < TUI_LIST_MAX_COLS - 1; e++)
		/* a whole-run total (role "total") has no value per node: no column */
		if (p->events[e].measured && p->events[e].rows &&
		    strcmp(p->events[e].role, "simulated") &&  /* per line only */
		    !strcmp(p->events[e].role, "alloc") == (t->col >= 0)) {
			const char *h = profile_event_header(&p->events[e], 0);
			add_col(t, h, strlen(h) > 10 ? (int)strlen(h) : 10, (int)e, 2);
		}
	add_col(t, t->opts.kind == HP_CALLTREE_TOP_DOWN ? "Call path (callers above callees)"
		: "Call path (callees above callers)", 0, COL_NAME, 0);
	t->list.cols[t->list.ncols - 1].min = 44;
}

/* Flatten the open part of the tree, depth first, into vis[]. */
static void flatten(struct tree_view *t)
{
	uint32_t *stack = malloc((t->tree->nnodes + 1) * sizeof(*stack)), sp = 0;
	t->nvis = 0;
	if (!stack)
		return;
	stack[sp++] = 0;
	while (sp) {
		uint32_t n = stack[--sp], k = 0;
		if (n)
			t->vis[t->nvis++] = n;
		if (n && !t->open[n])
			continue;
		/* push children lightest first so the heaviest pops first */
		for (uint32_t c = t->tree->nodes[n].first_child; c != HP_CT_NONE;
		     c = t->tree->nodes[c].next_sibling)
			stack[sp + t->tree->nodes[n].nchildren - 1 - k++] = c;
		sp += k;
	}
	free(stack);
	t->list.nrows = t->nvis;
}

static void select_node(struct tree_view *t, uint32_t node)
{
	for (uint32_t i = 0; i < t->nvis; i++)
		if (t->vis[i] == node)
			list_select(&t->list, i, app_area(t->base.app).h);
}

static void open_hot_path(struct tree_view *t)
{
	uint32_t n = 0;
	while (t->tree->nodes[n].first_child != HP_CT_NONE) {
		t->open[n] = 1;
		n = t->tree->nodes[n].first_child;
	}
}

static int build(struct tree_view *t)
{
	const struct hp_profile *p = app_profile(t->base.app);
	calltree_free(t->tree);
	free(t->open);
	free(t->vis);
	t->open = NULL;
	t->vis = NULL;
	if (calltree_build(p, &t->opts, &t->tree))
		return -1;
	t->open = calloc(t->tree->nnodes, 1);
	t->vis = malloc(t->tree->nnodes * sizeof(*t->vis));
	if (!t->open || !t->vis)
		return -1;
	int hs = t->list.hscroll;
	list_init(&t->list, t, cell);
	t->list.hscroll = hs;
	setup_columns(t, p);
	open_hot_path(t);
	flatten(t);
	return 0;
}

static void set_title(struct tree_view *t)
{
	const struct hp_profile *p = app_profile(t->base.app);
	const struct hp_calltree_opts *o = &t->opts;
	if (o->leaf_line != HP_CT_NONE)
		snprintf(t->base.title, sizeof(t->base.title), "Call paths to %s:%u (%s)",
			 stacks_basename_or(p->lines[o->leaf_line].file, "??"), p->lines[o->leaf_line].line,
			 p->functions[p->lines[o->leaf_line].func].name);
	else if (o->focus_func != HP_CT_NONE)
		snprintf(t->base.title, sizeof(t->base.title), "%s of %s%s%s",
			 o->kind == HP_CALLTREE_BOTTOM_UP ? "Callers" : "Callees",
			 p->functions[o->focus_func].name, t->col >= 0 ? " by " : "",
			 t->col >= 0 ? p->events[t->col].name : "");
	else if (t->col >= 0)
		snprintf(t->base.title, sizeof(t->base.title), "Call tree by %s, %s",
			 p->events[t->col].name,
			 o->kind == HP_CALLTREE_TOP_DOWN ? "top-down" : "bottom-up");
	else
		snprintf(t->base.title, sizeof(t->base.title), "Call tree, %s (i: %s)",
			 o->kind == HP_CALLTREE_TOP_DOWN ? "top-down" : "bottom-up",
			 o->kind == HP_CALLTREE_TOP_DOWN ? "bottom-up" : "top-down");
}

static void tree_draw(struct tui_view *v, struct tui_screen *s, struct tui_rect r)
{
	list_draw(&((struct tree_view *)v)->list, s, r);
}

static void set_open(struct tree_view *t, uint32_t node, int open, int deep)
{
	uint32_t keep = t->nvis ? t->vis[t->list.sel] : 0;
	uint32_t *stack = deep ? malloc((t->tree->nnodes + 1) * sizeof(*stack)) : NULL, sp = 0;
	t->open[node] = (uint8_t)open;
	if (stack) {
		stack[sp++] = node;
		while (sp) {
			uint32_t n = stack[--sp];
			t->open[n] = (uint8_t)open;
			for (uint32_t c = t->tree->nodes[n].first_child; c != HP_CT_NONE;
			     c = t->tree->nodes[c].next_sibling)
				stack[sp++] = c;
		}
		free(stack);
	}
	flatten(t);
	select_node(t, keep);
}

static int tree_key(struct tree_view *t, enum tui_action a, uint32_t node)
{
	const struct hp_cnode *n = &t->tree->nodes[node];
	switch (a) {
	case TUI_A_ENTER:
	case TUI_A_TOGGLE:
		if (n->nchildren)
			set_open(t, node, !t->open[node], 0);
		return TUI_R_VIEW;
	case TUI_A_RIGHT:
		if (n->nchildren && !t->open[node])
			set_open(t, node, 1, 0);
		else if (n->nchildren)
			select_node(t, n->first_child);
		return TUI_R_VIEW;
	case TUI_A_LEFT:
		if (n->nchildren && t->open[node])
			set_open(t, node, 0, 0);
		else if (n->parent)
			select_node(t, n->parent);
		return TUI_R_VIEW;
	case TUI_A_EXPAND_ALL:
		set_open(t, node, 1, 1);
		return TUI_R_VIEW;
	case TUI_A_COLLAPSE_ALL:
		while (t->tree->nodes[node].depth > 1)
			node = t->tree->nodes[node].parent;
		memset(t->open, 0, t->tree->nnodes);
		t->open[0] = 1;
		flatten(t);
		select_node(t, node);
		return TUI_R_VIEW;
	case TUI_A_ANNOTATE:
		return app_annotate_function(t->base.app, n->func);
	case TUI_A_CALLERS:
	case TUI_A_CALLEES:
		return app_open_calltree(t->base.app, a == TUI_A_CALLERS, n->func, HP_CT_NONE);
	default:
		return TUI_R_UNHANDLED;
	}
}

static int tree_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct tree_view *t = (struct tree_view *)v;
	int r;
	if (a == TUI_A_INVERT) {
		if (t->opts.focus_func != HP_CT_NONE || t->opts.leaf_line != HP_CT_NONE)
			return TUI_R_VIEW;
		t->opts.kind = t->opts.kind == HP_CALLTREE_TOP_DOWN ? HP_CALLTREE_BOTTOM_UP
								   : HP_CALLTREE_TOP_DOWN;
		if (build(t))
			app_message(v->app, TUI_ERROR, "cannot build the call tree: out of memory");
		set_title(t);
		return TUI_R_VIEW;
	}
	if (t->nvis && (r = tree_key(t, a, t->vis[t->list.sel])) != TUI_R_UNHANDLED)
		return r;
	return list_action(&t->list, a, app_area(v->app).h);
}

static int tree_search(struct tui_view *v, const char *needle, int dir)
{
	struct tree_view *t = (struct tree_view *)v;
	const struct hp_profile *p = app_profile(v->app);
	uint32_t n = t->tree->nnodes, sel = t->nvis ? t->vis[t->list.sel] : 0;
	/* search the whole tree, opening the path to a match */
	for (uint32_t i = 1; i < n; i++) {
		uint32_t k = dir > 0 ? (sel + i) % n : (sel + n - i) % n;
		if (!k || !strcasestr(p->functions[t->tree->nodes[k].func].name, needle))
			continue;
		for (uint32_t a = t->tree->nodes[k].parent; a != HP_CT_NONE; a = t->tree->nodes[a].parent)
			t->open[a] = 1;
		flatten(t);
		select_node(t, k);
		return 1;
	}
	return 0;
}

static void tree_status(struct tui_view *v, char *buf, size_t len)
{
	list_position(&((struct tree_view *)v)->list, buf, len);
}

static int tree_reload(struct tui_view *v)
{
	struct tree_view *t = (struct tree_view *)v;
	set_title(t);
	return build(t);
}

static void tree_free(struct tui_view *v)
{
	struct tree_view *t = (struct tree_view *)v;
	calltree_free(t->tree);
	free(t->open);
	free(t->vis);
	free(t);
}

static const struct tui_view_ops tab_ops = {
	.name = "tree", .kind = TUI_V_TREE, .draw = tree_draw, .action = tree_action,
	.search = tree_search, .status = tree_status, .reload = tree_reload, .free = tree_free,
};

/* A focused tree is a drill-down: closed when the filter changes. */
static const struct tui_view_ops focused_ops = {
	.name = "tree", .kind = TUI_V_TREE, .draw = tree_draw, .action = tree_action,
	.search = tree_search, .status = tree_status, .free = tree_free,
};

struct tui_view *view_calltree_new_weighted(struct tui_app *a, int bottom_up,
					    uint32_t focus_func, int col)
{
	struct tree_view *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->base.app = a;
	t->col = col;
	calltree_opts_init(&t->opts);
	t->opts.kind = bottom_up ? HP_CALLTREE_BOTTOM_UP : HP_CALLTREE_TOP_DOWN;
	t->opts.focus_func = focus_func;
	t->opts.weighted_only = 1;
	t->opts.weight = col;
	t->opts.sort_by_weight = 1;
	t->base.ops = &focused_ops;
	set_title(t);
	if (build(t)) {
		tree_free(&t->base);
		return NULL;
	}
	return &t->base;
}

struct tui_view *view_calltree_new(struct tui_app *a, int bottom_up, uint32_t focus_func,
				   uint32_t leaf_line)
{
	struct tree_view *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->base.app = a;
	t->col = -1;
	calltree_opts_init(&t->opts);
	t->opts.kind = bottom_up ? HP_CALLTREE_BOTTOM_UP : HP_CALLTREE_TOP_DOWN;
	t->opts.focus_func = focus_func;
	t->opts.leaf_line = leaf_line;
	t->base.ops = focus_func == HP_CT_NONE && leaf_line == HP_CT_NONE ? &tab_ops : &focused_ops;
	set_title(t);
	if (build(t)) {
		tree_free(&t->base);
		return NULL;
	}
	return &t->base;
}

/*
 * export_svg.c - a self-contained, interactive flame graph as one SVG file.
 *
 * The call-path tree of the profile (calltree.h, top-down, over the stacks
 * with a positive weight) is drawn with children ordered by name, as
 * flamegraph.pl does, root at the bottom, each frame's width proportional
 * to its samples (or to one counter, --weight).
 * Every frame carries a tooltip (<title>) with its samples, its share of
 * the run and its hot line: the source line of that frame (the line itself
 * for the innermost frame, the call site for a caller) that most of its
 * samples went through. Frames narrower than 0.1 px are left out. The
 * embedded JavaScript (no external files) gives click-to-zoom, reset, and
 * a regex search that highlights matches and reports their share; viewers
 * without scripts still show the graph and the tooltips.
 *
 * Takes the profile model (profile.h): the call-path tree is calltree.h's,
 * with each frame's line weighed through its callback.
 *
 * With a base profile (--diff) it is a differential flame graph: the same
 * tree (difftree.h: calltree.h's, with the base's times matched per path),
 * each frame coloured by the change of its self time - red slower, blue
 * faster, the deeper the larger the change, near-white when the change is
 * within the noise - and its tooltip giving the times before and after.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/calltree.h"
#include "analyzer/difftree.h"
#include "analyzer/export_internal.h"
#include "analyzer/profile.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/satarith.h"

#define WIDTH     1200.0
#define XPAD      10.0
#define FRAME_H   16.0
#define TOP       60.0
#define BOTTOM    34.0
#define CHAR_W    7.0     /* average glyph width of 12px monospace */
#define MIN_PX    0.1

/* A frame to draw: a node of the call-path tree (same index). */
struct node {
	int64_t weight;
	uint32_t *kids, nkids;
	size_t kids_cap;
	double x;              /* left edge in weight units */
	uint32_t hot_file, hot_line;
	int64_t hot_weight;
};

struct flame {
	const struct hp_profile *p;
	const struct hp_calltree *tree;
	struct hp_difftree *dt;  /* diff mode, else NULL */
	int col;               /* weight column: -1 samples, else an event index */
	struct node *nodes;    /* [tree->nnodes] */
	struct hp_xmap lines;  /* (node, file, line) -> index into line_w */
	int64_t *line_w;
	size_t line_cap;
	uint32_t max_depth;
};

static const char *name_of(const struct flame *f, uint32_t node)
{
	uint32_t func = f->tree->nodes[node].func;
	return func == HP_CT_NONE ? "all" : f->p->functions[func].name;
}

/* --- the tree and each frame's hot line --- */

/* calltree_build's callback: the weight of each frame's line per node. */
static int add_line(void *ctx, uint32_t node, const struct hp_pstack *s, uint32_t k)
{
	struct flame *f = ctx;
	const struct hp_sframe *fr = &s->frames[k];
	uint32_t key[3] = { node, fr->file, fr->line }, idx;
	size_t old = f->line_cap;
	int added, err;
	if (!fr->line)
		return 0;
	if ((err = xmap_index(&f->lines, key, &idx, &added)))
		return err;
	if (hp_grow((void **)&f->line_w, &f->line_cap, f->lines.n, sizeof(*f->line_w)))
		return -ENOMEM;
	memset(f->line_w + old, 0, (f->line_cap - old) * sizeof(*f->line_w));
	f->line_w[idx] = hp_add_sat(f->line_w[idx], profile_stack_weight(s, f->col));
	return 0;
}

static int build_tree(struct flame *f, const struct hp_profile *base, struct hp_calltree **tree)
{
	struct hp_calltree_opts o;
	int err;
	calltree_opts_init(&o);
	o.weighted_only = 1;
	o.weight = f->col;
	o.on_frame = add_line;
	o.ctx = f;
	if (base) {
		if ((err = difftree_build(base, f->p, &o, NULL, &f->dt)))
			return err;
		f->tree = f->dt->after;
	} else {
		if ((err = calltree_build(f->p, &o, tree)))
			return err;
		f->tree = *tree;
	}
	if (!(f->nodes = calloc(f->tree->nnodes, sizeof(*f->nodes))))
		return -ENOMEM;
	for (uint32_t i = 0; i < f->tree->nnodes; i++) {
		const struct hp_cnode *n = &f->tree->nodes[i];
		f->nodes[i].weight = f->col < 0 ? (int64_t)n->total : n->c[f->col];
		if (n->depth > f->max_depth)
			f->max_depth = n->depth;
	}
	return 0;
}

static void pick_hot_lines(struct flame *f)
{
	for (uint32_t i = 0; i < f->lines.n; i++) {
		const uint32_t *k = f->lines.keys + (size_t)i * 3;
		struct node *n = &f->nodes[k[0]];
		if (f->line_w[i] > n->hot_weight ||
		    (f->line_w[i] == n->hot_weight && k[2] < n->hot_line)) {
			n->hot_weight = f->line_w[i];
			n->hot_file = k[1];
			n->hot_line = k[2];
		}
	}
}

/* flamegraph.pl's order: siblings by name (ties in the order first seen). */
static int by_name(const void *a, const void *b, void *ctx)
{
	const struct flame *f = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(name_of(f, x), name_of(f, y));
	return c ? c : (x > y) - (x < y);
}

/* Children lists (sorted by name) and x positions. */
static int layout(struct flame *f)
{
	for (uint32_t i = 1; i < f->tree->nnodes; i++) {
		struct node *parent = &f->nodes[f->tree->nodes[i].parent];
		if (hp_grow((void **)&parent->kids, &parent->kids_cap, parent->nkids + 1,
			    sizeof(*parent->kids)))
			return -ENOMEM;
		parent->kids[parent->nkids++] = i;
	}
	/* nodes are created after their parents, so one forward pass places them */
	for (uint32_t i = 0; i < f->tree->nnodes; i++) {
		struct node *n = &f->nodes[i];
		double x = n->x;
		if (n->nkids > 1)
			qsort_r(n->kids, n->nkids, sizeof(*n->kids), by_name, f);
		for (uint32_t k = 0; k < n->nkids; k++) {
			f->nodes[n->kids[k]].x = x;
			x += (double)f->nodes[n->kids[k]].weight;
		}
	}
	return 0;
}

/* --- drawing --- */

static unsigned name_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* flamegraph.pl's palettes: warm for program code, yellow-green for
 * shared libraries, orange for the kernel; the shade comes from the name. */
/* Differential colours (difffolded's): red slower, blue faster, by the
 * change of the path's self time; near-white within the noise. */
static void diff_color(const struct flame *f, uint32_t node, int rgb[3])
{
	const struct hp_diffnode *d = &f->dt->diff[node];
	int shade = 215 - (int)(165 * d->intensity);
	if (d->verdict > 0) {
		rgb[0] = 255; rgb[1] = shade; rgb[2] = shade;
	} else if (d->verdict < 0) {
		rgb[0] = shade; rgb[1] = shade; rgb[2] = 255;
	} else {
		rgb[0] = 240; rgb[1] = 240; rgb[2] = 236;
	}
}

static void color(const struct flame *f, uint32_t node, int rgb[3])
{
	if (f->dt) {
		diff_color(f, node, rgb);
		return;
	}
	uint32_t func = f->tree->nodes[node].func;
	const struct hp_pfunc *pf = func == HP_CT_NONE ? NULL : &f->p->functions[func];
	const struct hp_sfunc *sf = pf ? stacks_func(f->p->model, pf->id) : NULL;
	unsigned h = name_hash(name_of(f, node));
	double v1 = (h & 0xff) / 255.0, v2 = (h >> 8 & 0xff) / 255.0;
	if (sf && stacks_module_kind(f->p->model, sf->module) == HP_FRAME_KERNEL) {
		rgb[0] = 230 + (int)(25 * v1); rgb[1] = 110 + (int)(60 * v2); rgb[2] = 20;
	} else if (pf && pf->module && strstr(pf->module, ".so")) {
		rgb[0] = 190 + (int)(50 * v1); rgb[1] = 190 + (int)(50 * v1); rgb[2] = (int)(70 * v2);
	} else {
		rgb[0] = 205 + (int)(50 * v2); rgb[1] = (int)(230 * v1); rgb[2] = (int)(55 * v2);
	}
}

static void fitted_text(FILE *out, const char *name, double width_px)
{
	size_t fit = width_px > 2 * CHAR_W ? (size_t)((width_px - 6) / CHAR_W) : 0, len = strlen(name);
	char buf[512];
	if (fit < 3)
		return;
	if (len <= fit) {
		xw_xml(out, name);
		return;
	}
	if (fit > sizeof(buf) - 1)
		fit = sizeof(buf) - 1;
	memcpy(buf, name, fit - 2);
	strcpy(buf + fit - 2, "..");
	xw_xml(out, buf);
}

/* A time in s, ms or us (samples when the profiles have no time). */
static void time_text(char *buf, size_t len, const struct flame *f, double v)
{
	if (f->dt->basis == HP_DIFF_TIME_SAMPLES)
		snprintf(buf, len, "%.0f samples", v);
	else if (v >= 1)
		snprintf(buf, len, "%.3g s", v);
	else if (v >= 1e-3 || v == 0)
		snprintf(buf, len, "%.3g ms", v * 1e3);
	else
		snprintf(buf, len, "%.3g us", v * 1e6);
}

static void diff_tooltip(FILE *out, const struct flame *f, uint32_t i)
{
	const struct hp_diffnode *d = &f->dt->diff[i];
	char b[32], a[32];
	if (!i)
		return;
	time_text(b, sizeof(b), f, d->before_self);
	time_text(a, sizeof(a), f, d->after_self);
	fprintf(out, "&#10;self time: %s -&gt; %s", b, a);
	if (d->before_node == HP_CT_NONE)
		xw_str(out, " (a new path)");
	else if (d->before_self > 0) {
		char ci[32];
		diff_rel_ci_text(ci, sizeof(ci), &d->change);
		fprintf(out, ", %+.1f%% ", 100 * d->change.delta / d->before_self);
		xw_str(out, ci);
	}
	xw_str(out, d->verdict > 0 ? " - slower" : d->verdict < 0 ? " - faster"
		     : " - no change beyond the noise");
	time_text(b, sizeof(b), f, d->before_total);
	time_text(a, sizeof(a), f, d->after_total);
	fprintf(out, "&#10;total time: %s -&gt; %s", b, a);
}

static void frame(FILE *out, const struct flame *f, uint32_t i, const char *unit)
{
	const struct node *n = &f->nodes[i];
	double total = (double)f->nodes[0].weight, scale = (WIDTH - 2 * XPAD) / total;
	double x = XPAD + n->x * scale, w = (double)n->weight * scale;
	double y = TOP + (double)(f->max_depth - f->tree->nodes[i].depth) * FRAME_H;
	const char *name = name_of(f, i);
	const char *file = stacks_file(f->p->model, n->hot_file);
	int rgb[3];
	color(f, i, rgb);
	xw_str(out, "<g class=\"f\" data-name=\"");
	xw_xml(out, name);
	xw_str(out, "\"><title>");
	xw_xml(out, name);
	fprintf(out, " (%lld %s, %.2f%%)", (long long)n->weight, unit,
		100.0 * (double)n->weight / total);
	if (f->dt)
		diff_tooltip(out, f, i);
	if (n->hot_line) {
		xw_str(out, "&#10;hot line: ");
		xw_xml(out, file ? stacks_basename(file) : "??");
		fprintf(out, ":%u (%lld %s, %.1f%% of this frame)", n->hot_line,
			(long long)n->hot_weight, unit,
			100.0 * (double)n->hot_weight / (double)(n->weight ? n->weight : 1));
	}
	fprintf(out, "</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
		"fill=\"rgb(%d,%d,%d)\" rx=\"2\" ry=\"2\"/><text x=\"%.2f\" y=\"%.1f\">",
		x, y, w, FRAME_H - 1, rgb[0], rgb[1], rgb[2], x + 3, y + 11.5);
	fitted_text(out, name, w);
	xw_str(out, "</text></g>\n");
}

/* Draw node i and its subtree, skipping frames too narrow to see. */
static void draw(FILE *out, const struct flame *f, uint32_t i, const char *unit)
{
	const struct node *n = &f->nodes[i];
	double px = (double)n->weight * (WIDTH - 2 * XPAD) / (double)f->nodes[0].weight;
	if (px < MIN_PX)
		return;
	frame(out, f, i, unit);
	for (uint32_t k = 0; k < n->nkids; k++)
		draw(out, f, n->kids[k], unit);
}

static const char script[] =
"<script type=\"text/ecmascript\"><![CDATA[\n"
"'use strict';\n"
"var W = 1200, XPAD = 10, CHAR_W = 7, frames, details, matched, zoomed = null;\n"
"function init() {\n"
"  details = document.getElementById('details').firstChild;\n"
"  matched = document.getElementById('matched').firstChild;\n"
"  frames = Array.prototype.slice.call(document.getElementsByClassName('f'));\n"
"  frames.forEach(function (g) {\n"
"    var r = g.querySelector('rect');\n"
"    g.ox = +r.getAttribute('x'); g.ow = +r.getAttribute('width');\n"
"    g.oy = +r.getAttribute('y'); g.ofill = r.getAttribute('fill');\n"
"    g.fname = g.getAttribute('data-name');\n"
"    g.addEventListener('click', function () { zoom(g); });\n"
"    g.addEventListener('mouseover', function () {\n"
"      details.nodeValue = g.querySelector('title').textContent.replace(/\\n/g, '  ');\n"
"    });\n"
"    g.addEventListener('mouseout', function () { details.nodeValue = ' '; });\n"
"  });\n"
"  document.getElementById('unzoom').addEventListener('click', unzoom);\n"
"  document.getElementById('search').addEventListener('click', search);\n"
"  window.addEventListener('keydown', function (e) {\n"
"    if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); search(); }\n"
"    if (e.key === 'Escape') { reset_search(); unzoom(); }\n"
"  });\n"
"}\n"
"function place(g, x, w) {\n"
"  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
"  r.setAttribute('x', x.toFixed(2)); r.setAttribute('width', w.toFixed(2));\n"
"  t.setAttribute('x', (x + 3).toFixed(2));\n"
"  var fit = Math.floor((w - 6) / CHAR_W), s = g.fname;\n"
"  t.textContent = fit < 3 ? '' : s.length <= fit ? s : s.substring(0, fit - 2) + '..';\n"
"}\n"
"function zoom(z) {\n"
"  var ratio = (W - 2 * XPAD) / z.ow, eps = 1e-6;\n"
"  zoomed = z;\n"
"  document.getElementById('unzoom').style.opacity = 1;\n"
"  frames.forEach(function (g) {\n"
"    var inside = g.ox >= z.ox - eps && g.ox + g.ow <= z.ox + z.ow + eps;\n"
"    if (g.oy <= z.oy && inside) {\n"
"      g.style.display = ''; g.style.opacity = 1;\n"
"      place(g, XPAD + (g.ox - z.ox) * ratio, g.ow * ratio);\n"
"    } else if (g.oy > z.oy && g.ox <= z.ox + eps && g.ox + g.ow >= z.ox + z.ow - eps) {\n"
"      g.style.display = ''; g.style.opacity = 0.5;\n"
"      place(g, XPAD, W - 2 * XPAD);\n"
"    } else {\n"
"      g.style.display = 'none';\n"
"    }\n"
"  });\n"
"}\n"
"function unzoom() {\n"
"  zoomed = null;\n"
"  document.getElementById('unzoom').style.opacity = 0;\n"
"  frames.forEach(function (g) {\n"
"    g.style.display = ''; g.style.opacity = 1; place(g, g.ox, g.ow);\n"
"  });\n"
"}\n"
"function reset_search() {\n"
"  frames.forEach(function (g) { g.querySelector('rect').setAttribute('fill', g.ofill); });\n"
"  matched.nodeValue = ' ';\n"
"}\n"
"function search() {\n"
"  var term = prompt('Search frames (regular expression):', '');\n"
"  if (term === null) return;\n"
"  reset_search();\n"
"  if (term === '') return;\n"
"  var re; try { re = new RegExp(term); } catch (e) { matched.nodeValue = 'bad regex'; return; }\n"
"  var spans = [], total = frames.length ? frames[0].ow : 1;\n"
"  frames.forEach(function (g) {\n"
"    if (g.oy === frames[0].oy) total = Math.max(total, g.ow);\n"
"    if (!re.test(g.fname)) return;\n"
"    g.querySelector('rect').setAttribute('fill', 'rgb(230,0,230)');\n"
"    spans.push([g.ox, g.ox + g.ow]);\n"
"  });\n"
"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
"  var sum = 0, end = -1;\n"
"  spans.forEach(function (s) {\n"
"    if (s[0] >= end) { sum += s[1] - s[0]; end = s[1]; }\n"
"    else if (s[1] > end) { sum += s[1] - end; end = s[1]; }\n"
"  });\n"
"  matched.nodeValue = 'Matched: ' + (100 * sum / total).toFixed(1) + '%';\n"
"}\n"
"]]></script>\n";

/* Diff mode: what the colours mean, under the title. */
static void legend(FILE *out, const struct flame *f)
{
	char b[32], a[32];
	if (!f->dt)
		return;
	time_text(b, sizeof(b), f, f->dt->before_time);
	time_text(a, sizeof(a), f, f->dt->after_time);
	fprintf(out, "<text x=\"%.0f\" y=\"44\" style=\"text-anchor:middle\">widths: after; "
		"colour: change of each frame's self time - <tspan fill=\"rgb(220,0,0)\">red "
		"slower</tspan>, <tspan fill=\"rgb(0,0,220)\">blue faster</tspan>, white within the "
		"noise; CPU time %s -&gt; %s</text>\n", WIDTH / 2, b, a);
}

static void head(FILE *out, const struct flame *f, const char *title, double height)
{
	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
		" onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\""
		" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
		"<!-- Flame graph drawn by hpprof %s. Click a frame to zoom, Ctrl-F to search. -->\n"
		"<style type=\"text/css\">\n"
		"text { font-family: monospace; font-size: 12px; fill: rgb(0,0,0); }\n"
		".f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; cursor: pointer; }\n"
		"#title { font-size: 17px; text-anchor: middle; }\n"
		"#unzoom, #search { cursor: pointer; }\n"
		"</style>\n%s"
		"<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"rgb(248,248,240)\"/>\n"
		"<text id=\"title\" x=\"%.0f\" y=\"24\">",
		WIDTH, height, WIDTH, height, HPPROF_VERSION, script, WIDTH / 2);
	xw_xml(out, title);
	fprintf(out, "</text>\n"
		"<text id=\"unzoom\" x=\"%.0f\" y=\"24\" style=\"opacity:0\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%.0f\" y=\"24\">Search</text>\n"
		"<text id=\"matched\" x=\"%.0f\" y=\"%.0f\"> </text>\n"
		"<text id=\"details\" x=\"%.0f\" y=\"%.0f\"> </text>\n",
		XPAD, WIDTH - XPAD - 60, WIDTH - XPAD - 160, height - 12, XPAD, height - 12);
	legend(out, f);
}

static void release(struct flame *f)
{
	for (uint32_t i = 0; f->nodes && i < f->tree->nnodes; i++)
		free(f->nodes[i].kids);
	free(f->nodes);
	free(f->line_w);
	xmap_release(&f->lines);
	difftree_free(f->dt);
}

int export_svg(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o)
{
	struct flame f = { .p = p };
	struct hp_calltree *tree = NULL;
	char title[1024];
	int err = 0;
	f.col = export_weight_column(p, o->weight);
	if (f.col == -2)
		return -HP_EBADEVENT;
	if (o->base && o->weight)
		return -EINVAL;          /* a differential graph draws time */
	xmap_init(&f.lines, 3);
	if ((err = build_tree(&f, o->base, &tree)) || (err = layout(&f)))
		goto out;
	pick_hot_lines(&f);
	const char *cmd = profile_meta(p, "command");
	snprintf(title, sizeof(title), "%s", o->title ? o->title : "");
	if (!o->title && o->base)
		snprintf(title, sizeof(title), "hpprof differential flame graph: %s -> %s",
			 o->base_name ? o->base_name : "before", o->name ? o->name : "after");
	else if (!o->title)
		snprintf(title, sizeof(title), "hpprof: %s", cmd ? cmd : "flame graph");
	const char *unit = f.col < 0 ? "samples" : p->events[f.col].name;
	double height = TOP + (double)(f.max_depth + 1) * FRAME_H + BOTTOM;
	head(out, &f, title, height);
	if (f.nodes[0].weight > 0)
		draw(out, &f, 0, unit);
	else
		fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">no samples</text>\n", XPAD, TOP + 12);
	xw_str(out, "</svg>\n");
out:
	release(&f);
	calltree_free(tree);
	return err;
}

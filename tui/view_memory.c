/*
 * view_memory.c - resident memory over time, one process at a time: an RSS
 * bar chart with the peak marked, the heap curve below it when allocation
 * tracking recorded one, the process tree (each process's own peak; the
 * chart's process marked; p moves to the next one in tree order) and the
 * allocation sites (bytes, calls, bytes held at the heap peak, leaks) when
 * the run tracked them. It opens on the process with the largest peak.
 * Up/Down scroll the sites, Enter opens a site's source, f the allocation
 * flame graph, c the callers of the selected site (a bottom-up tree), w
 * the weight both use (alloc-bytes, allocs, leaked-bytes, peak-bytes,
 * temporary).
 *
 * Reads profile->memory (hp_mem_reading per pid and time), the processes
 * and their tree (memreport.h), the run's allocation sites
 * (app_alloc_sites, copied once: they are of the whole run) and the
 * profile's allocation weights (cmd_tui loads them); draws with chart.h.
 * The flame graph and the callers tree are the browser's own views,
 * weighted by an allocation column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/calltree.h"
#include "analyzer/memreport.h"
#include "analyzer/profile.h"
#include "tui/chart.h"
#include "tui/colors.h"
#include "tui/tui.h"
#include "tui/view.h"

#define LABEL_W 10
#define MAX_SITES 500

struct site {
	char *function, *file;
	uint32_t line;
	uint64_t allocs, bytes, peak_bytes, leaked_bytes;
};

struct memory {
	struct tui_view base;
	uint32_t *pids;               /* the processes in tree order */
	uint32_t *depth;              /* ... and their depth in the tree */
	uint32_t npids;
	uint32_t cur;                 /* index into pids */
	int weight;                   /* index into hp_alloc_weights: f and c use it */
	struct site *sites;           /* most bytes first */
	uint32_t nsites;
	uint32_t sel, top;            /* allocation site cursor */
	int site_rows;                /* rows the sites table had at the last draw */
	uint64_t total_bytes, total_leaked;
};

struct series {
	double *v;                    /* one value per column, -1: before the first reading */
	double max;
	int col_max;                  /* column of the maximum */
	uint64_t t_max;               /* time of the maximum */
	uint32_t readings;
	double last;
};

static uint64_t t_end(const struct hp_profile *p)
{
	uint64_t t = p->duration_ns;
	for (uint32_t i = 0; i < p->nmemory; i++)
		if (p->memory[i].t_ns >= t)
			t = p->memory[i].t_ns + 1;
	return t ? t : 1;
}

/* Column values of pid's rss (heap = 0) or heap (heap = 1): the largest
 * reading in each column, the previous value where a column has none. */
static int fill_series(const struct hp_profile *p, uint32_t pid, int heap, int w,
		       struct series *s)
{
	uint64_t end = t_end(p);
	memset(s, 0, sizeof(*s));
	s->col_max = -1;
	if (!(s->v = malloc((size_t)(w > 0 ? w : 1) * sizeof(*s->v))))
		return -1;
	for (int c = 0; c < w; c++)
		s->v[c] = -1;
	for (uint32_t i = 0; i < p->nmemory; i++) {
		const struct hp_mem_reading *m = &p->memory[i];
		double val = heap ? (double)m->heap_bytes : (double)m->rss_bytes;
		if (m->pid != pid || (heap && m->heap_bytes < 0))
			continue;
		int c = (int)((double)m->t_ns / (double)end * w);
		c = c < 0 ? 0 : c >= w ? w - 1 : c;
		if (val > s->v[c])
			s->v[c] = val;
		if (val > s->max || s->col_max < 0) {
			s->max = val;
			s->col_max = c;
			s->t_max = m->t_ns;
		}
		s->readings++;
		s->last = val;
	}
	for (int c = 1; c < w; c++)
		if (s->v[c] < 0 && s->v[c - 1] >= 0)
			s->v[c] = s->v[c - 1];
	return 0;
}

/* The marker row: "▼ what X at T" from the maximum's column, or "what X
 * at T ▼" ending there when that does not fit on the right. */
static void draw_marker(struct tui_screen *sc, struct tui_rect r, const struct series *s,
			const char *what)
{
	char top[32], t[32], text[128];
	int x0 = r.x + LABEL_W, mx = x0 + s->col_max, pw;
	chart_bytes(s->max, top, sizeof(top));
	chart_time(s->t_max, t, sizeof(t));
	snprintf(text, sizeof(text), "\u25bc %s %s at %s", what, top, t);
	pw = screen_text_width(text);
	if (mx + pw > r.x + r.w) {
		snprintf(text, sizeof(text), "%s %s at %s \u25bc", what, top, t);
		pw = screen_text_width(text);
		mx = mx - pw + 1 < x0 ? x0 : mx - pw + 1;
	}
	screen_put(sc, r.y, mx, r.x + r.w - mx, TUI_HOT, text);
	screen_putc(sc, r.y, x0 + s->col_max, TUI_HOT, 0x25bc);
}

static void draw_chart(struct tui_screen *sc, struct tui_rect r, const struct series *s,
		       const char *what, const char *max_is, int role)
{
	char top[32];
	chart_bytes(s->max, top, sizeof(top));
	draw_marker(sc, r, s, max_is);
	screen_put(sc, r.y, r.x, LABEL_W - 1, TUI_DIM, what);
	/* y labels */
	screen_put_right(sc, r.y + 1, r.x + LABEL_W - 1, LABEL_W - 1, TUI_DIM, top);
	screen_put_right(sc, r.y + r.h - 1, r.x + LABEL_W - 1, LABEL_W - 1, TUI_DIM, "0");
	for (int y = 1; y < r.h; y++)
		screen_putc(sc, r.y + y, r.x + LABEL_W - 1, TUI_DIM, 0x2502);
	struct tui_rect bars = { r.y + 1, r.x + LABEL_W, r.h - 1, r.w - LABEL_W };
	chart_bars(sc, bars, s->v, bars.w, s->max, role);
}

static const struct hp_pprocess *process_of(const struct hp_profile *p, uint32_t pid)
{
	for (uint32_t i = 0; i < p->nprocesses; i++)
		if (p->processes[i].pid == pid)
			return &p->processes[i];
	return NULL;
}

static void draw_header(struct memory *m, struct tui_screen *sc, struct tui_rect r,
			const struct series *rss)
{
	const struct hp_profile *p = app_profile(m->base.app);
	const struct hp_pprocess *pr = process_of(p, m->pids[m->cur]);
	char last[32], hwm[32] = "?";
	int64_t own = pr ? memreport_peak(p, pr) : -1;
	chart_bytes(rss->last, last, sizeof(last));
	if (own >= 0)
		chart_bytes((double)own, hwm, sizeof(hwm));
	screen_printf(sc, r.y, r.x, r.w, TUI_NORMAL,
		      "process %u (%s): %u readings, last %s, own peak %s%s",
		      m->pids[m->cur], pr && pr->comm ? pr->comm : "?", rss->readings, last, hwm,
		      m->npids > 1 ? "   (p: next process)" : "");
}

/* The process tree, the chart's process marked; rows r.h at most, the
 * current process kept in sight. */
static void draw_tree(struct memory *m, struct tui_screen *sc, struct tui_rect r)
{
	const struct hp_profile *p = app_profile(m->base.app);
	uint32_t rows = r.h > 1 ? (uint32_t)r.h - 1 : 1, top = 0;
	if (m->cur >= rows)
		top = m->cur - rows + 1;
	screen_fill(sc, r.y, r.x, r.w, TUI_HEADER, ' ');
	screen_printf(sc, r.y, r.x, r.w, TUI_HEADER, "%8s %10s %10s  %s", "PID", "Peak RSS",
		      "Heap peak", "Processes (own peaks; p: next)");
	for (uint32_t i = 0; i < rows && top + i < m->npids; i++) {
		uint32_t k = top + i;
		const struct hp_pprocess *pr = process_of(p, m->pids[k]);
		char rss[32] = "-", heap[32] = "-";
		int64_t own = pr ? memreport_peak(p, pr) : -1;
		int role = k == m->cur ? TUI_SELECTED : TUI_NORMAL;
		if (own >= 0)
			chart_bytes((double)own, rss, sizeof(rss));
		if (pr && pr->heap_peak >= 0)
			chart_bytes((double)pr->heap_peak, heap, sizeof(heap));
		screen_fill(sc, r.y + 1 + (int)i, r.x, r.w, role, ' ');
		screen_printf(sc, r.y + 1 + (int)i, r.x, r.w, role, "%8u %10s %10s  %*s%s",
			      m->pids[k], rss, heap, (int)(m->depth[k] > 8 ? 16 : 2 * m->depth[k]), "",
			      pr && pr->comm ? pr->comm : "?");
	}
}

static void draw_alloc_note(struct tui_screen *sc, int y, struct tui_rect r)
{
	screen_put(sc, y, r.x, r.w, TUI_HEADER, "Allocation sites");
	screen_put(sc, y + 1, r.x + 2, r.w - 2, TUI_DIM,
		   "none in this profile: record with `hpprof run --alloc` to see allocation "
		   "sites, peak heap and leaks");
}

static void draw_site(const struct memory *m, struct tui_screen *sc, int y, struct tui_rect r,
		      uint32_t i)
{
	const struct site *st = &m->sites[i];
	char b[32], pk[32], lk[32];
	const char *file = st->file && strrchr(st->file, '/') ? strrchr(st->file, '/') + 1 : st->file;
	int role = i == m->sel ? TUI_SELECTED : st->leaked_bytes ? TUI_WARM : TUI_NORMAL;
	chart_bytes((double)st->bytes, b, sizeof(b));
	chart_bytes((double)st->peak_bytes, pk, sizeof(pk));
	chart_bytes((double)st->leaked_bytes, lk, sizeof(lk));
	screen_fill(sc, y, r.x, r.w, role, ' ');
	screen_printf(sc, y, r.x, r.w, role, "%10s %9llu %10s %10s  %s:%u  %s", b,
		      (unsigned long long)st->allocs, pk, st->leaked_bytes ? lk : "", file ? file : "??",
		      st->line, st->function ? st->function : "?");
}

static void draw_sites(struct memory *m, struct tui_screen *sc, struct tui_rect r)
{
	char total[32], leaked[32];
	int rows = r.h - 2;
	chart_bytes((double)m->total_bytes, total, sizeof(total));
	chart_bytes((double)m->total_leaked, leaked, sizeof(leaked));
	screen_printf(sc, r.y, r.x, r.w, TUI_NORMAL, "Allocation sites: %u, %s allocated, %s "
		      "never freed   (Enter: source, c: callers, f: flame graph, w: by %s)",
		      m->nsites, total, leaked, hp_alloc_weights[m->weight]);
	screen_fill(sc, r.y + 1, r.x, r.w, TUI_HEADER, ' ');
	screen_printf(sc, r.y + 1, r.x, r.w, TUI_HEADER, "%10s %9s %10s %10s  %s", "Bytes", "Allocs",
		      "At peak", "Leaked", "Site");
	m->site_rows = rows > 0 ? rows : 1;
	if (m->sel < m->top)
		m->top = m->sel;
	if (m->sel >= m->top + (uint32_t)m->site_rows)
		m->top = m->sel - (uint32_t)m->site_rows + 1;
	for (int i = 0; i < rows && m->top + (uint32_t)i < m->nsites; i++)
		draw_site(m, sc, r.y + 2 + i, r, m->top + (uint32_t)i);
}

static void memory_draw(struct tui_view *v, struct tui_screen *sc, struct tui_rect r)
{
	struct memory *m = (struct memory *)v;
	const struct hp_profile *p = app_profile(v->app);
	struct series rss, heap = { 0 };
	int cw = r.w - LABEL_W, chart_h;
	int sites_h = m->nsites ? (r.h * 2 / 5 < 4 ? 4 : r.h * 2 / 5) : 2;
	int tree_h = m->npids > 1 ? (int)(m->npids + 1 < 6 ? m->npids + 1 : 6) : 0;
	if (r.h < 8 + sites_h + tree_h)
		tree_h = 0;
	struct tui_rect sr = { r.y + r.h - sites_h, r.x, sites_h, r.w };
	struct tui_rect tr = { sr.y - tree_h, r.x, tree_h, r.w };
	if (m->nsites)
		draw_sites(m, sc, sr);
	else
		draw_alloc_note(sc, sr.y, r);
	if (tree_h)
		draw_tree(m, sc, tr);
	if (!m->npids) {
		screen_put(sc, r.y + 1, r.x + 2, r.w - 2, TUI_ERROR,
			   "no memory readings in this profile (the run recorded no RSS timeline)");
		return;
	}
	if (cw < 10 || r.h < 8 + sites_h + tree_h || fill_series(p, m->pids[m->cur], 0, cw, &rss))
		return;
	if (fill_series(p, m->pids[m->cur], 1, cw, &heap)) {
		free(rss.v);
		return;
	}
	draw_header(m, sc, r, &rss);
	chart_h = r.h - sites_h - tree_h - 3;       /* header, axis, gap */
	if (heap.readings)
		chart_h /= 2;
	struct tui_rect cr = { r.y + 1, r.x, chart_h, r.w };
	draw_chart(sc, cr, &rss, "RSS", "highest reading", TUI_CHART);
	if (heap.readings) {
		cr.y += chart_h;
		draw_chart(sc, cr, &heap, "heap", "heap peak", TUI_CHART2);
	}
	chart_time_axis(sc, cr.y + cr.h, r.x + LABEL_W, cw, t_end(p));
	free(rss.v);
	free(heap.v);
}

/* The profile's column of the chosen allocation weight, or -1 (the run
 * tracked no allocations). */
static int weight_col(const struct memory *m)
{
	return profile_weight_column(app_profile(m->base.app), hp_alloc_weights[m->weight]);
}

/* The function of the selected site in the profile, or HP_CT_NONE. */
static uint32_t site_function(const struct memory *m, int col)
{
	const struct hp_profile *p = app_profile(m->base.app);
	const struct site *s = &m->sites[m->sel];
	uint32_t best = HP_CT_NONE;
	for (uint32_t i = 0; s->function && i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, s->function) &&
		    (best == HP_CT_NONE || p->functions[i].ctotal[col] > p->functions[best].ctotal[col]))
			best = i;
	return best;
}

/* f: the allocation flame graph; c: the callers of the selected site. */
static int open_alloc_view(struct memory *m, int callers)
{
	int col = weight_col(m);
	struct tui_view *v;
	if (col < 0) {
		app_message(m->base.app, TUI_DIM, "%s", profile_meta(app_profile(m->base.app),
								      "alloc_tracking")
			    ? "the allocation views are not available with --diff"
			    : "no allocation data: record with `hpprof run --alloc`");
		return TUI_R_VIEW;
	}
	if (!callers) {
		v = view_flame_new_weighted(m->base.app, col);
	} else {
		uint32_t f = m->nsites ? site_function(m, col) : HP_CT_NONE;
		if (f == HP_CT_NONE)
			return TUI_R_VIEW;
		v = view_calltree_new_weighted(m->base.app, 1, f, col);
	}
	return v ? app_push(m->base.app, v) : TUI_R_VIEW;
}

static int memory_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct memory *m = (struct memory *)v;
	uint32_t page = m->site_rows > 1 ? (uint32_t)m->site_rows - 1 : 1;
	(void)arg;
	if (a == TUI_A_PROCESS && m->npids) {
		m->cur = (m->cur + 1) % m->npids;
		return TUI_R_VIEW;
	}
	if (a == TUI_A_WEIGHT) {
		m->weight = (m->weight + 1) % HP_ALLOC_NWEIGHTS;
		app_message(v->app, TUI_DIM, "allocation flame graph and callers by %s",
			    hp_alloc_weights[m->weight]);
		return TUI_R_VIEW;
	}
	if (a == TUI_A_FLAME || a == TUI_A_CALLERS)
		return open_alloc_view(m, a == TUI_A_CALLERS);
	if (!m->nsites)
		return TUI_R_UNHANDLED;
	switch (a) {
	case TUI_A_UP:   m->sel = m->sel ? m->sel - 1 : 0; break;
	case TUI_A_DOWN: m->sel++; break;
	case TUI_A_PGUP: m->sel = m->sel > page ? m->sel - page : 0; break;
	case TUI_A_PGDN: m->sel += page; break;
	case TUI_A_HOME: m->sel = 0; break;
	case TUI_A_END:  m->sel = m->nsites - 1; break;
	case TUI_A_ENTER: {
		const struct site *s = &m->sites[m->sel];
		uint32_t file_id = stacks_file_id(app_profile(v->app)->model, s->file);
		return app_annotate_file(v->app, file_id, s->file, s->line);
	}
	default: return TUI_R_UNHANDLED;
	}
	if (m->sel >= m->nsites)
		m->sel = m->nsites - 1;
	return TUI_R_VIEW;
}

static int on_site(void *ctx, const struct tui_alloc_site *a)
{
	struct memory *m = ctx;
	struct site *s;
	if (m->nsites == MAX_SITES)
		return 1;
	if (!m->sites && !(m->sites = calloc(MAX_SITES, sizeof(*m->sites))))
		return -1;
	s = &m->sites[m->nsites];
	s->function = a->function ? strdup(a->function) : NULL;
	s->file = a->file ? strdup(a->file) : NULL;
	s->line = a->line;
	s->allocs = a->allocs;
	s->bytes = a->bytes;
	s->peak_bytes = a->peak_bytes;
	s->leaked_bytes = a->leaked_bytes;
	m->nsites++;
	return 0;
}

static int on_site_total(void *ctx, const struct tui_alloc_site *a)
{
	struct memory *m = ctx;
	m->total_bytes += a->bytes;
	m->total_leaked += a->leaked_bytes;
	return on_site(ctx, a) < 0 ? -1 : 0;
}

static void load_sites(struct memory *m)
{
	if (app_alloc_sites(m->base.app, on_site_total, m) < 0)
		app_message(m->base.app, TUI_ERROR, "cannot read the allocation sites");
}

static void memory_status(struct tui_view *v, char *buf, size_t len)
{
	struct memory *m = (struct memory *)v;
	snprintf(buf, len, "process %u/%u", m->npids ? m->cur + 1 : 0, m->npids);
}

/* The processes in tree order; the chart shows the same process as
 * before, or at first the one with the largest own peak. */
static int memory_reload(struct tui_view *v)
{
	struct memory *m = (struct memory *)v;
	const struct hp_profile *p = app_profile(v->app);
	uint32_t keep = m->npids ? m->pids[m->cur] : 0, n = p->nprocesses;
	size_t cap = (size_t)n + p->nmemory + 1;    /* readings may name pids with no row */
	uint32_t *order = malloc(cap * sizeof(*order)), *depth = malloc(cap * sizeof(*depth));
	uint32_t *pids = malloc(cap * sizeof(*pids));
	if (!order || !depth || !pids) {
		free(order);
		free(depth);
		free(pids);
		return -1;
	}
	if (!keep) {
		uint32_t big = memreport_largest(p);
		keep = big == UINT32_MAX ? 0 : p->processes[big].pid;
	}
	n = memreport_tree(p, order, depth);
	free(m->pids);
	free(m->depth);
	m->pids = pids;
	m->depth = depth;
	m->npids = 0;
	m->cur = 0;
	for (uint32_t i = 0; i < n; i++)
		pids[m->npids++] = p->processes[order[i]].pid;
	free(order);
	/* readings of a pid with no process row (a merged or old file): at the end */
	for (uint32_t i = 0; i < p->nmemory; i++) {
		uint32_t k = 0;
		while (k < m->npids && pids[k] != p->memory[i].pid)
			k++;
		if (k == m->npids) {
			depth[m->npids] = 0;
			pids[m->npids++] = p->memory[i].pid;
		}
	}
	for (uint32_t k = 0; k < m->npids; k++)
		if (pids[k] == keep)
			m->cur = k;
	return 0;
}

static void memory_free(struct tui_view *v)
{
	struct memory *m = (struct memory *)v;
	for (uint32_t i = 0; i < m->nsites; i++) {
		free(m->sites[i].function);
		free(m->sites[i].file);
	}
	free(m->sites);
	free(m->pids);
	free(m->depth);
	free(m);
}

static const struct tui_view_ops memory_ops = {
	.name = "memory", .kind = TUI_V_MEMORY, .draw = memory_draw, .action = memory_action,
	.status = memory_status, .reload = memory_reload, .free = memory_free,
};

struct tui_view *view_memory_new(struct tui_app *a)
{
	struct memory *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->base.ops = &memory_ops;
	m->base.app = a;
	m->weight = 1;                          /* alloc-bytes */
	snprintf(m->base.title, sizeof(m->base.title), "Memory: resident set size over time");
	if (memory_reload(&m->base)) {
		free(m);
		return NULL;
	}
	load_sites(m);
	return &m->base;
}

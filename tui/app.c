/*
 * app.c - the browser's application object: tabs, the view stack, the
 * title and status bars, the search prompt, filters and the main loop.
 *
 * Takes a profile (and its tui_source, for reloading with a filter) and
 * drives the views (view.h) from keys (keys.h). It draws into a screen
 * grid that either the terminal backend (term.c) paints, or `--dump`
 * prints once after playing a key script. Filter changes and tab switches
 * asked for inside a view's action are applied after the action returns,
 * so a view is never freed while its own code runs.
 */
#include "tui/tui.h"

#include <curses.h>                   /* key codes only: drawing is term.c's */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/annotate.h"
#include "analyzer/calltree.h"
#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "analyzer/timeline.h"
#include "common/log.h"
#include "tui/app_priv.h"
#include "tui/colors.h"
#include "tui/term.h"
#include "tui/view.h"

#define MAX_KEYS      4096
#define IDLE_MS       250

struct tab {
	const char *name;             /* --view / --dump name */
	const char *label, *short_label;
	struct tui_view *(*make)(struct tui_app *a);
};

static struct tui_view *make_tree(struct tui_app *a)
{
	return view_calltree_new(a, 0, HP_CT_NONE, HP_CT_NONE);
}

static const struct tab tabs[] = {
	{ "summary",   "Summary",   "Sum",  view_summary_new },
	{ "functions", "Functions", "Fun",  view_functions_new },
	{ "lines",     "Lines",     "Lin",  view_lines_new },
	{ "tree",      "Call tree", "Tree", make_tree },
	{ "flame",     "Flame",     "Flm",  view_flame_new },
	{ "memory",    "Memory",    "Mem",  view_memory_new },
	{ "threads",   "Threads",   "Thr",  view_threads_new },
	{ "timeline",  "Timeline",  "Time", view_timeline_new },
	{ "diff",      "Diff",      "Diff", view_diff_new },
};
_Static_assert(sizeof(tabs) / sizeof(tabs[0]) == NTABS, "NTABS in app_priv.h");


static struct tui_view *top(struct tui_app *a)
{
	return a->stack[a->depth - 1];
}

static void pop_to(struct tui_app *a, int depth)
{
	while (a->depth > depth) {
		struct tui_view *v = a->stack[--a->depth];
		v->ops->free(v);
	}
}

static int show_tab(struct tui_app *a, int tab)
{
	if (!a->tabs[tab]) {
		a->tabs[tab] = tabs[tab].make(a);
		if (!a->tabs[tab]) {
			if (!a->msg[0])
				app_message(a, TUI_ERROR, "cannot open the %s view: out of memory",
					    tabs[tab].name);
			return -1;
		}
	}
	pop_to(a, 1);
	a->tab = tab;
	a->stack[0] = a->tabs[tab];
	a->depth = 1;
	return 0;
}

static void free_tabs(struct tui_app *a)
{
	pop_to(a, 1);
	a->depth = 0;
	for (int i = 0; i < NTABS; i++) {
		if (a->tabs[i])
			a->tabs[i]->ops->free(a->tabs[i]);
		a->tabs[i] = NULL;
	}
}

static int by_samples(const void *x, const void *y, void *ctx)
{
	const struct hp_profile *p = ctx;
	const struct hp_pthread *a = &p->threads[*(const uint32_t *)x];
	const struct hp_pthread *b = &p->threads[*(const uint32_t *)y];
	if (a->samples != b->samples)
		return a->samples > b->samples ? -1 : 1;
	return (a->tid > b->tid) - (a->tid < b->tid);
}

/* Threads with samples, busiest first: what `t` cycles through. */
static void order_threads(struct tui_app *a)
{
	uint32_t *idx = malloc((a->p->nthreads + 1) * sizeof(*idx)), n = 0;
	if (!idx)
		return;
	for (uint32_t i = 0; i < a->p->nthreads; i++)
		if (a->p->threads[i].samples)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), by_samples, a->p);
	for (uint32_t i = 0; i < n; i++)
		idx[i] = a->p->threads[idx[i]].tid;
	a->thread_order = idx;
	a->nthread_order = n;
}

/* --- filters --- */

static void describe_filter(const struct tui_app *a, char *buf, size_t len)
{
	const struct hp_profile_filter *f = &a->filter;
	size_t n = 0;
	buf[0] = '\0';
	if (f->tid)
		n += (size_t)snprintf(buf + n, len - n, " thread %s", app_thread_label(a, f->tid));
	if (f->pid && n < len)
		n += (size_t)snprintf(buf + n, len - n, " process %u", f->pid);
	for (uint32_t i = 0; f->run && i < a->p->nruns && n < len; i++)
		if (a->p->runs[i].id == f->run) {
			char name[96];
			n += (size_t)snprintf(buf + n, len - n, " %s",
					      ranks_name(a->p, i, name, sizeof(name)));
		}
	if ((f->t_from || f->t_to) && n < len)
		snprintf(buf + n, len - n, " %.3f-%.3f s", (double)f->t_from / 1e9,
			 f->t_to ? (double)f->t_to / 1e9 : (double)a->p->duration_ns / 1e9);
}

static int same_filter(const struct hp_profile_filter *x, const struct hp_profile_filter *y)
{
	return x->t_from == y->t_from && x->t_to == y->t_to && x->tid == y->tid && x->pid == y->pid &&
	       x->run == y->run;
}

/* Take the profile of filter f out of the cache, or NULL. */
static struct hp_profile *cache_take(struct tui_app *a, const struct hp_profile_filter *f)
{
	for (int i = 0; i < a->ncache; i++) {
		if (same_filter(&a->cache[i].filter, f)) {
			struct hp_profile *p = a->cache[i].p;
			memmove(&a->cache[i], &a->cache[i + 1], (size_t)(a->ncache - i - 1) *
				sizeof(a->cache[0]));
			a->ncache--;
			return p;
		}
	}
	return NULL;
}

/* Keep p (the profile of filter f), dropping the least recently used. */
static void cache_put(struct tui_app *a, const struct hp_profile_filter *f, struct hp_profile *p)
{
	if (a->ncache == CACHE) {
		profile_free(a->cache[0].p);
		memmove(&a->cache[0], &a->cache[1], (CACHE - 1) * sizeof(a->cache[0]));
		a->ncache--;
	}
	a->cache[a->ncache].filter = *f;
	a->cache[a->ncache++].p = p;
}

static void apply_filter(struct tui_app *a)
{
	struct hp_profile *np;
	const struct hp_profile_filter *f = &a->next_filter;
	int any = f->tid || f->pid || f->t_from || f->t_to || f->run, err = 0;
	a->pending_filter = 0;
	if (same_filter(f, &a->filter))
		return;
	if (!(np = cache_take(a, f)))
		err = a->src->load(a->src->ctx, any ? f : NULL, &np);
	if (err) {
		app_message(a, TUI_ERROR, "cannot reload '%s': %s", a->src->path,
			    a->src->strerror(a->src->ctx, err));
		return;
	}
	pop_to(a, 1);
	cache_put(a, &a->filter, a->p);
	a->p = np;
	a->filter = *f;
	for (int i = 0; i < NTABS; i++) {
		if (a->tabs[i] && a->tabs[i]->ops->reload(a->tabs[i])) {
			/* rebuilt from scratch on next use */
			a->tabs[i]->ops->free(a->tabs[i]);
			a->tabs[i] = NULL;
		}
	}
	if (!a->tabs[a->tab] && show_tab(a, a->tab))
		show_tab(a, 0);
	if (!a->msg[0]) {
		char d[128];
		describe_filter(a, d, sizeof(d));
		app_message(a, TUI_DIM, any ? "showing%s (x clears)" : "showing everything%s", d);
	}
}

/* The filter `t` goes to next: the next thread by samples, all after the last. */
static int next_thread_filter(const struct tui_app *a, struct hp_profile_filter *f)
{
	uint32_t i = 0;
	*f = a->filter;
	if (!a->nthread_order)
		return 0;
	if (f->tid)
		while (i < a->nthread_order && a->thread_order[i] != f->tid)
			i++;
	f->tid = !f->tid ? a->thread_order[0]
		: i + 1 < a->nthread_order ? a->thread_order[i + 1] : 0;
	f->pid = 0;
	return 1;
}

static int cycle_thread(struct tui_app *a)
{
	struct hp_profile_filter f;
	return next_thread_filter(a, &f) ? app_set_filter(a, &f) : TUI_R_VIEW;
}

/* Work done while the user reads, one piece per idle moment: count the
 * timeline, then load the profile `t` would show next, so that those keys
 * answer at once. Returns 0 when there is nothing left to do. */
static int idle_work(struct tui_app *a)
{
	struct hp_profile_filter f;
	struct hp_profile *np;
	if (!a->timeline && !a->timeline_failed) {
		app_timeline(a);
		return 1;
	}
	if (a->nthread_order < 2 || !next_thread_filter(a, &f) || same_filter(&f, &a->filter))
		return 0;
	for (int i = 0; i < a->ncache; i++)
		if (same_filter(&a->cache[i].filter, &f))
			return 0;
	if (a->src->load(a->src->ctx, f.tid || f.pid || f.t_from || f.t_to || f.run ? &f : NULL, &np))
		return 0;
	cache_put(a, &f, np);
	return 0;
}

/* --- bars --- */

static void draw_title(struct tui_app *a)
{
	struct tui_screen *s = &a->screen;
	/* simulated counters say so on every screen (run --cache-sim) */
	const char *sim = profile_meta(app_profile(a), "simulation") ? " SIMULATED (cachegrind) " : "";
	int full = 8 + (*sim ? screen_text_width(sim) + 1 : 0), x;
	screen_fill(s, 0, 0, s->w, TUI_TITLE, ' ');
	for (int i = 0; i < a->ntabs; i++)
		full += (int)strlen(tabs[i].label) + 4;
	x = screen_put(s, 0, 0, s->w, TUI_TITLE, " hpprof ");
	for (int i = 0; i < a->ntabs && x < s->w; i++) {
		char t[32];
		snprintf(t, sizeof(t), " %d %s ", i + 1, full <= s->w ? tabs[i].label
								  : tabs[i].short_label);
		x += screen_put(s, 0, x, s->w - x, i == a->tab ? TUI_TAB_SEL : TUI_TITLE, t);
	}
	const char *db = strrchr(a->src->path, '/') ? strrchr(a->src->path, '/') + 1 : a->src->path;
	int right = s->w - 1;
	if (*sim && s->w - x > screen_text_width(sim) + 1) {
		screen_put_right(s, 0, right, s->w - x, TUI_TAB_SEL, sim);
		right -= screen_text_width(sim) + 1;
	}
	if (right - x > screen_text_width(db) + 2)
		screen_put_right(s, 0, right, right - x, TUI_TITLE, db);
}

/* With --diff, the views that compare the two runs; the others show the
 * after run alone and the status line says so. */
#define COMPARED (TUI_V_SUMMARY | TUI_V_FLAME | TUI_V_TIMELINE | TUI_V_DIFF | TUI_V_RANKS | \
		  TUI_V_HELP)

static void draw_status(struct tui_app *a)
{
	struct tui_screen *s = &a->screen;
	struct tui_view *v = top(a);
	char left[512], right[192] = "", filt[160];
	int y = s->h - 1;
	screen_fill(s, y, 0, s->w, TUI_STATUS, ' ');
	if (a->prompting) {
		int n = screen_printf(s, y, 0, s->w, TUI_STATUS, "/%s", a->input);
		screen_putc(s, y, n, TUI_SELECTED, ' ');
		return;
	}
	if (v->ops->status)
		v->ops->status(v, right, sizeof(right));
	/* the view's status (e.g. the kernel functions beneath a source line)
	 * matters more than the title: a long one is cut, never dropped; a
	 * message keeps at least half the line */
	int rw = screen_text_width(right) + 10, most = a->msg[0] ? s->w / 2 : s->w - 1;
	if (rw > most)
		rw = most;
	if (rw >= 10) {
		int x = s->w - rw;
		x += screen_put(s, y, x, rw - 10, TUI_STATUS, right);
		screen_put(s, y, x, 8, TUI_STATUS, "  ?:help");
	} else {
		rw = 0;
	}
	if (a->msg[0]) {
		screen_put(s, y, 0, s->w - rw, a->msg_role == TUI_DIM ? TUI_STATUS : a->msg_role,
			   a->msg);
		return;
	}
	describe_filter(a, filt, sizeof(filt));
	snprintf(left, sizeof(left), " %s%s%s%s", a->base && !(v->ops->kind & COMPARED)
		 ? "after run only, not compared: " : "", v->title, filt[0] ? "  |" : "", filt);
	int room = s->w - rw - 1;
	screen_put(s, y, 0, room, TUI_STATUS, left);
	if (room > 1 && screen_text_width(left) > room)   /* cut: "(3" read as a figure */
		screen_putc(s, y, room - 1, TUI_STATUS, 0x2026);
}

static void render(struct tui_app *a)
{
	screen_clear(&a->screen);
	draw_title(a);
	struct tui_view *v = top(a);
	v->ops->draw(v, &a->screen, app_area(a));
	draw_status(a);
}

/* --- keys --- */

static int search(struct tui_app *a, int dir)
{
	struct tui_view *v = top(a);
	if (!a->search[0])
		return TUI_R_VIEW;
	if (!v->ops->search)
		app_message(a, TUI_DIM, "this view has nothing to search");
	else if (!v->ops->search(v, a->search, dir))
		app_message(a, TUI_ERROR, "not found: %s", a->search);
	return TUI_R_VIEW;
}

static int prompt_key(struct tui_app *a, int key)
{
	size_t n = strlen(a->input);
	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		a->prompting = 0;
		snprintf(a->search, sizeof(a->search), "%s", a->input);
		return search(a, 1);
	}
	if (key == 27) {
		a->prompting = 0;
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (n)
			a->input[n - 1] = '\0';
		else
			a->prompting = 0;
	} else if (key >= 0x20 && key < 0x7f && n + 1 < sizeof(a->input)) {
		a->input[n] = (char)key;
		a->input[n + 1] = '\0';
	}
	return TUI_R_VIEW;
}

static int app_action(struct tui_app *a, enum tui_action act, int arg)
{
	switch (act) {
	case TUI_A_QUIT:
		return TUI_R_QUIT;
	case TUI_A_HELP:
		if (top(a)->ops->kind == TUI_V_HELP)
			return TUI_R_VIEW;
		return app_push(a, view_help_new(a, top(a)->ops->kind, top(a)->ops->name));
	case TUI_A_BACK:
		if (a->depth > 1)
			pop_to(a, a->depth - 1);
		return TUI_R_VIEW;
	case TUI_A_VIEW_NEXT:
		return app_switch(a, (a->tab + 1) % a->ntabs);
	case TUI_A_VIEW_PREV:
		return app_switch(a, (a->tab + a->ntabs - 1) % a->ntabs);
	case TUI_A_VIEW_N:
		return app_switch(a, arg);
	case TUI_A_SEARCH:
		a->prompting = 1;
		a->input[0] = '\0';
		return TUI_R_VIEW;
	case TUI_A_SEARCH_NEXT:
		return search(a, 1);
	case TUI_A_SEARCH_PREV:
		return search(a, -1);
	case TUI_A_THREAD:
		return cycle_thread(a);
	case TUI_A_RANKS:
		if (top(a)->ops->kind == TUI_V_RANKS)
			return TUI_R_VIEW;
		return app_push(a, view_ranks_new(a));
	case TUI_A_CLEAR_FILTER: {
		struct hp_profile_filter none = { 0 };
		return app_set_filter(a, &none);
	}
	default:
		return TUI_R_VIEW;
	}
}

static int app_key(struct tui_app *a, int key)
{
	int arg = 0, r;
	if (key == KEY_RESIZE)
		return TUI_R_VIEW;
	if (a->prompting)
		return prompt_key(a, key);
	a->msg[0] = '\0';
	if (key == '\r' || key == KEY_ENTER)
		key = '\n';
	struct tui_view *v = top(a);
	enum tui_action act = keys_lookup(key, v->ops->kind, &arg);
	if (act == TUI_A_NONE)
		return TUI_R_VIEW;
	r = v->ops->action(v, act, arg);
	if (r & TUI_R_UNHANDLED)
		r = app_action(a, act, arg);
	if (a->pending_filter)
		apply_filter(a);
	if (a->pending_tab) {
		int t = a->pending_tab - 1;
		a->pending_tab = 0;
		show_tab(a, t);
	}
	return r;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Handle a key and redraw, timing both for --debug=tui. */
static int key_and_render(struct tui_app *a, int key)
{
	double t0 = now_ms();
	int r = app_key(a, key);
	if (!(r & TUI_R_QUIT))
		render(a);
	hp_debug(HP_DBG_TUI, 1, "key %d: %.2f ms", key, now_ms() - t0);
	return r;
}

/* --- setup --- */

static int open_view(struct tui_app *a, const char *name)
{
	if (!name)
		name = "summary";
	for (int i = 0; i < a->ntabs; i++)
		if (!strcmp(tabs[i].name, name))
			return show_tab(a, i);
	if (show_tab(a, 0))
		return -1;
	if (!strcmp(name, "help")) {
		app_push(a, view_help_new(a, TUI_V_SUMMARY, "summary"));
	} else if (!strcmp(name, "source")) {
		uint32_t *order = profile_functions_by_self(a->p);
		if (show_tab(a, 1))
			return -1;
		if (order && a->p->nfunctions)
			app_annotate_function(a, order[0]);
		free(order);
	} else if (!strcmp(name, "ranks")) {
		app_push(a, view_ranks_new(a));
	} else if (!strcmp(name, "diff")) {
		app_message(a, TUI_ERROR, "no diff: start with --diff BASE.db");
	}
	return 0;
}

int tui_view_known(const char *name)
{
	for (int i = 0; i < NTABS; i++)
		if (!strcmp(tabs[i].name, name))
			return 1;
	return !strcmp(name, "source") || !strcmp(name, "help") || !strcmp(name, "ranks");
}

const char *tui_view_names(void)
{
	return "summary functions lines tree flame memory threads timeline diff source ranks help";
}

static int app_init(struct tui_app *a, const struct tui_source *src, struct hp_profile *p,
		    const struct tui_source *base_src, struct hp_profile *base, int w, int h,
		    uint32_t run)
{
	memset(a, 0, sizeof(*a));
	a->src = src;
	a->p = p;
	a->filter.run = run;
	a->base_src = base_src;
	a->base = base;
	a->ntabs = base ? NTABS : NTABS - 1;
	order_threads(a);
	return screen_resize(&a->screen, w, h);
}

static void app_release(struct tui_app *a)
{
	free_tabs(a);
	for (int i = 0; i < a->ncache; i++)
		profile_free(a->cache[i].p);
	profile_free(a->p);
	profile_free(a->base);
	timeline_free(a->timeline);
	timeline_free(a->base_timeline);
	ranks_timeline_free(a->rank_timeline);
	ranks_timeline_free(a->base_rank_timeline);
	free(a->thread_order);
	screen_release(&a->screen);
}

static int dump(struct tui_app *a, const struct tui_opts *o)
{
	int keys[MAX_KEYS], n = 0;
	char bad[64];
	if (o->keys && (n = keys_parse(o->keys, keys, MAX_KEYS, bad, sizeof(bad))) < 0) {
		hp_err("unknown key '%s' in --keys", bad);
		return 2;
	}
	if (open_view(a, o->view))
		return 1;
	render(a);
	for (int i = 0; i < n; i++)
		if (key_and_render(a, keys[i]) & TUI_R_QUIT)
			break;
	render(a);
	screen_dump(&a->screen, stdout);
	return fflush(stdout) ? 1 : 0;
}

static int browse(struct tui_app *a, const struct tui_opts *o)
{
	char err[256];
	int w, h, idle = 1;
	if (term_start(o->color, err, sizeof(err))) {
		hp_err("%s", err);
		return 1;
	}
	term_size(&w, &h);
	if (screen_resize(&a->screen, w, h) || open_view(a, o->view)) {
		term_stop();
		hp_err("cannot start the browser: out of memory");
		return 1;
	}
	render(a);
	term_paint(&a->screen);
	for (;;) {
		int k = term_key(IDLE_MS);
		if (term_signal())
			break;
		if (k < 0) {
			if (idle)
				idle = idle_work(a);
			continue;
		}
		idle = 1;
		if (k == KEY_RESIZE) {
			term_size(&w, &h);
			screen_resize(&a->screen, w, h);
		}
		if (key_and_render(a, k) & TUI_R_QUIT)
			break;
		if (k == ('l' & 0x1f))
			term_invalidate();
		term_paint(&a->screen);
	}
	term_stop();
	return term_signal() ? 128 + term_signal() : 0;
}

int tui_main(const struct tui_source *src, struct hp_profile *p,
	     const struct tui_source *base_src, struct hp_profile *base,
	     const struct tui_opts *o)
{
	struct tui_app *a = calloc(1, sizeof(*a));
	int rc;
	if (!a || app_init(a, src, p, base_src, base, o->width > 0 ? o->width : 100,
			   o->height > 0 ? o->height : 30, o->run)) {
		hp_err("cannot start the browser: out of memory");
		free(a);
		profile_free(p);
		profile_free(base);
		return 1;
	}
	a->filter.t_from = o->t_from;
	a->filter.t_to = o->t_to;
	a->alpha = o->alpha;
	a->threshold = o->threshold;
	rc = o->dump ? dump(a, o) : browse(a, o);
	app_release(a);
	free(a);
	return rc;
}

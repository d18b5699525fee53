/*
 * app_ask.c - what the browser's views may ask of the application object
 * (view.h): the profile and its baseline, the drawing area, messages,
 * thread labels, the timelines (counted on first use), filters, tab
 * switches, and opening source, machine-code and call-tree views.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/annotate.h"
#include "analyzer/calltree.h"
#include "analyzer/diff.h"
#include "tui/app_priv.h"
#include "tui/colors.h"

const struct hp_profile *app_profile(const struct tui_app *a) { return a->p; }
const struct hp_profile *app_baseline(const struct tui_app *a) { return a->base; }
const struct hp_profile_filter *app_filter(const struct tui_app *a) { return &a->filter; }
const char *app_db_path(const struct tui_app *a) { return a->src->path; }
const char *app_baseline_path(const struct tui_app *a)
{
	return a->base_src ? a->base_src->path : NULL;
}

const char *app_run_cwd(const struct tui_app *a)
{
	return profile_meta(a->p, "cwd");
}

struct tui_rect app_area(const struct tui_app *a)
{
	struct tui_rect r = { 1, 0, a->screen.h - 2, a->screen.w };
	if (r.h < 1)
		r.h = 1;
	return r;
}

void app_message(struct tui_app *a, int role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
	a->msg_role = role;
}

const char *app_thread_label(const struct tui_app *a, uint32_t tid)
{
	return app_thread_label_of(a->p, tid);
}

const struct hp_pthread *app_thread_of(const struct hp_profile *p, uint32_t tid)
{
	for (uint32_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].tid == tid)
			return &p->threads[i];
	return NULL;
}

const char *app_thread_label_of(const struct hp_profile *p, uint32_t tid)
{
	static char buf[96];
	const struct hp_pthread *t = app_thread_of(p, tid);
	if (!t)
		snprintf(buf, sizeof(buf), "%u", tid);
	else if (p->runs[t->run].rank >= 0)   /* an MPI job: the timeline's rows side by side */
		snprintf(buf, sizeof(buf), "r%lld %u %s", (long long)p->runs[t->run].rank, tid,
			 t->comm ? t->comm : "?");
	else
		snprintf(buf, sizeof(buf), "%u %s", tid, t->comm ? t->comm : "?");
	return buf;
}

/* src's timeline of the threads f selects into *tl, once per selection
 * (*sel: the one *tl counts; *failed: it could not be counted). */
static const struct hp_timeline *timeline_of(struct tui_app *a, const struct tui_source *src,
					     const struct hp_profile_filter *f, struct hp_timeline **tl,
					     int *failed, struct hp_profile_filter *sel, const char *what)
{
	if (f->tid != sel->tid || f->pid != sel->pid || f->run != sel->run) {
		timeline_free(*tl);
		*tl = NULL;
		*failed = 0;
		*sel = (struct hp_profile_filter){ .tid = f->tid, .pid = f->pid, .run = f->run };
	}
	if (*tl || *failed)
		return *tl;
	if (!src || !src->timeline) {
		*failed = 1;
		return NULL;
	}
	int err = src->timeline(src->ctx, sel, TL_BUCKETS, tl);
	if (err) {
		*failed = 1;
		*tl = NULL;
		app_message(a, TUI_ERROR, "cannot count the %stimeline: %s", what,
			    src->strerror(src->ctx, err));
	}
	return *tl;
}

const struct hp_timeline *app_timeline(struct tui_app *a)
{
	return timeline_of(a, a->src, &a->filter, &a->timeline, &a->timeline_failed,
			   &a->timeline_sel, "");
}

const struct hp_timeline *app_baseline_timeline(struct tui_app *a, char *why, size_t len)
{
	struct hp_profile_filter g;
	char buf[320];
	if (why && len)
		why[0] = '\0';
	if (!a->base)
		return NULL;
	if (app_baseline_filter(a, &g, buf, sizeof(buf))) {
		if (why && len)
			snprintf(why, len, "%s", buf);
		return NULL;
	}
	return timeline_of(a, a->base_src, &g, &a->base_timeline, &a->base_timeline_failed,
			   &a->base_timeline_sel, "baseline's ");
}

/* The thread (tid != 0) or process of that id in p, and its name: 1 when p
 * has it. */
static int find_id(const struct hp_profile *p, uint32_t tid, uint32_t pid, const char **comm)
{
	const struct hp_pthread *t = tid ? app_thread_of(p, tid) : NULL;
	*comm = t ? t->comm : NULL;
	if (tid)
		return t != NULL;
	for (uint32_t i = 0; i < p->nprocesses; i++)
		if (p->processes[i].pid == pid) {
			*comm = p->processes[i].comm;
			return 1;
		}
	for (uint32_t i = 0; i < p->nthreads; i++)   /* a file without processes */
		if (p->threads[i].pid == pid)
			return 1;
	return 0;
}

/* The thread or process filter's counterpart in the baseline: the same id
 * with the same name. 1 with why when it has none. */
static int pair_id(const struct tui_app *a, const struct hp_profile_filter *f, char *why,
		   size_t len)
{
	const char *what = f->tid ? "thread" : "process", *mine, *theirs;
	uint32_t id = f->tid ? f->tid : f->pid;
	int here = find_id(a->p, f->tid, f->pid, &mine);
	int there = find_id(a->base, f->tid, f->pid, &theirs);
	if (here && there && (!mine || !theirs || !strcmp(mine, theirs)))
		return 0;
	const char *rule = "paired by id and name: both runs must come from one recording, e.g."
			   " a file and a copy cut shorter; separately started runs have other ids."
			   " A rank filter compares the same rank of two MPI jobs; x clears the filter";
	if (here && there)                    /* both named, differently */
		snprintf(why, len, "no comparison under a %s filter: %s %u of the before run is %s,"
			 " not %s (%ss are %s)", what, what, id, theirs, mine, what, rule);
	else
		snprintf(why, len, "no comparison under a %s filter: the before run has no %s %u"
			 " (%ss are %s)", what, what, id, what, rule);
	return 1;
}

int app_baseline_filter(struct tui_app *a, struct hp_profile_filter *g, char *why, size_t len)
{
	const struct hp_profile_filter *f = &a->filter;
	const struct hp_profile *p = a->p, *base = a->base;
	memset(g, 0, sizeof(*g));
	if (!base) {
		snprintf(why, len, "no --diff baseline");
		return 1;
	}
	if ((f->tid || f->pid) && pair_id(a, f, why, len))
		return 1;
	if (f->run) {
		int64_t rank = -1;
		for (uint32_t i = 0; i < p->nruns; i++)
			if (p->runs[i].id == f->run)
				rank = p->runs[i].rank;
		if (rank < 0) {
			snprintf(why, len, "no comparison: run %u of the after profile is no MPI rank,"
				 " so no rank of the before job matches it (x clears the filter)", f->run);
			return 1;
		}
		int j = profile_rank_index(base, rank);
		if (j < 0) {
			size_t n = (size_t)snprintf(why, len, "no comparison: the before job has no"
						    " rank %lld (its ranks:", (long long)rank);
			for (uint32_t i = 0; i < base->nruns && n + 32 < len; i++)
				if (base->runs[i].rank >= 0)
					n += (size_t)snprintf(why + n, len - n, " %lld",
							      (long long)base->runs[i].rank);
			if (n < len)
				snprintf(why + n, len - n, "; x clears the filter)");
			return 1;
		}
		g->run = base->runs[j].id;
	}
	g->tid = f->tid;
	g->pid = f->pid;
	g->t_from = f->t_from;
	g->t_to = f->t_to;
	return 0;
}

const struct hp_rank_timeline *app_rank_timeline(struct tui_app *a)
{
	int err;
	if (a->rank_timeline || a->rank_timeline_failed)
		return a->rank_timeline;
	a->rank_timeline_failed = 1;
	if (!a->src->rank_timeline)
		return NULL;
	if ((err = a->src->rank_timeline(a->src->ctx, a->p, TL_BUCKETS, &a->rank_timeline))) {
		a->rank_timeline = NULL;
		app_message(a, TUI_ERROR, "cannot count the ranks' timeline: %s",
			    a->src->strerror(a->src->ctx, err));
	}
	return a->rank_timeline;
}

const struct hp_rank_timeline *app_baseline_rank_timeline(struct tui_app *a)
{
	int err;
	if (a->base_rank_timeline || a->base_rank_timeline_failed)
		return a->base_rank_timeline;
	a->base_rank_timeline_failed = 1;
	if (!a->base || !a->base_src->rank_timeline)
		return NULL;
	if ((err = a->base_src->rank_timeline(a->base_src->ctx, a->base, TL_BUCKETS,
					      &a->base_rank_timeline))) {
		a->base_rank_timeline = NULL;
		app_message(a, TUI_ERROR, "cannot count the baseline ranks' timeline: %s",
			    a->base_src->strerror(a->base_src->ctx, err));
	}
	return a->base_rank_timeline;
}

int app_baseline_load(struct tui_app *a, const struct hp_profile_filter *f,
		      struct hp_profile **out)
{
	if (!a->base || !a->base_src || !a->base_src->load)
		return -ENOENT;
	return a->base_src->load(a->base_src->ctx, f, out);
}

void app_diff_opts(const struct tui_app *a, struct hp_diff_opts *o)
{
	diff_opts_init(o);
	if (a->alpha > 0) {           /* given by the command (alpha is never 0) */
		o->alpha = a->alpha;
		o->threshold = a->threshold;
	}
}

int app_alloc_sites(struct tui_app *a, int (*cb)(void *ctx, const struct tui_alloc_site *s),
		    void *ctx)
{
	return a->src->alloc_sites ? a->src->alloc_sites(a->src->ctx, cb, ctx) : 0;
}

int app_set_filter(struct tui_app *a, const struct hp_profile_filter *f)
{
	a->next_filter = *f;
	a->pending_filter = 1;
	return TUI_R_VIEW;
}

int app_switch(struct tui_app *a, int tab)
{
	if (tab < 0 || tab >= a->ntabs) {
		if (tab == DIFF_TAB)
			app_message(a, TUI_DIM, "no diff: start with --diff BASE.db");
		return TUI_R_VIEW;
	}
	a->pending_tab = tab + 1;
	return TUI_R_VIEW;
}

int app_push(struct tui_app *a, struct tui_view *v)
{
	if (!v) {
		if (!a->msg[0])
			app_message(a, TUI_ERROR, "out of memory");
		return TUI_R_VIEW;
	}
	if (a->depth == MAX_STACK) {
		v->ops->free(v);
		app_message(a, TUI_ERROR, "too many views open: go back first");
		return TUI_R_VIEW;
	}
	a->stack[a->depth++] = v;
	return TUI_R_VIEW;
}

/* Why function f has no source to show, in the words app_annotate_function
 * shows (annotate_source_why's, through the source view's reading), in
 * out; NULL when it has. */
static const char *source_missing(struct tui_app *a, uint32_t f, char *out, size_t len)
{
	uint32_t file_id, line;
	const char *path;
	if (annotate_function_line(a->p, f, &file_id, &line, &path))
		return annotate_source_why(a->p->functions[f].module, NULL, NULL, out, len);
	return view_source_missing(a, file_id, path, out, len);
}

int app_disasm_function(struct tui_app *a, uint32_t f)
{
	char why[512], reason[1024];
	struct tui_view *v = f < a->p->nfunctions
		? view_disasm_new(a, f, source_missing(a, f, reason, sizeof(reason)), why, sizeof(why))
		: NULL;
	if (!v) {
		if (f < a->p->nfunctions)
			app_message(a, TUI_ERROR, "no machine code for '%s': %s",
				    a->p->functions[f].name, why);
		return TUI_R_VIEW;
	}
	return app_push(a, v);
}

/* A reason is at most a third of the area, and leaves a row for code. */
static int why_max_rows(int h)
{
	return h / 3 > 1 ? h / 3 : 1;
}

int view_why_rows(const char *why, int w, int h)
{
	return why ? screen_wrapped_rows(why, w - 1, why_max_rows(h)) + 1 : 0;
}

int view_why_draw(struct tui_screen *sc, struct tui_rect r, const char *why)
{
	if (!why)
		return r.y + 1;
	return screen_put_wrapped_rows(sc, r.y + 1, r.x + 1, r.w - 1, why_max_rows(r.h), TUI_ERROR,
				       why) + 1;
}

/* Enter on a function: its source, else its machine code with why there
 * is no source (the words of `hpprof annotate`), else the source view
 * that says why (or a message when there is not even a file). */
int app_annotate_function(struct tui_app *a, uint32_t f)
{
	uint32_t file_id, line;
	const char *path;
	char why[512], reason[1024];
	if (f >= a->p->nfunctions)
		return TUI_R_VIEW;
	const char *module = a->p->functions[f].module;
	if (annotate_function_line(a->p, f, &file_id, &line, &path)) {
		annotate_source_why(module, NULL, NULL, reason, sizeof(reason));
		struct tui_view *d = view_disasm_new(a, f, reason, why, sizeof(why));
		if (d)
			return app_push(a, d);
		app_message(a, TUI_ERROR, "'%s': %s; no machine code either: %s",
			    a->p->functions[f].name, reason, why);
		return TUI_R_VIEW;
	}
	struct tui_view *v = view_source_new(a, file_id, path, line);
	const char *missing = v ? view_source_why(v) : NULL;
	if (missing) {
		/* Nothing to read there: the machine code says more, when it can. */
		struct tui_view *d = view_disasm_new(a, f, missing, why, sizeof(why));
		if (d) {
			v->ops->free(v);
			v = d;
		}
	}
	return app_push(a, v);
}

int app_annotate_file(struct tui_app *a, uint32_t file_id, const char *path, uint32_t line)
{
	if (!path) {
		app_message(a, TUI_ERROR, "no source file for this line");
		return TUI_R_VIEW;
	}
	return app_push(a, view_source_new(a, file_id, path, line));
}

int app_open_calltree(struct tui_app *a, int callers, uint32_t f, uint32_t li)
{
	return app_push(a, view_calltree_new(a, callers, f, li));
}

/* --- tabs and the stack --- */
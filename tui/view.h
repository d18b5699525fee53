/*
 * view.h - views and the application state they share.
 *
 * A view is a small object with a function table (htop's model): draw into
 * a rectangle of the screen grid, handle an action, search, describe its
 * position for the status line, rebuild after the profile changed. Every
 * action handler returns what to redraw (TUI_R_*). The app (app.c) owns
 * the profile, the filter, the tab views and the view stack; views reach
 * it through the app_* functions below, never through curses or SQL.
 */
#ifndef HP_TUI_VIEW_H
#define HP_TUI_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/profile.h"
#include "tui/keys.h"
#include "tui/screen.h"

struct tui_app;
struct tui_source;
struct hp_timeline;
struct hp_rank_timeline;

/* What an action handler asks for. */
enum {
	TUI_R_NONE = 0,               /* nothing changed */
	TUI_R_VIEW = 1,               /* redraw the screen */
	TUI_R_QUIT = 2,
	TUI_R_UNHANDLED = 4,          /* not this view's action: the app tries */
};

struct tui_view;

struct tui_view_ops {
	const char *name;             /* as --dump and --view write it */
	unsigned kind;                /* TUI_V_* bit: which key bindings apply */
	void (*draw)(struct tui_view *v, struct tui_screen *s, struct tui_rect r);
	int (*action)(struct tui_view *v, enum tui_action a, int arg);
	/* Select the next (dir 1) or previous (-1) match of needle after the
	 * selection; 1 when found. NULL: the view cannot search. */
	int (*search)(struct tui_view *v, const char *needle, int dir);
	/* Right part of the status line (position, sort, hints). May be NULL. */
	void (*status)(struct tui_view *v, char *buf, size_t len);
	/* The profile was replaced (filter change): rebuild. Views pushed by a
	 * drill-down have none and are closed instead. */
	int (*reload)(struct tui_view *v);
	void (*free)(struct tui_view *v);
};

struct tui_view {
	const struct tui_view_ops *ops;
	struct tui_app *app;
	char title[160];              /* left part of the status line */
};

/* --- what views may ask of the app --- */

/* The profile on screen (filtered), and the comparison profile of --diff
 * (NULL without). Valid until the next reload. */
const struct hp_profile *app_profile(const struct tui_app *a);
const struct hp_profile *app_baseline(const struct tui_app *a);
/* The samples-per-interval timeline over the whole run of the threads the
 * filter selects (its thread, process or rank; its time range is not
 * applied), counted on first use and again when those change; NULL when
 * unavailable (a message says why). */
const struct hp_timeline *app_timeline(struct tui_app *a);
/* The same of the --diff baseline under app_baseline_filter's pairing of
 * the filter; NULL without a baseline, when unavailable, or when nothing
 * of it pairs with the filter (why, when not NULL, says so; "" otherwise). */
const struct hp_timeline *app_baseline_timeline(struct tui_app *a, char *why, size_t len);
/* The filter of the --diff baseline that selects what the filter on screen
 * selects of the after run: the same rank (by its MPI rank number), the
 * same thread or process (by its id, when the baseline has a thread or
 * process of that id and name: both runs of one recording, e.g. a file and
 * a copy cut shorter; separately started runs have other ids) and the same
 * time range from each run's start. 0 with *g, or 1 with why (a sentence
 * for the screen) when no part of the baseline pairs with it. */
int app_baseline_filter(struct tui_app *a, struct hp_profile_filter *g, char *why, size_t len);
/* Samples per interval of every run (MPI rank), compute and MPI apart,
 * loaded on first use; NULL when unavailable. */
const struct hp_rank_timeline *app_rank_timeline(struct tui_app *a);
/* The same of the --diff baseline (rows: its runs[]); NULL without. */
const struct hp_rank_timeline *app_baseline_rank_timeline(struct tui_app *a);
/* The --diff baseline loaded under filter f (the caller owns *out:
 * profile_free). 0, -ENOENT without a baseline, or a negative error. */
int app_baseline_load(struct tui_app *a, const struct hp_profile_filter *f,
		      struct hp_profile **out);
/* `hpprof diff`'s options with the --alpha and --threshold tui was given. */
struct hp_diff_opts;
void app_diff_opts(const struct tui_app *a, struct hp_diff_opts *o);
/* Call cb for each allocation site of the run, most bytes first (nothing
 * when the run did not track allocations). 0 or a negative error. */
struct tui_alloc_site;
int app_alloc_sites(struct tui_app *a, int (*cb)(void *ctx, const struct tui_alloc_site *s),
		    void *ctx);
/* The current filter (all zero when none). */
const struct hp_profile_filter *app_filter(const struct tui_app *a);
/* Reload every view with a new filter. Returns TUI_R_VIEW. */
int app_set_filter(struct tui_app *a, const struct hp_profile_filter *f);
/* The rectangle views draw in (known before the first draw). */
struct tui_rect app_area(const struct tui_app *a);
/* Push a view on the stack (the app owns it from now on). */
int app_push(struct tui_app *a, struct tui_view *v);
/* Switch to tab i (0-based). */
int app_switch(struct tui_app *a, int tab);
/* A one-line message on the status line until the next key. */
void app_message(struct tui_app *a, int role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Path of the database on screen (title, messages), and of the --diff
 * baseline (NULL without). */
const char *app_db_path(const struct tui_app *a);
const char *app_baseline_path(const struct tui_app *a);
/* The run's working directory from run_info, for relative source paths. */
const char *app_run_cwd(const struct tui_app *a);
/* Name of thread tid ("1234 comm"), in a static buffer. */
const char *app_thread_label(const struct tui_app *a, uint32_t tid);
/* The same of a thread of profile p (e.g. the --diff baseline's). */
const char *app_thread_label_of(const struct hp_profile *p, uint32_t tid);
/* p's thread of that tid, or NULL. */
const struct hp_pthread *app_thread_of(const struct hp_profile *p, uint32_t tid);

/* --- drill-downs shared by several views --- */

/* Open the source view on the hottest line of function f; its machine code
 * when it has no line information or its source file cannot be read. */
int app_annotate_function(struct tui_app *a, uint32_t f);
/* Open the machine code of function f, with why it has no source when it
 * has none (as app_annotate_function says it); a message says why when
 * there is no machine code: no binary, a changed one. */
int app_disasm_function(struct tui_app *a, uint32_t f);
/* Open the source view of file_id at line (0: its hottest line). */
int app_annotate_file(struct tui_app *a, uint32_t file_id, const char *path, uint32_t line);
/* Open a call tree focused on function f (callers: bottom-up) or on the
 * stacks that end in profile line li (f = HP_CT_NONE). */
int app_open_calltree(struct tui_app *a, int callers, uint32_t f, uint32_t li);

/* --- views --- */
struct tui_view *view_summary_new(struct tui_app *a);
struct tui_view *view_functions_new(struct tui_app *a);
struct tui_view *view_lines_new(struct tui_app *a);
struct tui_view *view_calltree_new(struct tui_app *a, int bottom_up, uint32_t focus_func,
				   uint32_t leaf_line);
/* The same, of the stacks with a weight in column col only, ordered and
 * shown by it (the memory view's callers of an allocation site). */
struct tui_view *view_calltree_new_weighted(struct tui_app *a, int bottom_up,
					    uint32_t focus_func, int col);
struct tui_view *view_flame_new(struct tui_app *a);
/* The flame graph of the stacks with a weight in profile column col (an
 * index into events[], e.g. "alloc-bytes"), frames as wide as it. */
struct tui_view *view_flame_new_weighted(struct tui_app *a, int col);
struct tui_view *view_memory_new(struct tui_app *a);
struct tui_view *view_threads_new(struct tui_app *a);
struct tui_view *view_timeline_new(struct tui_app *a);
struct tui_view *view_diff_new(struct tui_app *a);
struct tui_view *view_ranks_new(struct tui_app *a);
struct tui_view *view_source_new(struct tui_app *a, uint32_t file_id, const char *path,
				 uint32_t line);
/* Why the source view shows no text (annotate_source_why's words), or
 * NULL when it could read its file. */
const char *view_source_why(const struct tui_view *v);
/* What view_source_why would say of a source view of file_id (path as
 * recorded, NULL when none), written to out[0..len): out, or NULL when
 * the file can be read. Reads the file, computes no costs. */
const char *view_source_missing(struct tui_app *a, uint32_t file_id, const char *path,
				char *out, size_t len);
/* Function f's machine code; NULL with the reason in why when none.
 * reason: why the function has no source to show (kept on screen), NULL
 * when it has. */
struct tui_view *view_disasm_new(struct tui_app *a, uint32_t f, const char *reason, char *why,
				 size_t whylen);
/* The rows a reason (why there is no source: NULL for none) takes under
 * a view's header in area r: its text wrapped (at most a third of r) and
 * a blank row. */
int view_why_rows(const char *why, int w, int h);
/* Draws it in red from the row under r's header; the first row after. */
int view_why_draw(struct tui_screen *sc, struct tui_rect r, const char *why);
/* Help for the keys of views of kind `kind`, generated from the key table. */
struct tui_view *view_help_new(struct tui_app *a, unsigned kind, const char *view_name);

#endif

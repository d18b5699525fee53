/*
 * tui.h - the terminal profile browser (`hpprof tui`): the entry points the
 * command layer calls.
 *
 * The browser never opens a database: the command passes a tui_source whose
 * callbacks (re)load a profile with a filter, or count the timeline, through
 * the analyzer. It owns the profiles it is handed.
 */
#ifndef HP_TUI_H
#define HP_TUI_H

#include <stdint.h>

struct hp_profile;
struct hp_profile_filter;
struct hp_timeline;
struct hp_rank_timeline;

/* An allocation site as the memory view lists it (strings valid during
 * the callback only). */
struct tui_alloc_site {
	const char *function, *file;
	uint32_t line;
	uint64_t allocs, bytes, peak_bytes, leaked_bytes;
};

struct tui_source {
	const char *path;             /* shown in the title bar and messages */
	void *ctx;
	/* Load the profile under filter f (NULL: everything). 0 or a negative error. */
	int (*load)(void *ctx, const struct hp_profile_filter *f, struct hp_profile **out);
	/* Count samples per interval over the whole run, of the threads f
	 * selects (its tid, pid and run; NULL: all; timeline_load_where). May
	 * be NULL. */
	int (*timeline)(void *ctx, const struct hp_profile_filter *f, uint32_t nbuckets,
			struct hp_timeline **out);
	/* Call cb for each allocation site of the run, most bytes first; cb
	 * returns non-zero to stop. May be NULL (no allocation tracking). */
	int (*alloc_sites)(void *ctx, int (*cb)(void *cbctx, const struct tui_alloc_site *s),
			   void *cbctx);
	/* Text for an error the callbacks returned. */
	const char *(*strerror)(void *ctx, int err);
	/* Count samples per interval of every run (MPI rank) of p, compute and
	 * MPI apart (ranks.h; may be NULL). */
	int (*rank_timeline)(void *ctx, const struct hp_profile *p, uint32_t nbuckets,
			     struct hp_rank_timeline **out);
};

struct tui_opts {
	const char *view;             /* first view (tui_view_known); NULL: summary */
	int dump;                     /* 1: print the view as text instead of browsing */
	int width, height;            /* dump size (default 100 x 30) */
	const char *keys;             /* dump: keys to play first (keys_parse notation) */
	int color;                    /* 0: never use colors */
	uint32_t run;                 /* p holds only this run (--rank: runs.id), 0: all */
	uint64_t t_from, t_to;        /* p holds only this time range (--from/--to), 0: all */
	double alpha, threshold;      /* --diff: `hpprof diff`'s --alpha and --threshold;
				       * alpha 0: both its defaults */
};

/* 1 when name is a view --view and --dump accept. */
int tui_view_known(const char *name);
/* The accepted view names, space separated. */
const char *tui_view_names(void);

/* Browse p (loaded from src) interactively, or dump one view. base and
 * base_src are the --diff baseline (both NULL without --diff). Takes
 * ownership of p and base. Returns the exit status: 0, 1 on error (after
 * printing it, with the terminal restored), or 128 + signal. */
int tui_main(const struct tui_source *src, struct hp_profile *p,
	     const struct tui_source *base_src, struct hp_profile *base,
	     const struct tui_opts *o);

#endif

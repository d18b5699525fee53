/*
 * app_priv.h - the browser's application object (struct tui_app), shared
 * by app.c (tabs, stack, drawing, the main loop) and app_ask.c (what the
 * views may ask of it). Private to those two files.
 */
#ifndef HP_TUI_APP_PRIV_H
#define HP_TUI_APP_PRIV_H

#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "analyzer/timeline.h"
#include "tui/screen.h"
#include "tui/tui.h"
#include "tui/view.h"

#define MAX_STACK     32
#define TL_BUCKETS    2048
#define CACHE         4               /* profiles kept for filters seen before */
#define NTABS         9               /* app.c's tabs[]: checked there */
#define DIFF_TAB      (NTABS - 1)     /* the last tab, present with --diff */

struct tui_app {
	const struct tui_source *src, *base_src;
	struct hp_profile *p, *base;
	struct hp_profile_filter filter;
	double alpha, threshold;      /* tui_opts' (alpha 0: diff's defaults) */
	struct hp_timeline *timeline;
	int timeline_failed;
	struct hp_profile_filter timeline_sel;         /* the threads it counts (tid, pid, run) */
	struct hp_timeline *base_timeline;             /* of the --diff baseline */
	int base_timeline_failed;
	struct hp_profile_filter base_timeline_sel;
	struct hp_rank_timeline *rank_timeline;
	int rank_timeline_failed;
	struct hp_rank_timeline *base_rank_timeline;   /* of the --diff baseline */
	int base_rank_timeline_failed;
	uint32_t *thread_order;       /* tids by samples, for `t` */
	uint32_t nthread_order;

	struct tui_view *tabs[NTABS]; /* created on first use */
	int ntabs;                    /* NTABS with --diff, else one less */
	int tab;
	struct tui_view *stack[MAX_STACK];
	int depth;                    /* stack[0] is tabs[tab] */

	struct tui_screen screen;
	char msg[256];
	int msg_role;
	int prompting;
	char input[128];
	char search[128];

	int pending_filter, pending_tab;
	struct hp_profile_filter next_filter;

	/* Profiles of earlier filters, so that going back (x, cycling t) does
	 * not read the samples again. Least recently used first. */
	struct cached {
		struct hp_profile_filter filter;
		struct hp_profile *p;
	} cache[CACHE];
	int ncache;
};


#endif

/*
 * view_threads.c - processes and threads: the processes of the run (exit
 * status, peak RSS, samples) above the thread column table (columns.h).
 * Enter shows only the selected thread in every view, p only its process;
 * x (anywhere) shows everything again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyzer/profile.h"
#include "tui/chart.h"
#include "tui/colors.h"
#include "tui/table.h"
#include "tui/view.h"

#define MAX_PROCESS_ROWS 6

struct threads {
	struct tui_view base;
	struct tui_table table;
};

static int process_rows(const struct hp_profile *p)
{
	return p->nprocesses ? 2 + (int)(p->nprocesses < MAX_PROCESS_ROWS ? p->nprocesses
								   : MAX_PROCESS_ROWS) : 0;
}

/* A process's share: of the samples, or, in a merge of runs at different
 * rates, of the CPU time (its threads' samples x their run's period). */
static double process_share(const struct hp_profile *p, const struct hp_pprocess *pr)
{
	int64_t ns = 0, all = p->cpu_col >= 0 ? p->events[p->cpu_col].total : 0;
	if (all <= 0)
		return profile_pct(p, pr->samples);
	for (uint32_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].pid == pr->pid)
			ns += profile_thread_cpu_ns(p, &p->threads[i], p->threads[i].samples);
	return 100.0 * (double)ns / (double)all;
}

static void draw_processes(const struct hp_profile *p, struct tui_screen *s, struct tui_rect r)
{
	screen_fill(s, r.y, r.x, r.w, TUI_HEADER, ' ');
	screen_printf(s, r.y, r.x, r.w, TUI_HEADER, "%8s %8s %9s %7s %6s %10s  %s", "PID", "PPID",
		      "Samples", "Share%", "Exit", "Peak RSS", "Process");
	for (uint32_t i = 0; i < p->nprocesses && i < MAX_PROCESS_ROWS; i++) {
		const struct hp_pprocess *pr = &p->processes[i];
		char ex[16] = "?", rss[24] = "?", ppid[16], smp[24] = "-", share[16] = "-";
		if (pr->exit_code >= 0)
			snprintf(ex, sizeof(ex), "%d", pr->exit_code);
		if (pr->peak_rss >= 0)
			chart_bytes((double)pr->peak_rss, rss, sizeof(rss));
		if (!profile_simulated_only(p)) {      /* a simulated run has no samples */
			snprintf(smp, sizeof(smp), "%" PRIu64, pr->samples);
			snprintf(share, sizeof(share), "%.2f", process_share(p, pr));
		}
		screen_printf(s, r.y + 1 + (int)i, r.x, r.w, TUI_NORMAL,
			      "%8u %8s %9s %7s %6s %10s  %s", pr->pid,
			      profile_ppid_text(pr, ppid, sizeof(ppid)), smp, share, ex, rss,
			      pr->exe ? pr->exe : pr->comm ? pr->comm : "?");
	}
}

static struct tui_rect list_rect(const struct threads *t, struct tui_rect r)
{
	int top = process_rows(app_profile(t->base.app));
	r.y += top;
	r.h -= top;
	return r;
}

static void threads_draw(struct tui_view *v, struct tui_screen *s, struct tui_rect r)
{
	struct threads *t = (struct threads *)v;
	const struct hp_profile *p = app_profile(v->app);
	if (p->nprocesses)
		draw_processes(p, s, r);
	list_draw(&t->table.list, s, list_rect(t, r));
}

static int threads_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct threads *t = (struct threads *)v;
	const struct hp_profile *p = app_profile(v->app);
	uint32_t row = table_selected(&t->table);
	struct hp_profile_filter f = *app_filter(v->app);
	if ((a == TUI_A_ENTER || a == TUI_A_PROCESS) && row != UINT32_MAX) {
		f.tid = a == TUI_A_ENTER ? p->threads[row].tid : 0;
		f.pid = a == TUI_A_PROCESS ? p->threads[row].pid : 0;
		app_set_filter(v->app, &f);
		return app_switch(v->app, 1);
	}
	if (a >= TUI_A_UP && a <= TUI_A_END)
		return list_action(&t->table.list, a, list_rect(t, app_area(v->app)).h);
	return table_action(&t->table, a);
}

static int threads_search(struct tui_view *v, const char *needle, int dir)
{
	struct threads *t = (struct threads *)v;
	return list_find(&t->table.list, needle, dir, list_rect(t, app_area(v->app)).h);
}

static void threads_status(struct tui_view *v, char *buf, size_t len)
{
	list_position(&((struct threads *)v)->table.list, buf, len);
}

static int threads_reload(struct tui_view *v)
{
	return table_reload(&((struct threads *)v)->table);
}

static void threads_free(struct tui_view *v)
{
	table_release(&((struct threads *)v)->table);
	free(v);
}

static const struct tui_view_ops threads_ops = {
	.name = "threads", .kind = TUI_V_THREADS, .draw = threads_draw,
	.action = threads_action, .search = threads_search, .status = threads_status,
	.reload = threads_reload, .free = threads_free,
};

struct tui_view *view_threads_new(struct tui_app *a)
{
	struct threads *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->base.ops = &threads_ops;
	t->base.app = a;
	snprintf(t->base.title, sizeof(t->base.title),
		 "Processes and threads (Enter: only this thread, p: only its process)");
	if (table_init(&t->table, a, HP_ROWS_THREADS, "samples", "")) {
		free(t);
		return NULL;
	}
	return &t->base;
}

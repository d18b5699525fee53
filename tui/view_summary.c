/*
 * view_summary.c - the first screen: what ran, for how long, how many
 * samples, every counter event with its total or why it was not measured
 * (grouped into warnings such as "no PMU: ... not measured"), the hottest
 * function and line, and the processes with their peak RSS. With --diff
 * the before run's facts follow the run's, with the change of duration.
 *
 * Reads the profile's meta, events, functions, lines and processes; draws
 * a text pane.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/columns.h"
#include "analyzer/census.h"
#include "analyzer/memreport.h"
#include "analyzer/profile.h"
#include "analyzer/report_kernel.h"
#include "analyzer/report.h"
#include "analyzer/unseen.h"
#include "common/textsafe.h"
#include "tui/colors.h"
#include "tui/text.h"
#include "tui/view.h"

struct summary {
	struct tui_view base;
	struct tui_text text;
	const char *of;               /* --diff: " of the after run" in the headers below */
};

static const char *meta(const struct hp_profile *p, const char *key, const char *dflt)
{
	const char *v = profile_meta(p, key);
	return v && *v ? v : dflt;
}

/* A run simulated instead of sampled (run --cache-sim): the simulator,
 * its caches, and the simulated totals shown in the tables. */
static void add_simulation(struct summary *s, const struct hp_profile *p)
{
	static const char *const caches[] = { "sim_I1", "sim_D1", "sim_LL" };
	struct tui_text *t = &s->text;
	text_add(t, TUI_NORMAL, "%s", "");
	text_add(t, TUI_HEADER, "Counters SIMULATED by %s - not measured by hardware",
		 meta(p, "sim_tool", "cachegrind"));
	for (int i = 0; i < 3; i++)
		if (profile_meta(p, caches[i]))
			text_add(t, TUI_NORMAL, "  %s cache         %s", caches[i] + 4,
				 profile_meta(p, caches[i]));
	for (uint32_t e = 0; e < p->nevents; e++)
		if (!strcmp(p->events[e].role, "simulated") && columns_event_shown(p, e))
			text_add(t, TUI_NORMAL, "  %-22s %15" PRId64, p->events[e].name,
				 p->events[e].total);
}

/* The run's facts under title: the after run (on screen, under the
 * filter) or, with --diff, the before run (the whole BASE, as the diff
 * view compares it). */
static void add_run(struct summary *s, const struct hp_profile *p, const char *title,
		    const char *db, int filtered)
{
	struct tui_text *t = &s->text;
	struct hp_census census;
	char stacks[160];
	char exit_s[64], freq[64], lost[96];
	census_shown(p, filtered, &census);
	report_exit_text(p, exit_s, sizeof(exit_s));        /* as `hpprof report` says it */
	report_frequency_text(p, freq, sizeof(freq));
	report_lost_text(p, lost, sizeof(lost));
	text_add(t, TUI_HEADER, "%s", title);
	text_add(t, TUI_NORMAL, "  command          %s", meta(p, "command", "?"));
	const char *label, *value;
	for (unsigned i = 0; report_merged_fact(p, i, &label, &value); i++)
		if (value)
			text_add(t, TUI_NORMAL, "  %-16s %s", label, value);
	text_add(t, TUI_NORMAL, "  database         %s", db);
	text_add(t, TUI_NORMAL, "  duration         %.3f s        exit status %s%s",
		 (double)p->duration_ns / 1e9, exit_s,
		 !strcmp(meta(p, "interrupted", "0"), "1") ? " (interrupted)" : "");
	if (profile_simulated_only(p)) {
		text_add(t, TUI_NORMAL, "  samples          none: simulated under valgrind instead");
		return;
	}
	text_add(t, TUI_NORMAL, "  samples          %" PRIu64 "%s    lost %s    frequency %s",
		 p->nsamples, filtered ? " (filtered)" : "", lost, freq);
	text_add(t, TUI_NORMAL, "  call graph       %s, %s", meta(p, "call_graph", "?"),
		 census_describe(&census, stacks, sizeof(stacks)));
}

/* --diff: the before run beside the after run, the change of duration,
 * and where the two are compared. */
static void add_before(struct summary *s, const struct hp_profile *before,
		       const struct hp_profile *after)
{
	struct tui_text *t = &s->text;
	text_add(t, TUI_NORMAL, "%s", "");
	add_run(s, before, "Before (--diff BASE, the whole run)", app_baseline_path(s->base.app), 0);
	if (before->duration_ns && after->duration_ns)
		text_add(t, TUI_NORMAL, "  duration change  %.3f s -> %.3f s (%+.1f%%, after/before"
			 " x%.3f)", (double)before->duration_ns / 1e9,
			 (double)after->duration_ns / 1e9, 100.0 * ((double)after->duration_ns /
			 (double)before->duration_ns - 1), (double)after->duration_ns /
			 (double)before->duration_ns);
	else
		text_add(t, TUI_DIM, "  duration change  not compared: a run has no duration recorded");
	text_add(t, TUI_DIM, "  compared: here, in 9 Diff (functions, lines), 5 Flame (differential),");
	text_add(t, TUI_DIM, "  8 Timeline (one time axis) and r (MPI ranks); the other views and the");
	text_add(t, TUI_DIM, "  sections below show the after run only");
}

static void add_counters(struct summary *s, const struct hp_profile *p)
{
	struct tui_text *t = &s->text;
	uint32_t n = 0;
	for (uint32_t e = 0; e < p->nevents; e++)
		n += strcmp(p->events[e].role, "simulated") != 0;
	if (!n)
		return;
	text_add(t, TUI_NORMAL, "%s", "");
	text_add(t, TUI_HEADER, "Counters%s (whole run)", s->of);
	for (uint32_t e = 0; e < p->nevents; e++) {
		const struct hp_pevent *ev = &p->events[e];
		if (!strcmp(ev->role, "simulated"))
			continue;             /* add_simulation */
		if (!strcmp(ev->role, "alloc"))
			continue;             /* the memory view's */
		char unit[64];
		if (ev->measured)
			text_add(t, TUI_NORMAL, "  %-22s %15" PRId64 "%s%s", ev->name, ev->total,
				 profile_count_unit(ev, ev->total, unit, sizeof(unit)),
				 ev->running_pct < 99.5 ? "  (multiplexed, scaled)" : "");
		else
			text_add(t, TUI_DIM, "  %-22s %15s  %s", ev->name, "n/a",
				 ev->reason ? ev->reason : "not measured");
	}
}

static void warn_header(struct summary *s, int *header)
{
	if ((*header)++)
		return;
	text_add(&s->text, TUI_NORMAL, "%s", "");
	text_add(&s->text, TUI_HEADER, "Warnings%s", s->of);
}

/* Under --alloc the tracker runs in the target: its own work (the stack
 * it unwinds for each call, memreport_tool_stack) is sampled with the
 * program's and tops the functions (sqlite3: libunwind 32.8% self, the
 * tracker 41% in all, wave 17). Say how much of the profile it is. */
static void add_tracker_warning(struct summary *s, const struct hp_profile *p, int *header)
{
	double share = memreport_tool_share(p);
	if (share <= 0)
		return;
	warn_header(s, header);
	text_add(&s->text, TUI_ERROR, "  ! %.1f%% of the samples are hpprof's allocation tracker, "
		 "not the program", 100.0 * share);
	text_add(&s->text, TUI_DIM, "    libhpprof_alloc.so recording each call's stack (--alloc); "
		 "for CPU time, profile without --alloc");
}

/* One warning per distinct reason, naming every event it applies to. */
static void add_warnings(struct summary *s, const struct hp_profile *p)
{
	struct tui_text *t = &s->text;
	const char *lost = profile_meta(p, "lost_samples");
	int header = 0;
	for (uint32_t e = 0; e < p->nevents; e++) {
		const struct hp_pevent *ev = &p->events[e];
		const char *why = ev->reason ? ev->reason : "not measured";
		char names[512];
		size_t n = 0;
		int seen = 0;
		if (ev->measured)
			continue;
		for (uint32_t k = 0; k < e && !seen; k++)
			seen = !p->events[k].measured &&
			       !strcmp(p->events[k].reason ? p->events[k].reason : "not measured", why);
		if (seen)
			continue;
		names[0] = '\0';
		for (uint32_t k = e; k < p->nevents && n < sizeof(names); k++)
			if (!p->events[k].measured &&
			    !strcmp(p->events[k].reason ? p->events[k].reason : "not measured", why))
				n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
						      p->events[k].name);
		warn_header(s, &header);
		text_add(t, TUI_ERROR, "  ! %s%s not measured", strstr(why, "PMU") ? "no PMU: " : "",
			 names);
		text_add(t, TUI_DIM, "    %s", why);
	}
	char note[768], *why;
	if (report_kernel_note_of(p, note, sizeof(note)) && (why = strstr(note, ": "))) {
		*why = '\0';
		warn_header(s, &header);
		text_add(t, TUI_ERROR, "  ! %s", note);
		text_add(t, TUI_DIM, "    %s", why + 2);
	}
	if (report_privileged_note_of(p, note, sizeof(note)) && (why = strstr(note, " (the"))) {
		const char *first = profile_meta(p, "privileged_exec");
		char safe[sizeof(note)];
		*why = '\0';
		warn_header(s, &header);
		text_add(t, TUI_ERROR, "  ! %s", note);
		text_add(t, TUI_DIM, "    the kernel stops perf events at such an exec%s%s",
			 first ? "; the first: " : "", first ? textsafe(first, safe, sizeof(safe)) : "");
	}
	if (lost && atoll(lost) > 0) {
		warn_header(s, &header);
		text_add(t, TUI_ERROR, "  ! %s samples were lost (the ring buffers overflowed)", lost);
	}
	if (unseen_note(p, note, sizeof(note)) && (why = strstr(note, ", more than"))) {
		*why = '\0';
		warn_header(s, &header);
		text_add(t, TUI_ERROR, "  ! %s", note);
		text_add(t, TUI_DIM, "    %s", why + 2);
	}
	add_tracker_warning(s, p, &header);
	if (memreport_untracked_note(p, note, sizeof(note)) && (why = strstr(note, ": the"))) {
		char safe[sizeof(note)];
		*why = '\0';
		warn_header(s, &header);
		text_add(t, TUI_ERROR, "  ! %s", textsafe(note, safe, sizeof(safe)));
		text_add(t, TUI_DIM, "    %s", why + 2);
	}
}

/* The function and the source line with the most simulated instructions;
 * when code without line information (a stripped library: cachegrind
 * gives it no file) has more, the share that has none, and where. */
static void add_hottest_simulated(struct summary *s, const struct hp_profile *p)
{
	int e = profile_event_index(p, "sim_Ir");
	uint32_t bf = UINT32_MAX, bl = UINT32_MAX, bu = UINT32_MAX;
	int64_t all = 0, unknown = 0;
	if (e < 0)
		return;
	for (uint32_t i = 0; i < p->nfunctions; i++)
		if (bf == UINT32_MAX || p->functions[i].cself[e] > p->functions[bf].cself[e])
			bf = i;
	for (uint32_t i = 0; i < p->nlines; i++) {
		uint32_t *best = p->lines[i].file ? &bl : &bu;
		all += p->lines[i].c[e];
		unknown += p->lines[i].file ? 0 : p->lines[i].c[e];
		if (*best == UINT32_MAX || p->lines[i].c[e] > p->lines[*best].c[e])
			*best = i;
	}
	if (bf != UINT32_MAX)
		text_add(&s->text, TUI_HOT, "  function  %14" PRId64 " sim_Ir  %s  (2: functions)",
			 p->functions[bf].cself[e], p->functions[bf].name);
	if (bl != UINT32_MAX)
		text_add(&s->text, TUI_HOT, "  line      %14" PRId64 " sim_Ir  %s:%u in %s",
			 p->lines[bl].c[e], stacks_basename(p->lines[bl].file), p->lines[bl].line,
			 p->functions[p->lines[bl].func].name);
	if (bu != UINT32_MAX && (bl == UINT32_MAX || p->lines[bu].c[e] > p->lines[bl].c[e])) {
		const char *m = p->functions[p->lines[bu].func].module;
		text_add(&s->text, TUI_DIM, "  %.1f%% of sim_Ir in code without line information%s%s%s",
			 all ? 100.0 * (double)unknown / (double)all : 0.0, m ? " (most in " : "",
			 m ? stacks_basename(m) : "", m ? ")" : "");
	}
}

static void add_hottest(struct summary *s, const struct hp_profile *p)
{
	struct tui_text *t = &s->text;
	uint32_t *f = profile_functions_by_self(p), *l = profile_lines_by_self(p);
	text_add(t, TUI_NORMAL, "%s", "");
	text_add(t, TUI_HEADER, "Hottest%s", s->of);
	if (profile_simulated_only(p)) {
		add_hottest_simulated(s, p);
	} else if (!p->nsamples) {
		text_add(t, TUI_DIM, "  no samples in this selection (the program may have run too briefly)");
	} else {
		if (f && p->nfunctions)
			text_add(t, colors_heat(profile_share(p, p->functions[f[0]].self,
							      p->functions[f[0]].cself)),
				 "  function  %6.2f%%  %s  (2: functions, Enter: source)",
				 profile_share(p, p->functions[f[0]].self, p->functions[f[0]].cself),
				 p->functions[f[0]].name);
		if (l && p->nlines) {
			const struct hp_pline *x = &p->lines[l[0]];
			const char *b = stacks_basename(x->file);
			double self = profile_share(p, x->self, x->c);
			text_add(t, colors_heat(self), "  line      %6.2f%%  %s:%u in %s", self,
				 b ? b : "??", x->line, p->functions[x->func].name);
		}
	}
	free(f);
	free(l);
}

static void add_processes(struct summary *s, const struct hp_profile *p)
{
	struct tui_text *t = &s->text;
	if (!p->nprocesses)
		return;
	text_add(t, TUI_NORMAL, "%s", "");
	text_add(t, TUI_HEADER, "Processes%s", s->of);
	text_add(t, TUI_DIM, "  %8s %8s %9s %6s %10s  %s", "PID", "PPID", "Samples", "Exit",
		 "Peak RSS", "Command");
	for (uint32_t i = 0; i < p->nprocesses; i++) {
		const struct hp_pprocess *r = &p->processes[i];
		char ex[16] = "?", rss[24] = "?";
		if (r->exit_code >= 0)
			snprintf(ex, sizeof(ex), "%d", r->exit_code);
		if (r->peak_rss >= 0)
			snprintf(rss, sizeof(rss), "%.1f MiB", (double)r->peak_rss / 1048576.0);
		char smp[24] = "-";           /* a simulated run has none */
		if (!profile_simulated_only(p))
			snprintf(smp, sizeof(smp), "%" PRIu64, r->samples);
		char ppid[16];
		text_add(t, TUI_NORMAL, "  %8u %8s %9s %6s %10s  %s", r->pid,
			 profile_ppid_text(r, ppid, sizeof(ppid)), smp, ex, rss,
			 r->exe ? r->exe : r->comm ? r->comm : "?");
	}
}

static int summary_reload(struct tui_view *v)
{
	struct summary *s = (struct summary *)v;
	const struct hp_profile *p = app_profile(v->app);
	int top = s->text.top;
	text_clear(&s->text);
	const struct hp_profile_filter *f = app_filter(v->app);
	s->of = app_baseline(v->app) ? " of the after run" : "";
	add_run(s, p, app_baseline(v->app) ? "After (this run)" : "Run", app_db_path(v->app),
		f->tid || f->pid || f->t_from || f->t_to);
	if (app_baseline(v->app))
		add_before(s, app_baseline(v->app), p);
	if (profile_meta(p, "simulation"))
		add_simulation(s, p);
	add_counters(s, p);
	add_warnings(s, p);
	add_hottest(s, p);
	add_processes(s, p);
	s->text.top = top;
	return 0;
}

static void summary_draw(struct tui_view *v, struct tui_screen *sc, struct tui_rect r)
{
	struct summary *s = (struct summary *)v;
	r.x += 1;
	r.w -= 1;
	text_draw(&s->text, sc, r);
}

static int summary_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct summary *s = (struct summary *)v;
	if (a == TUI_A_ENTER) {
		uint32_t *f = profile_functions_by_self(app_profile(v->app));
		int r = f && app_profile(v->app)->nfunctions ? app_annotate_function(v->app, f[0])
							       : TUI_R_VIEW;
		free(f);
		return r;
	}
	return text_action(&s->text, a, app_area(v->app).h);
}

static int summary_search(struct tui_view *v, const char *needle, int dir)
{
	return text_find(&((struct summary *)v)->text, needle, dir);
}

static void summary_free(struct tui_view *v)
{
	struct summary *s = (struct summary *)v;
	text_release(&s->text);
	free(s);
}

static const struct tui_view_ops summary_ops = {
	.name = "summary", .kind = TUI_V_SUMMARY, .draw = summary_draw,
	.action = summary_action, .search = summary_search, .reload = summary_reload,
	.free = summary_free,
};

struct tui_view *view_summary_new(struct tui_app *a)
{
	struct summary *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->base.ops = &summary_ops;
	s->base.app = a;
	snprintf(s->base.title, sizeof(s->base.title), "Summary");
	summary_reload(&s->base);
	return &s->base;
}

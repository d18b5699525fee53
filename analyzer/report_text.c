/*
 * report_text.c - the text report (report.h): header, tables laid out to
 * fit 100 columns, threads and processes.
 *
 * A table's columns come from columns.h; this file only chooses and sizes
 * them. Default: the numbers, then the name columns (function and module,
 * or location and function), then counter columns in order of use while
 * the line stays within 100 columns; --columns names them, --wide takes
 * every measured counter and longer names. A cell wider than its column is
 * shortened: names at the end ("very_long_na..") after their brief form
 * (shortname.h: a C++ name without its return type and parameters, as perf
 * shows it), locations at the start ("..g_directory_name/file.c:123"), so
 * a line number is never cut.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/census.h"
#include "analyzer/columns.h"
#include "analyzer/memreport.h"
#include "analyzer/profile.h"
#include "analyzer/report_internal.h"
#include "analyzer/report_kernel.h"
#include "analyzer/report_wall.h"
#include "analyzer/shortname.h"
#include "analyzer/unseen.h"
#include "common/textsafe.h"

#define CELL 4096          /* a cell: whole names, for their brief form (shortname.h) */
#define MAX_WIDTH 100         /* the default table width */
#define INDENT 2

/* Counter columns in the order the default layout adds them while they
 * fit: derived ratios first (they explain), then the page faults, misses,
 * raw events. The scheduler counts and task-clock (= the samples' time)
 * only with --wide or --columns. */
static const char *const priority[] = {
	"IPC", "cache-miss%", "branch-miss%", "LLC-miss%", "page-faults:sampled", "page-faults",
	"cache-misses", "LLC-load-misses", "branch-misses", "cycles", "instructions",
	"cache-references",
	/* simulated by cachegrind (run --cache-sim): never in place of the above */
	"sim_Ir", "sim_LLmiss", "sim_LLmiss%", "sim_D1mr", "sim_D1mw", "sim_D1mr%", "sim_Bmiss",
	"sim_Bmiss%",
};
static const char *const not_by_default[] = { "task-clock", "context-switches",
					       "cpu-migrations" };

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct table {
	const struct hp_profile *p;
	enum hp_row_kind kind;
	struct hp_column all[HP_MAX_COLUMNS];
	int nall;
	int show[HP_MAX_COLUMNS];    /* indices into all[], in display order */
	int width[HP_MAX_COLUMNS];   /* of show[i] */
	int nshow;
	int hidden_counters;         /* measured counters the default left out */
	uint32_t *rows;
	uint32_t nrows;              /* shown rows, in rows[] order */
	uint32_t *shown;
};

/* --- choosing columns --- */

static int is_counter(const struct hp_column *c)
{
	return c->event >= 0 || c->derived;
}

/* Measured, and not a raw simulated count (columns.h: detail), which only
 * --columns shows. */
static int measured(const struct hp_profile *p, const struct hp_column *c)
{
	return !c->detail && (c->derived || c->event < 0 || p->events[c->event].measured);
}

static int index_of(const struct table *t, const char *id)
{
	const struct hp_column *c = columns_find(t->all, t->nall, id);
	return c ? (int)(c - t->all) : -1;
}

static int shown(const struct table *t, int i)
{
	for (int k = 0; k < t->nshow; k++)
		if (t->show[k] == i)
			return 1;
	return 0;
}

static void add(struct table *t, int i)
{
	if (i >= 0 && !shown(t, i) && t->nshow < HP_MAX_COLUMNS)
		t->show[t->nshow++] = i;
}

/* The longest name a text column may take before it is shortened. */
static int cap(const struct hp_column *c, int wide)
{
	if (!strcmp(c->id, "function"))
		return wide ? 80 : 36;
	if (!strcmp(c->id, "module"))
		return wide ? 40 : 20;
	if (!strcmp(c->id, "location"))
		return wide ? 80 : 32;
	if (!strcmp(c->id, "file"))
		return wide ? 120 : 48;
	return CELL - 1;
}

/* Width of column i: its header or its widest shown cell, up to its cap. */
static int natural_width(const struct table *t, int i, int wide)
{
	const struct hp_column *c = &t->all[i];
	char cell[CELL];
	int w = (int)strlen(c->header);
	for (uint32_t r = 0; r < t->nrows; r++) {
		columns_cell(t->p, c, t->shown[r], cell, sizeof(cell));
		if ((int)strlen(cell) > w)
			w = (int)strlen(cell);
	}
	return c->right || w <= cap(c, wide) ? w : cap(c, wide);
}

static int line_width(const struct table *t)
{
	int w = INDENT;
	for (int k = 0; k < t->nshow; k++)
		w += t->width[k] + (k ? 2 : 0);
	return w;
}

/* The default: base columns, names shrunk to fit, then counters in
 * priority order while the line stays within MAX_WIDTH. */
static void fit(struct table *t)
{
	for (int k = 0; k < t->nshow; k++)
		t->width[k] = natural_width(t, t->show[k], 0);
	for (int k = 0; k < t->nshow && line_width(t) > MAX_WIDTH; k++) {
		const struct hp_column *c = &t->all[t->show[k]];
		if (!c->right && t->width[k] > 16) {
			int over = line_width(t) - MAX_WIDTH;
			t->width[k] = t->width[k] - over < 16 ? 16 : t->width[k] - over;
		}
	}
	int cand[HP_MAX_COLUMNS], n = 0;
	for (int i = 0; i < N(priority); i++) {
		int k = index_of(t, priority[i]);
		if (k >= 0 && measured(t->p, &t->all[k]))
			cand[n++] = k;
	}
	for (int i = 0; i < t->nall; i++) {
		int listed = 0, held = 0;
		for (int j = 0; j < N(not_by_default); j++)
			held |= !strcmp(t->all[i].id, not_by_default[j]);
		for (int j = 0; j < n; j++)
			listed |= cand[j] == i;
		if (!is_counter(&t->all[i]) || !measured(t->p, &t->all[i]) || listed)
			continue;
		if (held)
			t->hidden_counters++;
		else
			cand[n++] = i;
	}
	for (int j = 0; j < n; j++) {
		int w = natural_width(t, cand[j], 0);
		if (line_width(t) + 2 + w <= MAX_WIDTH && t->nshow < HP_MAX_COLUMNS) {
			t->width[t->nshow] = w;
			t->show[t->nshow++] = cand[j];
		} else {
			t->hidden_counters++;
		}
	}
}

/* Columns named by --columns, in the order given (ids of the other table
 * are skipped). */
static void named(struct table *t, const char *list)
{
	char id[128];
	for (const char *s = list; *s;) {
		size_t n = strcspn(s, ",");
		snprintf(id, sizeof(id), "%.*s", (int)(n < sizeof(id) ? n : sizeof(id) - 1), s);
		add(t, index_of(t, id));
		s += n + (s[n] == ',');
	}
	for (int k = 0; k < t->nshow; k++)
		t->width[k] = natural_width(t, t->show[k], 1);
}

static void base_columns(struct table *t, int by_total)
{
	static const char *const functions[] = { "self_pct", "total_pct", "self", "total",
						 "function", "module" };
	static const char *const lines[] = { "self_pct", "self", "location", "function" };
	static const char *const threads[] = { "pid", "tid", "samples", "pct", "comm" };
	const char *const *ids = t->kind == HP_ROWS_FUNCTIONS ? functions
			       : t->kind == HP_ROWS_LINES ? lines : threads;
	int n = t->kind == HP_ROWS_FUNCTIONS ? N(functions) : t->kind == HP_ROWS_LINES ? N(lines)
										   : N(threads);
	for (int i = 0; i < n; i++)
		add(t, index_of(t, ids[i]));
	(void)by_total;
}

static void choose(struct table *t, const struct hp_report_opts *o, int by_total)
{
	if (o->columns && t->kind != HP_ROWS_THREADS) {
		named(t, o->columns);
		return;
	}
	base_columns(t, by_total);
	if (t->kind == HP_ROWS_THREADS || (by_total && !o->wide)) {
		for (int k = 0; k < t->nshow; k++)
			t->width[k] = natural_width(t, t->show[k], 0);
		return;
	}
	if (!o->wide) {
		fit(t);
		return;
	}
	for (int i = 0; i < t->nall; i++)
		if (is_counter(&t->all[i]) && measured(t->p, &t->all[i]))
			add(t, i);
	for (int k = 0; k < t->nshow; k++)
		t->width[k] = natural_width(t, t->show[k], 1);
}

/* --- drawing --- */

/* s within w columns, shortened at its start when longer ("..c/d.c:92"):
 * s, or buf holding the shortened text. */
static const char *cut_start(const char *s, size_t w, char *buf, size_t len)
{
	size_t n = strlen(s);
	if (n <= w)
		return s;
	snprintf(buf, len, "..%s", s + n - (w - 2));
	return buf;
}

/* Left-aligned text in width w; shortened at the end, or at the start for
 * locations and paths. The last column is not padded. */
static void put_text(FILE *out, const struct hp_column *c, const char *s, int w, int last)
{
	char safe[4 * CELL], brief[CELL];
	if (!strcmp(c->id, "function"))          /* a C++ name: its brief form first */
		s = name_fit(s, w, brief, sizeof(brief));
	s = textsafe(s, safe, sizeof(safe));     /* names are untrusted (textsafe.h) */
	int len = (int)strlen(s);
	if (len <= w) {
		if (last)
			fputs(s, out);
		else
			fprintf(out, "%-*s", w, s);
		return;
	}
	if (!strcmp(c->id, "location") || !strcmp(c->id, "file"))
		fputs(cut_start(s, (size_t)w, brief, sizeof(brief)), out);
	else
		fprintf(out, "%.*s..", w - 2, s);
}

/* The function column's names that read alike once shortened (put_text)
 * told apart (name_fit_column: NULL for a name shortened alone). NULL
 * when the table has no function column, or out of memory. */
static char **fit_functions(const struct table *t)
{
	char cell[CELL];
	int k = 0;
	while (k < t->nshow && strcmp(t->all[t->show[k]].id, "function"))
		k++;
	if (k == t->nshow || !t->nrows)
		return NULL;
	char **names = calloc(t->nrows, sizeof(*names)), **col = NULL;
	int ok = names != NULL;
	for (uint32_t r = 0; ok && r < t->nrows; r++) {
		columns_cell(t->p, &t->all[t->show[k]], t->shown[r], cell, sizeof(cell));
		ok = (names[r] = strdup(cell)) != NULL;
	}
	if (ok)
		col = name_fit_column((const char *const *)names, t->nrows, t->width[k]);
	for (uint32_t r = 0; names && r < t->nrows; r++)
		free(names[r]);
	free(names);
	return col;
}

static void draw(FILE *out, const struct table *t)
{
	char cell[CELL], safe[4 * CELL];
	char **functions = fit_functions(t);
	fprintf(out, "%*s", INDENT, "");
	for (int k = 0; k < t->nshow; k++) {
		const struct hp_column *c = &t->all[t->show[k]];
		fputs(k ? "  " : "", out);
		if (c->right)
			fprintf(out, "%*s", t->width[k], textsafe(c->header, safe, sizeof(safe)));
		else
			put_text(out, c, c->header, t->width[k], k == t->nshow - 1);
	}
	fputc('\n', out);
	for (uint32_t r = 0; r < t->nrows; r++) {
		fprintf(out, "%*s", INDENT, "");
		for (int k = 0; k < t->nshow; k++) {
			const struct hp_column *c = &t->all[t->show[k]];
			if (functions && functions[r] && !strcmp(c->id, "function"))
				snprintf(cell, sizeof(cell), "%s", functions[r]);
			else
				columns_cell(t->p, c, t->shown[r], cell, sizeof(cell));
			fputs(k ? "  " : "", out);
			if (c->right)
				fprintf(out, "%*s", t->width[k], textsafe(cell, safe, sizeof(safe)));
			else
				put_text(out, c, cell, t->width[k], k == t->nshow - 1);
		}
		fputc('\n', out);
	}
	free(functions);
}

/* What a report has explained already (each note once, under the first
 * table that needs it). */
enum { NOTE_NEAR = 1, NOTE_AT = 2, NOTE_MORE = 4 };

/* One line of explanation under a table for the columns that need one. */
static void footnotes(FILE *out, const struct table *t, unsigned *done)
{
	const char *period = profile_meta(t->p, "fault_period");
	for (int k = 0; k < t->nshow; k++) {
		const char *id = t->all[t->show[k]].id;
		unsigned note = !strcmp(id, "page-faults") ? NOTE_NEAR
			      : !strcmp(id, "page-faults:sampled") ? NOTE_AT : 0;
		if (!note || (*done & note))
			continue;
		*done |= note;
		if (note == NOTE_NEAR)
			fprintf(out, "  Faults near: page faults counted between samples, charged to "
				"the next sample's stack (approximate)\n");
		else if (!strcmp(id, "page-faults:sampled"))
			fprintf(out, "  Faults at: 1 in %s page faults recorded with the stack that "
				"took it, x%s (exact place)\n", period ? period : "N",
				period ? period : "N");
	}
	if (t->hidden_counters && !(*done & NOTE_MORE)) {
		*done |= NOTE_MORE;
		fprintf(out, "  (%d more counter column%s: --wide shows all, --columns picks)\n",
			t->hidden_counters, t->hidden_counters > 1 ? "s" : "");
	}
}

static void text_table(FILE *out, const struct hp_profile *p, enum hp_row_kind kind,
		       const char *title, const char *sort, const struct hp_report_opts *o,
		       int by_total, unsigned *notes)
{
	struct table t = { .p = p, .kind = kind };
	/* a table ordered by self time lists only rows with self time */
	int self_only = !sort || !strcmp(sort, "self") || !strcmp(sort, "self_pct");
	t.nall = columns_build(p, kind, t.all, HP_MAX_COLUMNS);
	uint32_t n = columns_nrows(p, kind);
	t.rows = report_sorted_rows(p, kind, t.all, t.nall, sort);
	t.shown = malloc((n ? n : 1) * sizeof(*t.shown));
	if (!t.rows || !t.shown)
		goto out;
	for (uint32_t i = 0; i < n && (!o->limit || t.nrows < o->limit); i++)
		if (!report_row_empty(p, kind, t.rows[i], self_only))
			t.shown[t.nrows++] = t.rows[i];
	choose(&t, o, by_total);
	fprintf(out, "\n%s\n", title);
	draw(out, &t);
	if (kind != HP_ROWS_THREADS)
		footnotes(out, &t, notes);
out:
	free(t.rows);
	free(t.shown);
}

/* --- the header --- */

void report_exit_text(const struct hp_profile *p, char *buf, size_t len)
{
	const char *status = profile_meta(p, "exit_status"), *sig = profile_meta(p, "signal");
	int code = status ? atoi(status) : -1;
	const char *abbrev = code > 128 && code < 128 + NSIG ? sigabbrev_np(code - 128) : NULL;
	if (!status)
		snprintf(buf, len, "?");
	else if (sig && abbrev)
		snprintf(buf, len, "killed by SIG%s (%s)", abbrev, status);
	else
		snprintf(buf, len, "%s", status);
}

void report_frequency_text(const struct hp_profile *p, char *buf, size_t len)
{
	const char *f = profile_meta(p, "frequency");
	if (!f)
		snprintf(buf, len, "?");
	else if (strcmp(f, "0"))
		snprintf(buf, len, "%s Hz", f);
	else if (profile_meta(p, "merged_runs"))
		snprintf(buf, len, p->cpu_col >= 0 ? "mixed (merged runs: a sample weighs its run's period)"
			 : "mixed (merged runs sampled at different rates)");
	else
		snprintf(buf, len, "by period (run -c)");
}

void report_lost_text(const struct hp_profile *p, char *buf, size_t len)
{
	const char *lost = profile_meta(p, "lost_samples"), *how = profile_meta(p, "lost_count");
	char safe[64];
	if (!lost)
		snprintf(buf, len, "?");
	else if (how && strncmp(how, "reported", 8) == 0)   /* the kernel's count unread */
		snprintf(buf, len, ">= %s (reported only)", textsafe(lost, safe, sizeof(safe)));
	else
		snprintf(buf, len, "%s", textsafe(lost, safe, sizeof(safe)));
}

static void header_events(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o)
{
	int64_t sums[p->nevents ? p->nevents : 1];  /* with a selection: its samples' own */
	if (o->selection) {
		fprintf(out, "  counters: the selected samples' own (the run's totals without a "
			"selection)\n");
		profile_stack_sums(p, sums);
	}
	for (uint32_t e = 0; e < p->nevents; e++) {
		const struct hp_pevent *ev = &p->events[e];
		int64_t v = o->selection ? sums[e] : ev->total;
		char name[256], why[1024], unit[64];
		const char *n = textsafe(ev->name, name, sizeof(name));
		if (ev->measured && ev->rows && !columns_event_shown(p, e))
			continue;             /* a raw simulated count: run_info has it */
		if (ev->measured && !ev->rows && o->selection)
			fprintf(out, "  %-22s n/a: counted for the whole run only (%" PRId64 "), not "
				"per sample\n", n, ev->total);
		else if (ev->measured && ev->running_pct < 99.5)
			fprintf(out, "  %-22s %" PRId64 "%s (scaled: counted %.1f%% of the time)\n",
				n, v, profile_count_unit(ev, v, unit, sizeof(unit)), ev->running_pct);
		else if (ev->measured)
			fprintf(out, "  %-22s %" PRId64 "%s%s\n", n, v, profile_count_unit(ev, v, unit, sizeof(unit)),
				strcmp(ev->role, "simulated") ? "" : "  (simulated)");
		else
			fprintf(out, "  %-22s n/a: %s\n", n,
				ev->reason ? textsafe(ev->reason, why, sizeof(why)) : "?");
	}
}

/* A run simulated under Cachegrind instead of sampled (run --cache-sim). */
static void text_header_simulated(FILE *out, const struct hp_profile *p)
{
	static const char *const caches[] = { "sim_I1", "sim_D1", "sim_LL" };
	const char *tool = profile_meta(p, "sim_tool");
	char safe[1024];
	fprintf(out, "  counters:  SIMULATED (cachegrind%s%s), not measured by hardware; nothing was"
		" sampled\n", tool ? ": " : "", tool ? textsafe(tool, safe, sizeof(safe)) : "");
	for (int i = 0; i < 3; i++)
		if (profile_meta(p, caches[i]))
			fprintf(out, "  simulated %s cache: %s\n", caches[i] + 4,
				textsafe(profile_meta(p, caches[i]), safe, sizeof(safe)));
}

/* Python frames (docs/python.md): the version and how many samples of
 * Python code carry them, or the note of a Python hpprof cannot read. */
static void header_python(FILE *out, const struct hp_profile *p)
{
	const char *ver = profile_meta(p, "python_version"), *note = profile_meta(p, "python_note");
	const char *m = profile_meta(p, "python_merged"), *t = profile_meta(p, "python_truncated");
	const char *u = profile_meta(p, "python_unmerged"), *r = profile_meta(p, "python_unresolved");
	const char *frames = profile_meta(p, "python_frames");
	char safe[256];                       /* the file is untrusted (textsafe.h) */
	if (ver && m && t && u && r) {
		double good = atof(m) + atof(t), bad = atof(u) + atof(r), all = good + bad;
		fprintf(out, "  python:    %s frames in %.1f%% of the samples of Python code"
			" (%.0f unmerged or unresolved: native frames only)\n",
			textsafe(ver, safe, sizeof(safe)),
			all > 0 && good >= 0 && bad >= 0 ? 100.0 * good / all : 0.0, bad);
		/* merged on a cut stack: said only when there are some */
		if (atof(t) > 0)
			fprintf(out, "             %.0f of them cut short (a Python chain deeper than"
				" the 128 frames kept, or a truncated native stack)\n", atof(t));
	}
	if (note)
		fprintf(out, "  note: %s\n", textsafe(note, safe, sizeof(safe)));
	/* frames read from an attached process after each sample: the
	 * innermost is checked against the sample, its callers cannot be */
	if (frames && !strncmp(frames, "collector-side", 14))
		fprintf(out, "  note: Python frames were read from the process after each sample;"
			" the innermost frame is exact, its callers may be those of a later call"
			" (docs/python.md); launch the program under hpprof for exact stacks\n");
}

/* Why the run's file is incomplete, or NULL: run_info.unfinished, which a
 * reader writes when it finishes a killed run's file; a file with no
 * sample committed is left as it is, and only lacks the run's totals. */
static const char *report_unfinished(const struct hp_profile *p)
{
	const char *u = profile_meta(p, "unfinished");
	if (u || profile_meta(p, "samples") || profile_meta(p, "simulation"))
		return u;
	return "hpprof did not finish this run (it was killed, or its disk filled) before it"
	       " committed a sample: the program's exit status and duration are unknown";
}

int report_merged_fact(const struct hp_profile *p, unsigned i, const char **label,
		       const char **value)
{
	static const char *const keys[][2] = {
		{ "merged_from", "merged" }, { "start_time", "started" }, { "target", "target" },
		{ "cwd", "cwd" },
	};
	const char *cmd = profile_meta(p, "command");
	if (!profile_meta(p, "merged_runs") || i >= sizeof(keys) / sizeof(keys[0]))
		return 0;
	*label = keys[i][1];
	*value = profile_meta(p, keys[i][0]);
	if (!i && cmd && !strncmp(cmd, "merge of ", 9))
		*value = NULL;        /* the command line names the inputs already */
	return 1;
}

static void merged_lines(FILE *out, const struct hp_profile *p)
{
	const char *label, *value;
	char safe[2048];
	for (unsigned i = 0; report_merged_fact(p, i, &label, &value); i++)
		if (value)
			fprintf(out, "  %s:%*s%s\n", label, (int)(10 - strlen(label)), "",
				textsafe(value, safe, sizeof(safe)));
}

static void text_header(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o)
{
	const char *cmd = profile_meta(p, "command");
	const char *mode = profile_meta(p, "call_graph"), *intr = profile_meta(p, "interrupted");
	char exit_s[64], freq[64], lost[96];
	report_exit_text(p, exit_s, sizeof(exit_s));
	report_frequency_text(p, freq, sizeof(freq));
	report_lost_text(p, lost, sizeof(lost));
	fprintf(out, "hpprof report\n");
	char safe[4096], b2[64], b3[256], b4[256];
	fprintf(out, "  command:   %s\n", cmd ? textsafe(cmd, safe, sizeof(safe)) : "?");
	merged_lines(out, p);
	int sim = profile_simulated_only(p);
	const char *unfinished = report_unfinished(p);
	char dur[64];
	if (unfinished && !p->duration_ns)
		snprintf(dur, sizeof(dur), "unknown");
	else
		snprintf(dur, sizeof(dur), "%.3f s", (double)p->duration_ns / 1e9);
	fprintf(out, "  duration:  %s%s    exit status: %s%s\n", dur,
		sim ? " (under valgrind)" : "", textsafe(exit_s, b3, sizeof(b3)),
		intr && !strcmp(intr, "1") ? " (interrupted)" : "");
	if (unfinished)
		fprintf(out, "  unfinished: %s\n", textsafe(unfinished, safe, sizeof(safe)));
	if (o->selection)
		fprintf(out, "  selection: %s\n", o->selection);
	if (sim) {
		text_header_simulated(out, p);
	} else {
		struct hp_census census;
		char stacks[224];
		fprintf(out, "  samples:   %" PRIu64 "    lost: %s    frequency: %s    call graph: "
			"%s\n", p->nsamples, lost,
			textsafe(freq, b4, sizeof(b4)), mode ? textsafe(mode, b2, sizeof(b2)) : "?");
		census_shown(p, o->selection != NULL, &census);
		fprintf(out, "  stacks:    %s\n", census_describe_defined(&census,
			" (reaching the program entry or a thread start)", stacks, sizeof(stacks)));
	}
	const char *sampling = profile_meta(p, "sampling");
	if (sampling && strncmp(sampling, "perf_event", 10) && !sim)
		fprintf(out, "  sampled by: %s\n", textsafe(sampling, safe, sizeof(safe)));
	char note[768];
	if (report_kernel_note_of(p, note, sizeof(note)))
		fprintf(out, "  note: %s\n", note);
	if (report_privileged_note_of(p, note, sizeof(note)))
		fprintf(out, "  note: %s\n", textsafe(note, safe, sizeof(safe)));
	if (!o->selection && unseen_note(p, note, sizeof(note)))
		fprintf(out, "  note: %s\n", note);
	if (memreport_untracked_note(p, note, sizeof(note)))
		fprintf(out, "  note: %s\n", textsafe(note, safe, sizeof(safe)));
	double tool = memreport_tool_share(p);   /* as the TUI's summary says it */
	if (tool > 0)
		fprintf(out, "  note: %.1f%% of the samples are hpprof's allocation tracker (--alloc),"
			" not the program; for CPU time, profile without --alloc\n", 100.0 * tool);
	header_python(out, p);
	header_events(out, p, o);
	report_wall_summary(out, p, o->selection != NULL);
}

/* --- processes --- */

/* Which processes the table shows under a --limit: the first (the program
 * hpprof started, or the oldest of an attach) and the others with the
 * most samples, in their table order; a make -j or a test suite has
 * hundreds. keep[i] = 1 for those shown; returns how many. */
static uint32_t processes_shown(const struct hp_profile *p, unsigned limit, unsigned char *keep)
{
	uint32_t n = p->nprocesses, shown = 0;
	memset(keep, limit && n > limit ? 0 : 1, n);
	if (!limit || n <= limit)
		return n;
	keep[0] = 1;
	for (shown = 1; shown < limit; shown++) {
		uint32_t best = n;
		for (uint32_t i = 1; i < n; i++)
			if (!keep[i] && (best == n || p->processes[i].samples > p->processes[best].samples))
				best = i;
		keep[best] = 1;
	}
	return shown;
}

/* The table's Command column within the report's 100 columns (the other
 * columns take 52): a longer path keeps its end, where the program's name
 * is ("..build/tests/prog", as a location is shortened); --wide shows it
 * whole. */
#define PROCESS_COMMAND_COLS 48

static void text_processes(FILE *out, const struct hp_profile *p, unsigned limit, int wide)
{
	int unknown = 0;
	uint64_t rest_samples = 0;
	unsigned char *keep = malloc(p->nprocesses ? p->nprocesses : 1);
	if (!keep)
		return;
	uint32_t shown = processes_shown(p, limit, keep);
	fprintf(out, "\nProcesses\n%8s  %8s  %9s  %7s  %10s  %s\n", "PID", "PPID", "Samples",
		"Exit", "Peak RSS", "Command");
	for (uint32_t i = 0; i < p->nprocesses; i++) {
		const struct hp_pprocess *r = &p->processes[i];
		char exit_s[16] = "?", rss[24] = "?", name[1024];
		if (!keep[i]) {
			rest_samples += r->samples;
			continue;
		}
		if (r->exit_code >= 0)
			snprintf(exit_s, sizeof(exit_s), "%d", r->exit_code);
		else
			unknown = 1;
		if (r->peak_rss >= 0)
			snprintf(rss, sizeof(rss), "%.1f MiB", (double)r->peak_rss / 1048576.0);
		char samples[24] = "-";           /* a simulated run has none */
		if (!profile_simulated_only(p))
			snprintf(samples, sizeof(samples), "%" PRIu64, r->samples);
		char cell[PROCESS_COMMAND_COLS + 1];
		const char *cmd = textsafe(r->exe ? r->exe : r->comm ? r->comm : "?", name,
					   sizeof(name));
		char ppid[16];
		fprintf(out, "%8u  %8s  %9s  %7s  %10s  %s\n", r->pid,
			profile_ppid_text(r, ppid, sizeof(ppid)), samples, exit_s, rss,
			wide ? cmd : cut_start(cmd, PROCESS_COMMAND_COLS, cell, sizeof(cell)));
	}
	free(keep);
	if (shown < p->nprocesses)
		fprintf(out, "  (%u more process%s with %" PRIu64 " samples not shown: -n 0 shows"
			" all)\n", p->nprocesses - shown, p->nprocesses - shown == 1 ? "" : "es",
			rest_samples);
	if (unknown)
		fprintf(out, "  Exit ?: not known - hpprof waits for the program it started; its "
			"children's exits reach it\n  without a status (the kernel's exit record "
			"carries none)\n");
}

int report_print_text(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o)
{
	unsigned notes = 0;
	text_header(out, p, o);
	if (o->kernel)
		return report_kernel_print(out, p, o->limit) ? -1 : 0;
	if (profile_simulated_only(p)) {
		text_table(out, p, HP_ROWS_FUNCTIONS, "Functions, SIMULATED by cachegrind (self: in the"
			   " function itself)", o->sort, o, 0, &notes);
		text_table(out, p, HP_ROWS_LINES, "Lines, SIMULATED by cachegrind", o->sort, o, 0,
			   &notes);
		text_processes(out, p, o->limit, o->wide);
		return ferror(out) ? -1 : 0;
	}
	if (o->weight && strcmp(o->weight, "cpu"))
		return report_wall_print(out, p, o->weight, o->limit, o->selection != NULL) ? -1 : 0;
	if (!p->nsamples)
		fprintf(out, "\n%s\n", report_unfinished(p) ?
			"no samples were committed before hpprof stopped" :
			"no samples were recorded (the program may have run too briefly)");
	text_table(out, p, HP_ROWS_FUNCTIONS, "Hot functions (self: samples in the function itself)",
		   o->sort, o, 0, &notes);
	text_table(out, p, HP_ROWS_FUNCTIONS, "Functions by total time (total: samples in the "
		   "function and its callees)", "total", o, 1, &notes);
	text_table(out, p, HP_ROWS_LINES, "Hot lines", o->sort, o, 0, &notes);
	text_table(out, p, HP_ROWS_THREADS, "Threads", NULL, o, 0, &notes);
	text_processes(out, p, o->limit, o->wide);
	return report_ranks_section(out, p, o, 0);
}

/* --- --columns --- */

static int known(const struct hp_column *cols, int n, const char *id)
{
	return columns_find(cols, n, id) != NULL;
}

int report_check_columns(const struct hp_profile *p, const char *list, char *bad, size_t badlen,
			 char *valid, size_t validlen)
{
	struct hp_column f[HP_MAX_COLUMNS], l[HP_MAX_COLUMNS];
	int nf = columns_build(p, HP_ROWS_FUNCTIONS, f, HP_MAX_COLUMNS);
	int nl = columns_build(p, HP_ROWS_LINES, l, HP_MAX_COLUMNS), err = 0;
	char id[128];
	valid[0] = '\0';
	for (int i = 0; i < nf + nl; i++) {
		const char *v = i < nf ? f[i].id : l[i - nf].id;
		if (i >= nf && known(f, nf, v))
			continue;
		if (valid[0])
			strncat(valid, ",", validlen - strlen(valid) - 1);
		strncat(valid, v, validlen - strlen(valid) - 1);
	}
	for (const char *s = list; *s && !err;) {
		size_t n = strcspn(s, ",");
		snprintf(id, sizeof(id), "%.*s", (int)(n < sizeof(id) ? n : sizeof(id) - 1), s);
		if (!known(f, nf, id) && !known(l, nl, id)) {
			snprintf(bad, badlen, "%s", id);
			err = -EINVAL;
		}
		s += n + (s[n] == ',');
	}
	return err;
}

int report_check_sort(const struct hp_profile *p, const char *id, char *why, size_t len)
{
	char bad[128], valid[2048], safe[128];
	int unknown = report_check_columns(p, id, bad, sizeof(bad), valid, sizeof(valid)) != 0;
	if (columns_counter_why(p, id, why, len))
		return -EINVAL;
	if (unknown || strchr(id, ',')) {
		snprintf(why, len, "no column '%s' (this profile has: %s)",
			 textsafe(id, safe, sizeof(safe)), valid);
		return -EINVAL;
	}
	return 0;
}

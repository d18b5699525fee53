/*
 * report.c - render a profile model as text, CSV or JSON (report.h).
 */
#include "analyzer/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/columns.h"
#include "analyzer/profile.h"
#include "analyzer/ranks.h"

#define CELL 512

void report_json_string(FILE *out, const char *s)
{
	putc_unlocked('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			putc_unlocked('\\', out);
			putc_unlocked(c, out);
		} else if (c < 0x20) {
			fprintf(out, "\\u%04x", c);
		} else {
			putc_unlocked(c, out);
		}
	}
	putc_unlocked('"', out);
}

void report_csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs_unlocked(s, out);
		return;
	}
	putc_unlocked('"', out);
	for (; *s; s++) {
		if (*s == '"')
			putc_unlocked('"', out);
		putc_unlocked(*s, out);
	}
	putc_unlocked('"', out);
}

static uint32_t *sorted_rows(const struct hp_profile *p, enum hp_row_kind kind,
			     const struct hp_column *cols, int ncols, const char *sort)
{
	uint32_t n = columns_nrows(p, kind);
	uint32_t *rows = malloc((n ? n : 1) * sizeof(*rows));
	const struct hp_column *c = sort ? columns_find(cols, ncols, sort) : NULL;
	if (!rows)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		rows[i] = i;
	if (!c)
		c = kind == HP_ROWS_THREADS ? columns_find(cols, ncols, "samples")
					    : columns_find(cols, ncols, "self");
	columns_sort(p, c, rows, n);
	return rows;
}

/* Skip rows that carry nothing in the selection (functions seen only as
 * counters of other rows). */
static int row_empty(const struct hp_profile *p, enum hp_row_kind kind, uint32_t r,
		     int self_only)
{
	if (kind == HP_ROWS_FUNCTIONS) {
		const struct hp_pfunc *f = &p->functions[r];
		if (f->self || (f->total && !self_only))
			return 0;
		for (uint32_t e = 0; e < p->nevents; e++)
			if (f->cself[e])
				return 0;
		return 1;
	}
	if (kind == HP_ROWS_LINES) {
		const struct hp_pline *l = &p->lines[r];
		if (l->self)
			return 0;
		for (uint32_t e = 0; e < p->nevents; e++)
			if (l->c[e])
				return 0;
		return 1;
	}
	return p->threads[r].samples == 0;
}

/* Text tables leave out columns of events that were not measured: the
 * header lists them with the reason (CSV and JSON keep them as n/a/null). */
static int hidden(const struct hp_profile *p, const struct hp_column *c, const char *skip)
{
	if (c->derived)
		return skip && strstr(skip, "counters");
	if (c->event >= 0)
		return !p->events[c->event].measured || (skip && strstr(skip, "counters"));
	return skip && c->event < 0 && strstr(skip, c->id) != NULL;
}

/* Width of a column that takes "the rest": its longest cell, at most 60. */
static int auto_width(const struct hp_profile *p, enum hp_row_kind kind,
		      const struct hp_column *c, const uint32_t *rows, uint32_t n, unsigned limit,
		      int self_only)
{
	char cell[CELL];
	int w = (int)strlen(c->header);
	for (uint32_t i = 0, shown = 0; i < n && (!limit || shown < limit); i++) {
		if (row_empty(p, kind, rows[i], self_only))
			continue;
		c->format(p, c, rows[i], cell, sizeof(cell));
		if ((int)strlen(cell) > w)
			w = (int)strlen(cell);
		shown++;
	}
	return w > 60 ? 60 : w;
}

static void text_table(FILE *out, const struct hp_profile *p, enum hp_row_kind kind,
		       const char *title, const char *sort, unsigned limit, const char *skip_col)
{
	struct hp_column cols[HP_MAX_COLUMNS];
	int ncols = columns_build(p, kind, cols, HP_MAX_COLUMNS), last = -1;
	uint32_t n = columns_nrows(p, kind), shown = 0;
	uint32_t *rows = sorted_rows(p, kind, cols, ncols, sort);
	char cell[CELL];
	/* A table ordered by self time lists only rows with self time. */
	int self_only = !sort || !strcmp(sort, "self") || !strcmp(sort, "self_pct");
	if (!rows)
		return;
	for (int c = 0; c < ncols; c++) {
		if (hidden(p, &cols[c], skip_col))
			continue;
		if (!cols[c].width)
			cols[c].width = auto_width(p, kind, &cols[c], rows, n, limit, self_only);
		last = c;
	}
	fprintf(out, "\n%s\n", title);
	for (int c = 0; c < ncols; c++) {
		if (hidden(p, &cols[c], skip_col))
			continue;
		fprintf(out, c ? "  " : "");
		if (c == last && !cols[c].right)
			fputs(cols[c].header, out);
		else
			fprintf(out, cols[c].right ? "%*s" : "%-*s", cols[c].width, cols[c].header);
	}
	fputc('\n', out);
	for (uint32_t i = 0; i < n && (!limit || shown < limit); i++) {
		if (row_empty(p, kind, rows[i], self_only))
			continue;
		for (int c = 0; c < ncols; c++) {
			if (hidden(p, &cols[c], skip_col))
				continue;
			cols[c].format(p, &cols[c], rows[i], cell, sizeof(cell));
			fprintf(out, c ? "  " : "");
			if (cols[c].right)
				fprintf(out, "%*s", cols[c].width, cell);
			else if (c == last)
				fputs(cell, out);
			else
				fprintf(out, "%-*.*s", cols[c].width, cols[c].width, cell);
		}
		fputc('\n', out);
		shown++;
	}
	free(rows);
}

static double complete_pct(const struct hp_profile *p)
{
	const char *s = profile_meta(p, "samples"), *c = profile_meta(p, "entry_stacks");
	if (!c)
		c = profile_meta(p, "complete_stacks");
	double n = s ? atof(s) : 0;
	return n > 0 && c ? 100.0 * atof(c) / n : 0.0;
}

static void text_header(FILE *out, const struct hp_profile *p)
{
	const char *cmd = profile_meta(p, "command"), *lost = profile_meta(p, "lost_samples");
	const char *exit_s = profile_meta(p, "exit_status"), *mode = profile_meta(p, "call_graph");
	fprintf(out, "hpprof report\n");
	fprintf(out, "  command:   %s\n", cmd ? cmd : "?");
	fprintf(out, "  duration:  %.3f s    exit status: %s%s\n", (double)p->duration_ns / 1e9,
		exit_s ? exit_s : "?",
		profile_meta(p, "interrupted") && !strcmp(profile_meta(p, "interrupted"), "1")
			? " (interrupted)" : "");
	fprintf(out, "  samples:   %" PRIu64 "    lost: %s    frequency: %s Hz    call graph: %s\n",
		p->nsamples, lost ? lost : "0", profile_meta(p, "frequency") ?
		profile_meta(p, "frequency") : "?", mode ? mode : "?");
	fprintf(out, "  complete stacks: %.1f%% (unwound to the program entry or thread start)\n",
		complete_pct(p));
	const char *sampling = profile_meta(p, "sampling");
	if (sampling && strncmp(sampling, "perf_event", 10))
		fprintf(out, "  sampled by: %s\n", sampling);
	for (uint32_t e = 0; e < p->nevents; e++) {
		const struct hp_pevent *ev = &p->events[e];
		if (ev->measured && ev->running_pct < 99.5)
			fprintf(out, "  %-22s %" PRId64 " (scaled: counted %.1f%% of the time)\n",
				ev->name, ev->total, ev->running_pct);
		else if (ev->measured)
			fprintf(out, "  %-22s %" PRId64 "\n", ev->name, ev->total);
		else
			fprintf(out, "  %-22s n/a: %s\n", ev->name, ev->reason ? ev->reason : "?");
	}
}

static void text_processes(FILE *out, const struct hp_profile *p)
{
	fprintf(out, "\nProcesses\n%8s  %8s  %9s  %7s  %10s  %s\n", "PID", "PPID", "Samples",
		"Exit", "Peak RSS", "Command");
	for (uint32_t i = 0; i < p->nprocesses; i++) {
		const struct hp_pprocess *r = &p->processes[i];
		char exit_s[16] = "?", rss[24] = "?";
		if (r->exit_code >= 0)
			snprintf(exit_s, sizeof(exit_s), "%d", r->exit_code);
		if (r->peak_rss >= 0)
			snprintf(rss, sizeof(rss), "%.1f MiB", (double)r->peak_rss / 1048576.0);
		fprintf(out, "%8u  %8u  %9" PRIu64 "  %7s  %10s  %s\n", r->pid, r->ppid, r->samples,
			exit_s, rss, r->exe ? r->exe : r->comm ? r->comm : "?");
	}
}

/* The rank section (ranks.h) in o's format, when p is an MPI job or
 * `only` (report --ranks) asks for it. */
static int print_ranks(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o,
		       int only)
{
	struct hp_ranks *r;
	if (!only && !profile_has_ranks(p))
		return ferror(out) ? -1 : 0;
	if (ranks_analyze(p, &r))
		return -1;
	if (o->format == HP_REPORT_TEXT)
		ranks_report_text(out, p, r, o->limit);
	else if (o->format == HP_REPORT_CSV)
		ranks_report_csv(out, p, r, o->limit);
	else
		ranks_report_json(out, p, r, o->limit);
	ranks_free(r);
	return ferror(out) ? -1 : 0;
}

int report_print_ranks(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o)
{
	if (o->format != HP_REPORT_JSON)
		return print_ranks(out, p, o, 1);
	fprintf(out, "{\n  \"samples\": %" PRIu64, p->nsamples);
	int err = print_ranks(out, p, o, 1);
	fprintf(out, "\n}\n");
	return err || ferror(out) ? -1 : 0;
}

static int print_text(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o)
{
	unsigned limit = o->limit;
	text_header(out, p);
	if (!p->nsamples)
		fprintf(out, "\nno samples were recorded (the program may have run too briefly)\n");
	text_table(out, p, HP_ROWS_FUNCTIONS, "Hot functions (self: time in the function itself)",
		   o->sort, limit, "file");
	text_table(out, p, HP_ROWS_FUNCTIONS, "Hot call paths (total: time in the function and "
		   "its callees)", "total", limit, "file counters");
	text_table(out, p, HP_ROWS_LINES, "Hot lines", o->sort, limit, "file line");
	text_table(out, p, HP_ROWS_THREADS, "Threads", NULL, limit, NULL);
	text_processes(out, p);
	return print_ranks(out, p, o, 0);
}

static void csv_table(FILE *out, const struct hp_profile *p, enum hp_row_kind kind,
		      const char *section, const char *sort, unsigned limit)
{
	struct hp_column cols[HP_MAX_COLUMNS];
	int ncols = columns_build(p, kind, cols, HP_MAX_COLUMNS);
	uint32_t n = columns_nrows(p, kind), shown = 0;
	uint32_t *rows = sorted_rows(p, kind, cols, ncols, sort);
	char cell[CELL];
	if (!rows)
		return;
	fprintf(out, "section");
	for (int c = 0; c < ncols; c++)
		fprintf(out, ",%s", cols[c].id);
	fputc('\n', out);
	for (uint32_t i = 0; i < n && (!limit || shown < limit); i++) {
		if (row_empty(p, kind, rows[i], 0))
			continue;
		fputs(section, out);
		for (int c = 0; c < ncols; c++) {
			cols[c].format(p, &cols[c], rows[i], cell, sizeof(cell));
			fputc(',', out);
			report_csv_field(out, cell);
		}
		fputc('\n', out);
		shown++;
	}
	free(rows);
}

static void json_table(FILE *out, const struct hp_profile *p, enum hp_row_kind kind,
		       const char *name, const char *sort, unsigned limit)
{
	struct hp_column cols[HP_MAX_COLUMNS];
	int ncols = columns_build(p, kind, cols, HP_MAX_COLUMNS);
	uint32_t n = columns_nrows(p, kind), shown = 0;
	uint32_t *rows = sorted_rows(p, kind, cols, ncols, sort);
	char cell[CELL];
	if (!rows)
		return;
	fprintf(out, ",\n  \"%s\": [", name);
	for (uint32_t i = 0; i < n && (!limit || shown < limit); i++) {
		if (row_empty(p, kind, rows[i], 0))
			continue;
		fprintf(out, "%s\n    {", shown ? "," : "");
		for (int c = 0; c < ncols; c++) {
			cols[c].format(p, &cols[c], rows[i], cell, sizeof(cell));
			fprintf(out, "%s", c ? ", " : "");
			report_json_string(out, cols[c].id);
			fputs(": ", out);
			if (cols[c].numeric && strcmp(cell, "n/a"))
				fputs(cell, out);
			else if (cols[c].numeric)
				fputs("null", out);
			else
				report_json_string(out, cell);
		}
		fputc('}', out);
		shown++;
	}
	fprintf(out, "\n  ]");
	free(rows);
}

static void json_events(FILE *out, const struct hp_profile *p)
{
	fprintf(out, ",\n  \"events\": [");
	for (uint32_t e = 0; e < p->nevents; e++) {
		const struct hp_pevent *ev = &p->events[e];
		fprintf(out, "%s\n    {\"name\": ", e ? "," : "");
		report_json_string(out, ev->name);
		fprintf(out, ", \"measured\": %s, \"total\": ", ev->measured ? "true" : "false");
		if (ev->measured)
			fprintf(out, "%" PRId64, ev->total);
		else
			fputs("null", out);
		fputs(", \"reason\": ", out);
		if (ev->reason)
			report_json_string(out, ev->reason);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fprintf(out, "\n  ]");
}

static void json_processes(FILE *out, const struct hp_profile *p)
{
	fprintf(out, ",\n  \"processes\": [");
	for (uint32_t i = 0; i < p->nprocesses; i++) {
		const struct hp_pprocess *r = &p->processes[i];
		fprintf(out, "%s\n    {\"pid\": %u, \"ppid\": %u, \"samples\": %" PRIu64
			", \"exit_code\": %d, \"peak_rss\": %" PRId64 ", \"command\": ",
			i ? "," : "", r->pid, r->ppid, r->samples, r->exit_code, r->peak_rss);
		report_json_string(out, r->exe ? r->exe : r->comm);
		fputc('}', out);
	}
	fprintf(out, "\n  ]");
}

static int print_json(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o)
{
	fprintf(out, "{\n  \"run_info\": {");
	for (uint32_t i = 0; i < p->nmeta; i++) {
		fprintf(out, "%s\n    ", i ? "," : "");
		report_json_string(out, p->meta_keys[i]);
		fputs(": ", out);
		report_json_string(out, p->meta_values[i]);
	}
	fprintf(out, "\n  },\n  \"samples\": %" PRIu64, p->nsamples);
	json_events(out, p);
	json_table(out, p, HP_ROWS_FUNCTIONS, "functions", o->sort, o->limit);
	json_table(out, p, HP_ROWS_LINES, "lines", o->sort, o->limit);
	json_table(out, p, HP_ROWS_THREADS, "threads", NULL, o->limit);
	json_processes(out, p);
	int err = print_ranks(out, p, o, 0);
	fprintf(out, "\n}\n");
	return err || ferror(out) ? -1 : 0;
}

int report_print(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o)
{
	switch (o->format) {
	case HP_REPORT_TEXT:
		return print_text(out, p, o);
	case HP_REPORT_CSV:
		csv_table(out, p, HP_ROWS_FUNCTIONS, "functions", o->sort, o->limit);
		csv_table(out, p, HP_ROWS_LINES, "lines", o->sort, o->limit);
		csv_table(out, p, HP_ROWS_THREADS, "threads", NULL, o->limit);
		return print_ranks(out, p, o, 0);
	case HP_REPORT_JSON:
		return print_json(out, p, o);
	}
	return -1;
}

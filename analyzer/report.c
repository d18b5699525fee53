/*
 * report.c - render a profile model as CSV or JSON (report.h), and the
 * pieces the text report (report_text.c) shares: row order and empty rows.
 */
#include "analyzer/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/columns.h"
#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "analyzer/report_internal.h"

#define CELL 16384         /* a cell: whole names (C++ templates run past 512 bytes) */

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

uint32_t *report_sorted_rows(const struct hp_profile *p, enum hp_row_kind kind,
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
		c = columns_find(cols, ncols, columns_default_sort(p, kind));
	if (c)
		columns_sort(p, c, rows, n);
	return rows;
}

int report_row_empty(const struct hp_profile *p, enum hp_row_kind kind, uint32_t r, int self_only)
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

/* The rank section (ranks.h) in o's format, when p is an MPI job or
 * `only` (report --ranks) asks for it. */
int report_ranks_section(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o,
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
		return report_ranks_section(out, p, o, 1);
	fprintf(out, "{\n  \"samples\": %" PRIu64, p->nsamples);
	int err = report_ranks_section(out, p, o, 1);
	fprintf(out, "\n}\n");
	return err || ferror(out) ? -1 : 0;
}

static void csv_table(FILE *out, const struct hp_profile *p, enum hp_row_kind kind,
		      const char *section, const char *sort, unsigned limit)
{
	struct hp_column cols[HP_MAX_COLUMNS];
	int ncols = columns_build(p, kind, cols, HP_MAX_COLUMNS);
	uint32_t n = columns_nrows(p, kind), shown = 0;
	uint32_t *rows = report_sorted_rows(p, kind, cols, ncols, sort);
	char cell[CELL];
	if (!rows)
		return;
	fprintf(out, "section");
	for (int c = 0; c < ncols; c++)
		fprintf(out, ",%s", cols[c].id);
	fputc('\n', out);
	for (uint32_t i = 0; i < n && (!limit || shown < limit); i++) {
		if (report_row_empty(p, kind, rows[i], 0))
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
	uint32_t *rows = report_sorted_rows(p, kind, cols, ncols, sort);
	char cell[CELL];
	if (!rows)
		return;
	fprintf(out, ",\n  \"%s\": [", name);
	for (uint32_t i = 0; i < n && (!limit || shown < limit); i++) {
		if (report_row_empty(p, kind, rows[i], 0))
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
	if (profile_simulated_only(p))       /* nothing sampled: null, not 0 */
		fprintf(out, "\n  },\n  \"samples\": null");
	else
		fprintf(out, "\n  },\n  \"samples\": %" PRIu64, p->nsamples);
	json_events(out, p);
	json_table(out, p, HP_ROWS_FUNCTIONS, "functions", o->sort, o->limit);
	json_table(out, p, HP_ROWS_LINES, "lines", o->sort, o->limit);
	json_table(out, p, HP_ROWS_THREADS, "threads", NULL, o->limit);
	json_processes(out, p);
	int err = report_ranks_section(out, p, o, 0);
	fprintf(out, "\n}\n");
	return err || ferror(out) ? -1 : 0;
}

int report_print(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o)
{
	switch (o->format) {
	case HP_REPORT_TEXT:
		return report_print_text(out, p, o);
	case HP_REPORT_CSV:
		csv_table(out, p, HP_ROWS_FUNCTIONS, "functions", o->sort, o->limit);
		csv_table(out, p, HP_ROWS_LINES, "lines", o->sort, o->limit);
		csv_table(out, p, HP_ROWS_THREADS, "threads", NULL, o->limit);
		return report_ranks_section(out, p, o, 0);
	case HP_REPORT_JSON:
		return print_json(out, p, o);
	}
	return -1;
}

/*
 * report.h - the text/CSV/JSON report of a profile (`hpprof report`).
 *
 * Sections: header (command, duration, samples, lost, complete stacks),
 * events (measured or why not), top functions, top lines, threads and
 * processes. Rows and cells come from the column tables (columns.h), so
 * the TUI shows the same numbers.
 */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include <stdio.h>

struct hp_profile;

enum hp_report_format { HP_REPORT_TEXT, HP_REPORT_CSV, HP_REPORT_JSON };

struct hp_report_opts {
	enum hp_report_format format;
	unsigned limit;               /* rows per table; 0 = all */
	const char *sort;             /* column id for functions/lines, NULL = self */
};

/* The report; with MPI ranks (profile_has_ranks) it ends with the rank
 * section (ranks.h). */
int report_print(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o);
/* Only the rank section (report --ranks), in o->format. */
int report_print_ranks(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o);

/* Write s as a JSON string literal (with quotes; NULL as ""). Used by every
 * JSON writer of the analyzer and the commands. */
void report_json_string(FILE *out, const char *s);
/* Write s as one CSV field, quoted when it holds a comma, quote or line
 * break (NULL writes nothing). */
void report_csv_field(FILE *out, const char *s);

#endif

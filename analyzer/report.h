/*
 * report.h - the text/CSV/JSON report of a profile (`hpprof report`).
 *
 * Sections: header (command, duration, samples, lost, complete stacks),
 * events (measured or why not; with a selection, the selected samples'
 * own sums), functions by self time, functions by total time, lines,
 * threads and processes. Rows and cells come from the column tables
 * (columns.h), so the TUI shows the same numbers.
 *
 * The text tables fit 100 columns by default: the numbers, the function
 * (or location) and module, then as many counter columns as fit, in order
 * of use (derived ratios, page faults, cache misses, ...); `columns` picks
 * them by id, `wide` shows every measured counter. CSV and JSON always
 * carry every column.
 */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct hp_profile;

enum hp_report_format { HP_REPORT_TEXT, HP_REPORT_CSV, HP_REPORT_JSON };

struct hp_report_opts {
	enum hp_report_format format;
	unsigned limit;               /* rows per table; 0 = all */
	const char *sort;             /* column id for functions/lines, NULL = self */
	const char *columns;          /* text: comma-separated column ids, NULL = default */
	int wide;                     /* text: every measured counter, names unshortened */
	/* the samples are a selection (a thread, process or time range), said
	 * so in the header, e.g. "thread 1234"; NULL = the whole run */
	const char *selection;
	int kernel;                   /* text: the header and the kernel section only
				       * (report_kernel.h) */
	const char *weight;           /* text: NULL or "cpu" (samples), "off-cpu" or "wall":
				       * the header and the wall sections (report_wall.h) */
};

/* The report; with MPI ranks (profile_has_ranks) it ends with the rank
 * section (ranks.h). */
int report_print(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o);
/* Only the rank section (report --ranks), in o->format. */
int report_print_ranks(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o);

/* The run's exit as the report writes it: "0", "killed by SIGSEGV (139)"
 * (the signal that ended it, 128 + its number), or "?". */
void report_exit_text(const struct hp_profile *p, char *buf, size_t len);
/* The sampling rate: "1000 Hz", "mixed (merged runs sampled at different
 * rates)", "by period (run -c)", or "?". */
void report_frequency_text(const struct hp_profile *p, char *buf, size_t len);
/* The lost records (run_info lost_samples) for a header: "N", ">= N
 * (reported only)" when the kernel's own count was not read (lost_count),
 * "?" when not recorded. */
void report_lost_text(const struct hp_profile *p, char *buf, size_t len);
/* A merged file's i-th header fact, as report and the TUI summary show
 * it: "merged" (the inputs, unless the command names them), "started"
 * (the earliest start, and the latest when they differ), "target" and
 * "cwd" (every input's when they differ: "2 targets: a, b"); *value NULL
 * when the file has none. 0 when i is past the last, or p is no merge. */
int report_merged_fact(const struct hp_profile *p, unsigned i, const char **label,
		       const char **value);

/* Check a --sort column id against p's function and line tables: 0, or
 * -EINVAL with why it cannot order them in why (an unknown id, with the
 * valid ones; a counter not measured or counted for the whole run only). */
int report_check_sort(const struct hp_profile *p, const char *id, char *why, size_t len);

/* Check a --columns list against the columns p's tables have: 0, or
 * -EINVAL with the first unknown id copied to bad and every valid id
 * (comma-separated) to valid. */
int report_check_columns(const struct hp_profile *p, const char *list, char *bad, size_t badlen,
			 char *valid, size_t validlen);

/* Write s as a JSON string literal (with quotes; NULL as ""). Used by every
 * JSON writer of the analyzer and the commands. */
void report_json_string(FILE *out, const char *s);
/* Write s as one CSV field, quoted when it holds a comma, quote or line
 * break (NULL writes nothing). */
void report_csv_field(FILE *out, const char *s);

#endif

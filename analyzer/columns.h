/*
 * columns.h - report columns as data, shared by the text report, CSV/JSON
 * and the TUI: {id, header, width, align, compare, format}.
 *
 * A column set is built for a profile (counter columns exist only for the
 * events the run recorded). Rows are indices into profile->functions[],
 * ->lines[] or ->threads[], depending on the set's kind. Counters that were
 * not measured format as "n/a", never 0. Derived columns (IPC, cache-miss%,
 * branch-miss%, LLC-miss%) appear only when both of their inputs were measured.
 *
 * Simulated counters (run --cache-sim) are columns named sim_* (sim_Ir,
 * sim_LLmiss, ...; analyzer/cachegrind.h lists them) beside, never in place
 * of, hardware counters; a run that was simulated instead of sampled has
 * no sample columns (profile_simulated_only).
 */
#ifndef HP_COLUMNS_H
#define HP_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

struct hp_profile;

enum hp_row_kind { HP_ROWS_FUNCTIONS, HP_ROWS_LINES, HP_ROWS_THREADS };

struct hp_column {
	const char *id;               /* stable name for CSV/JSON and `--sort` */
	const char *header;           /* text shown in tables */
	int width;                    /* preferred width; 0 = takes the rest */
	int right;                    /* 1 = right-aligned (numbers) */
	int numeric;                  /* JSON: emit as a number when it parses */
	int event;                    /* counter column: index into profile->events, else -1;
				       * derived: numerator | denominator << 16 */
	/* <0, 0, >0 like strcmp, "bigger first" for numbers */
	int (*compare)(const struct hp_profile *p, const struct hp_column *c, uint32_t a,
		       uint32_t b);
	void (*format)(const struct hp_profile *p, const struct hp_column *c, uint32_t row,
		       char *buf, size_t len);
	int derived;                  /* 1 for a ratio of two counters (IPC, miss rates) */
	int detail;                   /* 1: in CSV, JSON and --sort, but not a column of
				       * the text tables and the TUI unless --columns
				       * picks it (the raw simulated counts behind the
				       * shown sums and ratios; off-CPU and wall time,
				       * which --weight shows) */
	/* the cell of the text tables and the TUI when it is not format's
	 * (a time: ms, as the header says; format keeps ns for CSV/JSON) */
	void (*text)(const struct hp_profile *p, const struct hp_column *c, uint32_t row,
		     char *buf, size_t len);
};

#define HP_MAX_COLUMNS 40

/* Fill cols with the columns for kind; returns how many. */
int columns_build(const struct hp_profile *p, enum hp_row_kind kind, struct hp_column *cols,
		  int max);

/* Row's cell of column c as the text tables and the TUI show it. */
void columns_cell(const struct hp_profile *p, const struct hp_column *c, uint32_t row, char *buf,
		  size_t len);

/* Number of rows of kind in p. */
uint32_t columns_nrows(const struct hp_profile *p, enum hp_row_kind kind);

/* Sort rows[0..n) by column c (stable on ties by the default order). */
void columns_sort(const struct hp_profile *p, const struct hp_column *c, uint32_t *rows,
		  uint32_t n);

/* Column with this id, or NULL. */
const struct hp_column *columns_find(const struct hp_column *cols, int n, const char *id);

/* 1 when event e of p is a column of the text tables, annotate and the
 * TUI: measured, and not one of the raw simulated counts kept for SQL,
 * CSV and JSON (hp_sim_event.shown). */
int columns_event_shown(const struct hp_profile *p, uint32_t e);

/* Why the counter named name has no value per function or line in p, into
 * buf: "NAME was not measured in this run: REASON", or "NAME was counted
 * for the whole run only (TOTAL), not with each sample ..." (a software
 * counter of a default run). NULL when p has no such event or it has a
 * value per row. For --sort, --columns and --weight errors. */
const char *columns_counter_why(const struct hp_profile *p, const char *name, char *buf,
				size_t len);

/* The id of the column a table of kind is ordered by when none is asked
 * for: "self" ("samples" for threads), or "sim_Ir" in a simulated run. */
const char *columns_default_sort(const struct hp_profile *p, enum hp_row_kind kind);

#endif

/*
 * report_internal.h - what report.c (CSV, JSON) and report_text.c share.
 * Not for other modules.
 */
#ifndef HP_REPORT_INTERNAL_H
#define HP_REPORT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "analyzer/columns.h"
#include "analyzer/report.h"

/* Row indices of kind ordered by the column sort (default: self, or
 * samples for threads). Caller frees; NULL when out of memory. */
uint32_t *report_sorted_rows(const struct hp_profile *p, enum hp_row_kind kind,
			     const struct hp_column *cols, int ncols, const char *sort);

/* A row that carries nothing in the selection (self_only: nothing of its
 * own): left out of the tables. */
int report_row_empty(const struct hp_profile *p, enum hp_row_kind kind, uint32_t r, int self_only);

int report_print_text(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o);

/* The rank section of an MPI job (ranks.h) in o's format; with only = 0,
 * nothing for a profile that holds no MPI rank. */
int report_ranks_section(FILE *out, const struct hp_profile *p, const struct hp_report_opts *o,
			 int only);

#endif

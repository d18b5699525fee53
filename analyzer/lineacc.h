/*
 * lineacc.h - a line accumulator: values summed per source line, the key
 * being (function, file, line), for the report tables that charge each
 * stack to one of its frames (the memory report's lines that grew RSS, its
 * Python lines that allocated).
 *
 * Rows come out in the order their line was first added until
 * lineacc_sort orders them by one column, largest first, rows of equal
 * value keeping that first-added order. Sums saturate (common/satarith.h).
 */
#ifndef HP_LINEACC_H
#define HP_LINEACC_H

#include <stdint.h>

#include "common/hmap.h"

#define HP_LINEACC_COLS 4            /* values per row at the most */

struct hp_lineacc_row {
	uint32_t func;                /* index into the profile's functions */
	uint32_t file;                /* files.id */
	uint32_t line;
	uint32_t first;               /* the order in which the line was first added */
	int64_t v[HP_LINEACC_COLS];      /* the sums; columns past the caller's count stay 0 */
};

struct hp_lineacc {
	struct hp_lineacc_row *rows;     /* [n] */
	uint32_t *pos;                /* [n] a row's first-added number -> its index in rows */
	uint32_t n, cap;
	struct hp_hmap index;         /* (function, file, line) -> first-added number */
};

void lineacc_init(struct hp_lineacc *a);
void lineacc_release(struct hp_lineacc *a);
/* Add v[0..nv) (nv <= HP_LINEACC_COLS) to the row of (func, file, line),
 * making the row when it is the line's first. Returns 0, -EINVAL for a
 * bad nv, or -ENOMEM (nothing is added then). */
int lineacc_add(struct hp_lineacc *a, uint32_t func, uint32_t file, uint32_t line,
		const int64_t *v, int nv);
/* Order the rows by column col, largest first (ties: first added first).
 * Adding may go on afterwards (a new line's row comes last). */
void lineacc_sort(struct hp_lineacc *a, int col);

#endif

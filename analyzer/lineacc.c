/*
 * lineacc.c - the line accumulator (lineacc.h): a growing array of rows,
 * a hash map from the (function, file, line) key to the row's first-added
 * number, and where each such row stands now (sorting moves rows).
 */
#include "analyzer/lineacc.h"

#include <errno.h>
#include <stdlib.h>

#include "common/satarith.h"

void lineacc_init(struct hp_lineacc *a)
{
	a->rows = NULL;
	a->pos = NULL;
	a->n = a->cap = 0;
	hmap_init(&a->index);
}

void lineacc_release(struct hp_lineacc *a)
{
	free(a->rows);
	free(a->pos);
	hmap_release(&a->index);
	lineacc_init(a);
}

/* Room for one more row. */
static int grow(struct hp_lineacc *a)
{
	uint32_t cap = a->cap ? a->cap * 2 : 64;
	if (cap <= a->cap)
		return -ENOMEM;
	struct hp_lineacc_row *r = realloc(a->rows, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	a->rows = r;
	uint32_t *pos = realloc(a->pos, cap * sizeof(*pos));
	if (!pos)
		return -ENOMEM;
	a->pos = pos;
	a->cap = cap;
	return 0;
}

/* The index in rows of the key's row, made when it is new; -ENOMEM. The
 * map's key is a hash of (function, file, line) and its value the row's
 * first-added number (which sorting does not change): a row found under it
 * is checked, and two lines whose hashes collide take the next hash of the
 * chain. */
static int64_t row_of(struct hp_lineacc *a, uint32_t func, uint32_t file, uint32_t line)
{
	uint64_t key = hmap_key2(((uint64_t)file << 32) | line, func), f;
	while (hmap_get(&a->index, key, &f)) {
		const struct hp_lineacc_row *r = &a->rows[a->pos[f]];
		if (r->func == func && r->file == file && r->line == line)
			return a->pos[f];
		key = hmap_key2(key, 1);
	}
	if (a->n == a->cap && grow(a))
		return -ENOMEM;
	if (hmap_put(&a->index, key, a->n))
		return -ENOMEM;
	a->rows[a->n] = (struct hp_lineacc_row){ func, file, line, a->n, { 0 } };
	a->pos[a->n] = a->n;
	return a->n++;
}

int lineacc_add(struct hp_lineacc *a, uint32_t func, uint32_t file, uint32_t line,
		const int64_t *v, int nv)
{
	if (nv < 0 || nv > HP_LINEACC_COLS)
		return -EINVAL;
	int64_t j = row_of(a, func, file, line);
	if (j < 0)
		return (int)j;
	for (int c = 0; c < nv; c++)
		a->rows[j].v[c] = hp_add_sat(a->rows[j].v[c], v[c]);
	return 0;
}

static int by_col(const void *x, const void *y, void *col)
{
	const struct hp_lineacc_row *a = x, *b = y;
	int c = *(const int *)col;
	if (a->v[c] != b->v[c])
		return a->v[c] > b->v[c] ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

void lineacc_sort(struct hp_lineacc *a, int col)
{
	if (col < 0 || col >= HP_LINEACC_COLS || a->n < 2)
		return;
	qsort_r(a->rows, a->n, sizeof(a->rows[0]), by_col, &col);
	for (uint32_t i = 0; i < a->n; i++)
		a->pos[a->rows[i].first] = i;
}

/*
 * test_lineacc.c - the line accumulator (analyzer/lineacc.c): values
 * summed per (function, file, line) with each part of the key telling rows
 * apart; rows in first-added order, then sorted by a column with ties kept
 * in that order, and rows found again (or new ones added last) after a
 * sort; sums that saturate instead of overflowing; a bad column
 * count refused; 100,000 distinct lines (the array and the index grow)
 * each found again; release leaves an empty accumulator that can be used
 * again.
 */
#include <errno.h>
#include <stdint.h>

#include "analyzer/lineacc.h"
#include "hp_test.h"

static void sums_per_key(void)
{
	struct hp_lineacc a;
	lineacc_init(&a);
	int64_t one[4] = { 1, 10, 100, 1000 }, two[4] = { 2, 20, 200, 2000 };
	CHECK(lineacc_add(&a, 1, 2, 3, one, 4) == 0);
	CHECK(lineacc_add(&a, 1, 2, 4, one, 4) == 0);     /* another line */
	CHECK(lineacc_add(&a, 1, 5, 3, one, 4) == 0);     /* another file */
	CHECK(lineacc_add(&a, 6, 2, 3, one, 4) == 0);     /* another function */
	CHECK(lineacc_add(&a, 1, 2, 3, two, 4) == 0);     /* the first line again */
	CHECK(lineacc_add(&a, 6, 2, 3, two, 2) == 0);     /* two columns only */
	CHECK_EQ_INT(a.n, 4);
	const struct hp_lineacc_row *r = a.rows;
	CHECK(r[0].func == 1 && r[0].file == 2 && r[0].line == 3);
	CHECK(r[0].v[0] == 3 && r[0].v[1] == 30 && r[0].v[2] == 300 && r[0].v[3] == 3000);
	CHECK(r[1].func == 1 && r[1].file == 2 && r[1].line == 4 && r[1].v[3] == 1000);
	CHECK(r[2].func == 1 && r[2].file == 5 && r[2].line == 3 && r[2].v[0] == 1);
	CHECK(r[3].func == 6 && r[3].v[0] == 3 && r[3].v[1] == 30 && r[3].v[2] == 100);
	CHECK(lineacc_add(&a, 1, 2, 3, one, 5) == -EINVAL);
	CHECK(lineacc_add(&a, 1, 2, 3, one, -1) == -EINVAL);
	CHECK_EQ_INT(a.rows[0].v[0], 3);
	lineacc_release(&a);
	CHECK(a.n == 0 && a.rows == NULL);
	CHECK(lineacc_add(&a, 1, 2, 3, one, 1) == 0);     /* usable again */
	CHECK(a.n == 1 && a.rows[0].v[0] == 1 && a.rows[0].v[1] == 0);
	lineacc_release(&a);
}

static void sorted(void)
{
	struct hp_lineacc a;
	lineacc_init(&a);
	/* lines 1..6 with column 1 = 5, 9, 5, 7, 9, 5 and column 0 = line */
	int64_t col1[6] = { 5, 9, 5, 7, 9, 5 };
	for (uint32_t l = 1; l <= 6; l++) {
		int64_t v[2] = { l, col1[l - 1] };
		CHECK(lineacc_add(&a, 0, 0, l, v, 2) == 0);
	}
	lineacc_sort(&a, 1);
	uint32_t want[6] = { 2, 5, 4, 1, 3, 6 };     /* largest first, ties in added order */
	for (int i = 0; i < 6; i++)
		CHECK_EQ_INT(a.rows[i].line, want[i]);
	lineacc_sort(&a, 0);
	for (int i = 0; i < 6; i++)
		CHECK_EQ_INT(a.rows[i].line, 6 - i);
	/* a row found after sorting is still the key's own */
	int64_t v[2] = { 100, 0 };
	CHECK(lineacc_add(&a, 0, 0, 3, v, 2) == 0);
	CHECK(a.n == 6 && a.rows[3].line == 3 && a.rows[3].v[0] == 103);
	/* a new line after sorting comes last, and the others are still found */
	CHECK(lineacc_add(&a, 0, 0, 7, v, 2) == 0);
	CHECK(a.n == 7 && a.rows[6].line == 7 && a.rows[6].v[0] == 100);
	CHECK(lineacc_add(&a, 0, 0, 6, v, 2) == 0);
	CHECK(a.n == 7 && a.rows[0].line == 6 && a.rows[0].v[0] == 106);
	lineacc_release(&a);
}

static void saturates(void)
{
	struct hp_lineacc a;
	lineacc_init(&a);
	int64_t big[2] = { INT64_MAX - 1, INT64_MIN + 1 }, more[2] = { 5, -5 };
	CHECK(lineacc_add(&a, 1, 1, 1, big, 2) == 0);
	CHECK(lineacc_add(&a, 1, 1, 1, more, 2) == 0);
	CHECK(a.rows[0].v[0] == INT64_MAX && a.rows[0].v[1] == INT64_MIN);
	lineacc_release(&a);
}

static void many(void)
{
	struct hp_lineacc a;
	lineacc_init(&a);
	enum { N = 100000 };
	for (int pass = 1; pass <= 2; pass++)
		for (uint32_t i = 0; i < N; i++) {
			int64_t v = i;
			CHECK(lineacc_add(&a, i % 7, i % 13, i, &v, 1) == 0);
		}
	CHECK_EQ_INT(a.n, N);
	int bad = 0;
	for (uint32_t i = 0; i < N; i++)
		bad += a.rows[i].line != i || a.rows[i].v[0] != 2 * (int64_t)i;
	CHECK_EQ_INT(bad, 0);
	lineacc_sort(&a, 0);
	CHECK(a.rows[0].line == N - 1 && a.rows[N - 1].line == 0);
	lineacc_release(&a);
}

int main(void)
{
	sums_per_key();
	sorted();
	saturates();
	many();
	return hp_test_result();
}

/*
 * test_diff_util.h - shared by the diff unit tests (test_diff.c,
 * test_diff_pool.c): a diff's row by its function's name.
 */
#ifndef HP_TEST_DIFF_UTIL_H
#define HP_TEST_DIFF_UTIL_H

#include <string.h>

#include "analyzer/diff.h"

static inline const struct hp_diff_row *row(const struct hp_diff *d, const char *name)
{
	for (uint32_t i = 0; i < d->nrows; i++)
		if (!strcmp(d->rows[i].name, name))
			return &d->rows[i];
	return NULL;
}

#endif

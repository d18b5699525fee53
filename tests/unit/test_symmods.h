/*
 * test_symmods.h - for the symbolizer tests that look at its modules
 * (analyzer/symbolize_internal.h): a module's index, equal strings.
 */
#ifndef HP_TEST_SYMMODS_H
#define HP_TEST_SYMMODS_H

#include <stdint.h>
#include <string.h>

#include "analyzer/symbolize.h"
#include "analyzer/symbolize_internal.h"

/* Both NULL, or equal. */
static inline int tsym_same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The index of the module at path in s, or UINT32_MAX when s has none. */
static inline uint32_t tsym_module_find(const struct hp_symbolizer *s, const char *path)
{
	for (uint32_t i = 0; i < s->nmods; i++)
		if (!strcmp(s->mods[i].path, path))
			return i;
	return UINT32_MAX;
}

/* The same, after a first lookup in it has made s open the module. */
static inline uint32_t tsym_module_open(struct hp_symbolizer *s, const char *path)
{
	struct hp_frame fr[1];
	symbolize_addr(s, path, 0, fr, 1);
	return tsym_module_find(s, path);
}

#endif

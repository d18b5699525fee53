/*
 * kallsyms.c - the lines of /proc/kallsyms (kallsyms.h).
 *
 * Cuts one line in place: no allocation, no copy, so that a reader of the
 * whole file (100k+ lines) pays only the scan. Does not read files, sort
 * or choose among aliases: the analyzer's table (analyzer/ksyms.c) and the
 * collector's stack resolution (collector/kstack.c) do.
 */
#include "common/kallsyms.h"

#include <stdlib.h>
#include <string.h>

int kallsyms_text_rank(char t)
{
	switch (t) {
	case 'T': return 0;
	case 'W': return 1;
	case 't': return 2;
	case 'w': return 3;
	default:  return -1;           /* data, absolute, ...: not code */
	}
}

int kallsyms_parse(char *line, struct hp_kallsyms_line *out)
{
	char *p, *end, *tab;
	uint64_t addr = strtoull(line, &end, 16);
	if (end == line || *end != ' ')
		return -2;
	p = end + 1;
	if (!*p || *p == '\n' || p[1] != ' ')
		return -2;
	out->addr = addr;
	out->type = *p;
	out->name = p + 2;
	out->module = NULL;
	out->name[strcspn(out->name, "\n")] = '\0';
	if ((tab = strchr(out->name, '\t'))) {
		*tab = '\0';
		out->module = tab + 1 + (tab[1] == '[');
		out->module[strcspn(out->module, "]")] = '\0';
	}
	if (!*out->name)
		return -2;
	return kallsyms_text_rank(out->type);
}

/*
 * perfmap.c - read /tmp/perf-PID.map files and look addresses up in them
 * (format and rules: perfmap.h).
 *
 * Entries are kept in file order (seq), each with its own copy of the
 * name, and in an index sorted by start that is rebuilt after each read. A lookup finds the last region starting at or before the
 * address and walks back over the regions that may still cover it (no
 * further than the largest region), keeping the latest line.
 */
#include "collector/perfmap.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"

struct perfmap {
	char *path;
	long offset;                    /* bytes consumed so far */
	struct perfmap_entry *e;        /* file order; names point into the arena */
	size_t n, cap;
	size_t *order;                  /* indices sorted by (start, seq) */
	size_t ordered;                 /* entries in order[] */
	size_t order_cap;
	uint64_t max_size;              /* largest region */
	size_t bad;
};

static int parse_hex(const char **p, uint64_t *val)
{
	const char *s = *p;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 16);
	if (errno)
		return -EINVAL;
	*val = v;
	*p = end;
	return 0;
}

int perfmap_parse_line(const char *line, uint64_t *start, uint64_t *size, size_t *name_off)
{
	const char *p = line;
	if (parse_hex(&p, start) || *p != ' ')
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (parse_hex(&p, size) || *p != ' ')
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (!*p)
		return -EINVAL;
	*name_off = (size_t)(p - line);
	return 0;
}

static int add_entry(struct perfmap *pm, uint64_t start, uint64_t size, const char *name)
{
	if (hp_grow((void **)&pm->e, &pm->cap, pm->n + 1, sizeof(*pm->e)))
		return -ENOMEM;
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	pm->e[pm->n] = (struct perfmap_entry){ start, size, copy, (uint32_t)pm->n };
	pm->n++;
	if (size > pm->max_size)
		pm->max_size = size;
	return 0;
}

static int by_start(const void *a, const void *b, void *ctx)
{
	const struct perfmap *pm = ctx;
	const struct perfmap_entry *x = &pm->e[*(const size_t *)a];
	const struct perfmap_entry *y = &pm->e[*(const size_t *)b];
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int reindex(struct perfmap *pm)
{
	if (pm->ordered == pm->n)
		return 0;
	if (hp_grow((void **)&pm->order, &pm->order_cap, pm->n, sizeof(*pm->order)))
		return -ENOMEM;
	for (size_t i = 0; i < pm->n; i++)
		pm->order[i] = i;
	qsort_r(pm->order, pm->n, sizeof(*pm->order), by_start, pm);
	pm->ordered = pm->n;
	return 0;
}

int perfmap_update(struct perfmap *pm)
{
	FILE *f = fopen(pm->path, "re");
	char *line = NULL;
	size_t cap = 0, before = pm->n;
	ssize_t len;
	int err = 0;

	if (!f)
		return -errno;
	if (fseek(f, pm->offset, SEEK_SET)) {
		err = -errno;
		goto close_file;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break;                   /* being written: read it next time */
		pm->offset += len;
		line[len - 1] = '\0';
		uint64_t start, size;
		size_t name;
		if (perfmap_parse_line(line, &start, &size, &name)) {
			pm->bad++;
			continue;
		}
		if ((err = add_entry(pm, start, size, line + name)))
			break;
	}
	free(line);
	if (!err)
		err = reindex(pm);
close_file:
	fclose(f);
	return err ? err : (int)(pm->n - before);
}

int perfmap_load(const char *path, struct perfmap **out)
{
	struct perfmap *pm = calloc(1, sizeof(*pm));
	if (!pm || !(pm->path = strdup(path))) {
		free(pm);
		return -ENOMEM;
	}
	int err = perfmap_update(pm);
	if (err < 0) {
		perfmap_free(pm);
		return err;
	}
	*out = pm;
	return 0;
}

int perfmap_open(uint32_t pid, struct perfmap **out)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/perf-%u.map", pid);
	return perfmap_load(path, out);
}

const struct perfmap_entry *perfmap_lookup(struct perfmap *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->ordered;   /* first index whose start > addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pm->e[pm->order[mid]].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct perfmap_entry *best = NULL;
	for (size_t i = lo; i-- > 0;) {
		const struct perfmap_entry *e = &pm->e[pm->order[i]];
		if (addr - e->start >= pm->max_size)
			break;                   /* no region reaches this far */
		if (addr - e->start < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	return best;
}

size_t perfmap_count(const struct perfmap *pm)
{
	return pm->n;
}

size_t perfmap_bad_lines(const struct perfmap *pm)
{
	return pm->bad;
}

void perfmap_free(struct perfmap *pm)
{
	if (!pm)
		return;
	for (size_t i = 0; i < pm->n; i++)
		free((char *)pm->e[i].name);
	free(pm->e);
	free(pm->order);
	free(pm->path);
	free(pm);
}

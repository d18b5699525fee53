/*
 * ksymtab_build.c - the running kernel's symbol table built from
 * /proc/kallsyms and /proc/modules (ksymtab.h: ksymtab_build,
 * ksymtab_running).
 *
 * Keeps the text symbols (types t, T, w, W) sorted by address; of several
 * at one address the one perf would print names it (global over weak over
 * local, fewer leading underscores, then the longer name) and is placed
 * last of them; the others stay for the collector's lookups by name
 * (collector/kstack.c). The file is read whole and parsed in place
 * (common/kallsyms.h), then made into the compact table of ksymtab.h.
 * The analyzer (analyzer/ksyms.c, naming kernel frames) and the collector
 * (an attach's kernel stacks) build it here, and whichever comes first in
 * a boot writes the per-boot cache (ksymtab.c) that the other maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/kallsyms.h"
#include "common/ksymtab.h"

/* A symbol while the table is built: its name points into the file's text. */
struct bsym {
	uint64_t addr;
	const char *name;
	int32_t module;               /* index into the builder's modules, -1: the kernel */
	uint8_t rank;                 /* 0 global .. 3 local weak: lower wins */
};

struct bmod {
	char *name;                   /* malloc'd */
	uint64_t base, size;
};

struct builder {
	char *text;                   /* the kallsyms file, NUL-terminated in place */
	struct bsym *syms;
	size_t nsyms, capsyms;
	struct bmod *mods;
	size_t nmods, capmods;
};

static int module_index(struct builder *b, const char *name, size_t len, int32_t *out)
{
	/* module symbols come in runs: try the last module first */
	if (b->nmods && strlen(b->mods[b->nmods - 1].name) == len &&
	    !strncmp(b->mods[b->nmods - 1].name, name, len)) {
		*out = (int32_t)b->nmods - 1;
		return 0;
	}
	for (size_t i = 0; i < b->nmods; i++)
		if (strlen(b->mods[i].name) == len && !strncmp(b->mods[i].name, name, len)) {
			*out = (int32_t)i;
			return 0;
		}
	if (hp_grow((void **)&b->mods, &b->capmods, b->nmods + 1, sizeof(*b->mods)))
		return -ENOMEM;
	char *copy = strndup(name, len);
	if (!copy)
		return -ENOMEM;
	b->mods[b->nmods] = (struct bmod){ copy, 0, 0 };
	*out = (int32_t)b->nmods++;
	return 0;
}

/* One kallsyms line, NUL-terminated in place (common/kallsyms.h): a
 * function's name stays where it is; a module name is copied. */
static int parse_symbol(struct builder *b, char *line, int *nonzero)
{
	struct hp_kallsyms_line l;
	int rank = kallsyms_parse(line, &l);
	if (rank < 0)
		return 0;
	*nonzero |= l.addr != 0;
	int32_t mod = -1;
	if (l.module && module_index(b, l.module, strlen(l.module), &mod))
		return -ENOMEM;
	if (hp_grow((void **)&b->syms, &b->capsyms, b->nsyms + 1, sizeof(*b->syms)))
		return -ENOMEM;
	b->syms[b->nsyms++] = (struct bsym){ l.addr, l.name, mod, (uint8_t)rank };
	return 0;
}

/* The whole file into b->text, NUL-terminated (procfs files have no size
 * to ask for: read until the end). */
static int slurp(struct builder *b, FILE *f)
{
	size_t cap = 0, n = 0;
	for (;;) {
		if (hp_grow((void **)&b->text, &cap, n + 65536 + 1, 1))
			return -ENOMEM;
		size_t got = fread(b->text + n, 1, cap - n - 1, f);
		n += got;
		if (!got)
			break;
	}
	b->text[n] = '\0';
	return ferror(f) ? -EIO : 0;
}

static size_t leading_underscores(const char *s)
{
	size_t n = 0;
	while (s[n] == '_')
		n++;
	return n;
}

/* By address, then the preferred alias first. */
static int by_addr(const void *a, const void *b)
{
	const struct bsym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	size_t ux = leading_underscores(x->name), uy = leading_underscores(y->name);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	size_t lx = strlen(x->name), ly = strlen(y->name);
	if (lx != ly)
		return lx > ly ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Sorted by address (kallsyms lists the kernel's own symbols in address
 * order already: sort only when something is out of it), the preferred
 * symbol of each address moved after its aliases, which keep their order
 * (the kernel's, which the collector's lookups by name follow). */
static void sort_symbols(struct builder *b)
{
	for (size_t i = 1; i < b->nsyms; i++)
		if (b->syms[i].addr < b->syms[i - 1].addr) {
			qsort(b->syms, b->nsyms, sizeof(*b->syms), by_addr);
			break;
		}
	for (size_t i = 0, end; i < b->nsyms; i = end) {
		size_t best = i;
		for (end = i + 1; end < b->nsyms && b->syms[end].addr == b->syms[i].addr; end++)
			if (by_addr(&b->syms[end], &b->syms[best]) < 0)
				best = end;
		struct bsym keep = b->syms[best];
		memmove(&b->syms[best], &b->syms[best + 1], (end - 1 - best) * sizeof(keep));
		b->syms[end - 1] = keep;
	}
}

/* /proc/modules: "NAME SIZE REFS DEPS STATE ADDR": each module's extent. */
static int read_modules(struct builder *b, const char *path)
{
	FILE *f = path ? fopen(path, "re") : NULL;
	char line[4096], name[256];
	unsigned long long size, base;
	int err = 0;
	if (!f)
		return 0;                  /* a kernel without modules */
	while (!err && fgets(line, sizeof(line), f)) {
		int32_t m;
		if (sscanf(line, "%255s %llu %*s %*s %*s %llx", name, &size, &base) != 3)
			continue;
		if (!(err = module_index(b, name, strlen(name), &m))) {
			b->mods[m].base = base;
			b->mods[m].size = base ? size : 0;
		}
	}
	fclose(f);
	return err;
}

/* The compact table of the builder into *t: names copied into one blob. */
static int compact(const struct builder *b, struct hp_ksymtab *t)
{
	size_t len = 1;
	for (size_t i = 0; i < b->nsyms; i++)
		len += strlen(b->syms[i].name) + 1;
	for (size_t i = 0; i < b->nmods; i++)
		len += strlen(b->mods[i].name) + 1;
	struct hp_ksym *syms = malloc((b->nsyms ? b->nsyms : 1) * sizeof(*syms));
	struct hp_kmod *mods = malloc((b->nmods ? b->nmods : 1) * sizeof(*mods));
	char *names = len < UINT32_MAX ? malloc(len) : NULL;
	if (!syms || !mods || !names) {
		free(syms);
		free(mods);
		free(names);
		return -ENOMEM;
	}
	size_t at = 0;
	names[at++] = '\0';                   /* offset 0: "" */
	for (size_t i = 0; i < b->nmods; i++) {
		mods[i] = (struct hp_kmod){ b->mods[i].base, b->mods[i].size, (uint32_t)at, 0 };
		at += (size_t)(stpcpy(names + at, b->mods[i].name) - (names + at)) + 1;
	}
	for (size_t i = 0; i < b->nsyms; i++) {
		syms[i] = (struct hp_ksym){ b->syms[i].addr, (uint32_t)at, b->syms[i].module };
		at += (size_t)(stpcpy(names + at, b->syms[i].name) - (names + at)) + 1;
	}
	*t = (struct hp_ksymtab){ .syms = syms, .nsyms = b->nsyms, .mods = mods,
				  .nmods = b->nmods, .names = names, .names_len = len, .owned = 1 };
	return 0;
}

int ksymtab_build(const char *kallsyms, const char *modules, struct hp_ksymtab *t)
{
	struct builder b = { 0 };
	int err, nonzero = 0;
	FILE *f = fopen(kallsyms, "re");
	if (!f)
		return -errno;
	err = slurp(&b, f);
	fclose(f);
	for (char *line = b.text, *next; !err && line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		err = parse_symbol(&b, line, &nonzero);
	}
	if (!err && !nonzero)
		err = -EPERM;              /* kptr_restrict: every address reads 0 */
	if (!err)
		err = read_modules(&b, modules);
	if (!err) {
		sort_symbols(&b);
		err = compact(&b, t);
	}
	free(b.text);
	free(b.syms);
	for (size_t i = 0; i < b.nmods; i++)
		free(b.mods[i].name);
	free(b.mods);
	return err;
}

int ksymtab_running(struct hp_ksymtab *t, int *built)
{
	*built = 0;
	if (!ksymtab_cache_open(t))
		return 0;
	int err = ksymtab_build(KALLSYMS_FILE, MODULES_FILE, t);
	if (!err) {
		*built = 1;
		ksymtab_cache_write(t);
	}
	return err;
}

void ksymtab_release(struct hp_ksymtab *t)
{
	if (t->owned) {
		free((void *)t->syms);
		free((void *)t->mods);
		free((void *)t->names);
	}
	ksymtab_unmap(t);
	memset(t, 0, sizeof(*t));
}

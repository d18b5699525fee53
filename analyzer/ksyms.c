/*
 * ksyms.c - the kernel's symbol table from /proc/kallsyms and
 * /proc/modules (ksyms.h).
 *
 * Keeps the text symbols (types t, T, w, W) sorted by address; of several
 * at one address the one perf would print wins (global over weak over
 * local, fewer leading underscores, then the longer name). A lookup is a
 * binary search; a function ends where the next symbol starts, and never
 * past the end of its module. Names live in the table's arena.
 */
#include "analyzer/ksyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/arena.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/log.h"

#define KALLSYMS_FILE "/proc/kallsyms"
#define MODULES_FILE  "/proc/modules"

struct ksym {
	uint64_t addr;
	const char *name;
	int32_t module;               /* index into modules, -1: the kernel itself */
	uint8_t rank;                 /* 0 global .. 3 local weak: lower wins */
};

struct kmodule {
	const char *name;
	uint64_t base, size;          /* size 0: extent unknown */
};

struct hp_ksyms {
	int state;                    /* 0: not read yet, 1: read, else the -errno of reading
				       * (-ESTALE: recorded in another boot) */
	int warned;
	struct hp_arena arena;
	struct ksym *syms;
	size_t nsyms, capsyms;
	struct kmodule *mods;
	size_t nmods, capmods;
};

static int type_rank(char t)
{
	switch (t) {
	case 'T': return 0;
	case 'W': return 1;
	case 't': return 2;
	case 'w': return 3;
	default:  return -1;           /* data, absolute, ...: not code */
	}
}

static int module_index(struct hp_ksyms *k, const char *name, size_t len, int32_t *out)
{
	/* module symbols come in runs: try the last module first */
	if (k->nmods && strlen(k->mods[k->nmods - 1].name) == len &&
	    !strncmp(k->mods[k->nmods - 1].name, name, len)) {
		*out = (int32_t)k->nmods - 1;
		return 0;
	}
	for (size_t i = 0; i < k->nmods; i++)
		if (strlen(k->mods[i].name) == len && !strncmp(k->mods[i].name, name, len)) {
			*out = (int32_t)i;
			return 0;
		}
	if (hp_grow((void **)&k->mods, &k->capmods, k->nmods + 1, sizeof(*k->mods)))
		return -ENOMEM;
	char *copy = arena_alloc(&k->arena, len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = '\0';
	k->mods[k->nmods] = (struct kmodule){ copy, 0, 0 };
	*out = (int32_t)k->nmods++;
	return 0;
}

/* One kallsyms line: "ADDR TYPE NAME[\t[MODULE]]". */
static int parse_symbol(struct hp_ksyms *k, char *line, int *nonzero)
{
	char *p = line, *end;
	uint64_t addr = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return 0;
	p = end + 1;
	int rank = type_rank(*p);
	if (rank < 0 || p[1] != ' ')
		return 0;
	p += 2;
	size_t len = strcspn(p, "\t\n ");
	if (!len)
		return 0;
	*nonzero |= addr != 0;
	int32_t mod = -1;
	char *rest = p + len;
	if (*rest == '\t' && rest[1] == '[') {
		char *close = strchr(rest + 2, ']');
		if (close && module_index(k, rest + 2, (size_t)(close - rest - 2), &mod))
			return -ENOMEM;
	}
	char *name = arena_alloc(&k->arena, len + 1);
	if (!name || hp_grow((void **)&k->syms, &k->capsyms, k->nsyms + 1, sizeof(*k->syms)))
		return -ENOMEM;
	memcpy(name, p, len);
	name[len] = '\0';
	k->syms[k->nsyms++] = (struct ksym){ addr, name, mod, (uint8_t)rank };
	return 0;
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
	const struct ksym *x = a, *y = b;
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

/* Keep the first (preferred) symbol of each address. */
static void dedup(struct hp_ksyms *k)
{
	size_t n = 0;
	for (size_t i = 0; i < k->nsyms; i++)
		if (!n || k->syms[n - 1].addr != k->syms[i].addr)
			k->syms[n++] = k->syms[i];
	k->nsyms = n;
}

/* /proc/modules: "NAME SIZE REFS DEPS STATE ADDR": each module's extent. */
static int read_modules(struct hp_ksyms *k, const char *path)
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
		if (!(err = module_index(k, name, strlen(name), &m))) {
			k->mods[m].base = base;
			k->mods[m].size = base ? size : 0;
		}
	}
	fclose(f);
	return err;
}

/* Fill k from the files; k->state says how it went. */
static int read_table(struct hp_ksyms *k, const char *kallsyms, const char *modules)
{
	char line[1024];
	int err = 0, nonzero = 0;
	FILE *f = fopen(kallsyms, "re");
	if (!f)
		return k->state = -errno;
	while (!err && fgets(line, sizeof(line), f))
		err = parse_symbol(k, line, &nonzero);
	fclose(f);
	if (!err && !nonzero)
		err = -EPERM;              /* kptr_restrict: every address reads 0 */
	if (!err)
		err = read_modules(k, modules);
	if (err) {
		k->nsyms = 0;
		return k->state = err;
	}
	qsort(k->syms, k->nsyms, sizeof(*k->syms), by_addr);
	dedup(k);
	k->state = 1;
	return 0;
}

int ksyms_new(struct hp_ksyms **out)
{
	struct hp_ksyms *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	arena_init(&k->arena);
	*out = k;
	return 0;
}

int ksyms_load(const char *kallsyms, const char *modules, struct hp_ksyms **out)
{
	struct hp_ksyms *k;
	int err = ksyms_new(&k);
	if (err)
		return err;
	if ((err = read_table(k, kallsyms, modules))) {
		ksyms_free(k);
		return err;
	}
	*out = k;
	return 0;
}

void ksyms_free(struct hp_ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->mods);
	arena_release(&k->arena);
	free(k);
}

int ksyms_preload(struct hp_ksyms *k)
{
	if (!k->state)
		read_table(k, KALLSYMS_FILE, MODULES_FILE);
	return k->state < 0 ? k->state : 0;
}

void ksyms_check_boot(struct hp_ksyms *k, const char *recorded)
{
	char now[64];
	if (!recorded || !*recorded || !strcmp(recorded, ksyms_boot_id(now, sizeof(now))))
		return;
	k->state = -ESTALE;
	k->nsyms = 0;
}

size_t ksyms_count(const struct hp_ksyms *k)
{
	return k->state == 1 ? k->nsyms : 0;
}

/* The module whose extent holds addr, or -1. */
static int32_t module_at(const struct hp_ksyms *k, uint64_t addr)
{
	for (size_t i = 0; i < k->nmods; i++)
		if (k->mods[i].size && addr >= k->mods[i].base &&
		    addr - k->mods[i].base < k->mods[i].size)
			return (int32_t)i;
	return -1;
}

const char *ksyms_lookup(const struct hp_ksyms *k, uint64_t addr, const char **module,
			 uint64_t *offset)
{
	size_t lo = 0, hi = ksyms_count(k);
	int32_t in_mod = module_at(k, addr);
	*module = in_mod >= 0 ? k->mods[in_mod].name : NULL;
	*offset = in_mod >= 0 ? addr - k->mods[in_mod].base : 0;
	while (lo < hi) {                      /* first symbol above addr */
		size_t mid = lo + (hi - lo) / 2;
		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct ksym *s = &k->syms[lo - 1];
	/* Inside a module, only that module's symbols count; a module's last
	 * symbol ends with the module. */
	if (in_mod >= 0 ? s->module != in_mod
			: s->module >= 0 && k->mods[s->module].size)
		return NULL;
	*module = s->module >= 0 ? k->mods[s->module].name : NULL;
	*offset = addr - s->addr;
	return s->name;
}

/* Once per table: why its kernel frames stay unnamed. */
static void warn_unnamed(struct hp_ksyms *k)
{
	if (k->warned)
		return;
	k->warned = 1;
	if (k->state == -ESTALE)
		hp_warn("kernel frames stay unnamed: the profile was recorded in another boot "
			"(kernel addresses change at every boot)");
	else if (k->state == -EPERM)
		hp_warn("kernel frames stay unnamed: " KALLSYMS_FILE " hides kernel addresses "
			"(kernel.kptr_restrict); run as root or `sysctl kernel.kptr_restrict=0`");
	else
		hp_warn("kernel frames stay unnamed: cannot read " KALLSYMS_FILE ": %s",
			hp_strerror(k->state));
}

const char *ksyms_name(struct hp_ksyms *k, uint64_t addr, char *buf, size_t len)
{
	const char *module, *name;
	uint64_t offset;
	if (ksyms_preload(k)) {
		warn_unnamed(k);
	} else if ((name = ksyms_lookup(k, addr, &module, &offset))) {
		return name;
	} else if (module) {
		snprintf(buf, len, "[%s]+0x%llx", module, (unsigned long long)offset);
		return buf;
	}
	snprintf(buf, len, KSYMS_MODULE "+0x%llx", (unsigned long long)addr);
	return buf;
}

const char *ksyms_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	return buf;
}

/*
 * ksyms.c - the kernel's symbol table from /proc/kallsyms and
 * /proc/modules (ksyms.h).
 *
 * Keeps the text symbols (types t, T, w, W) sorted by address; of several
 * at one address the one perf would print names it (global over weak over
 * local, fewer leading underscores, then the longer name) and is placed
 * last of them; the others stay for the collector's lookups by name
 * (collector/kstack.c). A lookup is a binary search; a function ends where
 * the next symbol starts, and never past the end of its module. The file
 * is read whole and parsed in place (common/kallsyms.h), then made into
 * the compact table of common/ksymtab.h, which the running kernel's table
 * also comes from when its per-boot cache is valid.
 */
#include "analyzer/ksyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/arena.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/kallsyms.h"
#include "common/ksymtab.h"
#include "common/log.h"

struct hp_ksyms {
	int state;                    /* 0: not read yet, 1: read, else the -errno of reading
				       * (-ESTALE: recorded in another boot) */
	int warned;
	struct hp_ksymtab tab;        /* malloc'd (owned) or the mapped cache file */
	void *owned[3];               /* tab's syms, mods, names when malloc'd */
};

/* --- reading /proc/kallsyms --- */

/* A symbol while the table is built: its name points into the file's text. */
struct bsym {
	uint64_t addr;
	const char *name;
	int32_t module;               /* index into the builder's modules, -1: the kernel */
	uint8_t rank;                 /* 0 global .. 3 local weak: lower wins */
};

struct bmod {
	const char *name;
	uint64_t base, size;
};

struct builder {
	char *text;                   /* the kallsyms file, NUL-terminated in place */
	struct bsym *syms;
	size_t nsyms, capsyms;
	struct bmod *mods;
	size_t nmods, capmods;
	struct hp_arena arena;        /* module names */
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
	char *copy = arena_alloc(&b->arena, len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = '\0';
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

/* The compact table of k from the builder: names copied into one blob. */
static int compact(struct hp_ksyms *k, const struct builder *b)
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
	k->tab.syms = k->owned[0] = syms;
	k->tab.nsyms = b->nsyms;
	k->tab.mods = k->owned[1] = mods;
	k->tab.nmods = b->nmods;
	k->tab.names = k->owned[2] = names;
	k->tab.names_len = len;
	k->state = 1;
	return 0;
}

/* Read the table from kallsyms and modules (/proc formats) into k (state
 * 1), or return an error with k untouched: -ENOENT/-EACCES, -EPERM when
 * every address is 0, -ENOMEM. */
static int read_files(struct hp_ksyms *k, const char *kallsyms, const char *modules)
{
	struct builder b = { 0 };
	int err, nonzero = 0;
	FILE *f = fopen(kallsyms, "re");
	if (!f)
		return -errno;
	arena_init(&b.arena);
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
		err = compact(k, &b);
	}
	free(b.text);
	free(b.syms);
	free(b.mods);
	arena_release(&b.arena);
	return err;
}

/* --- the table of the running kernel --- */

/* From the per-boot cache when it is valid, else from /proc (and then
 * cached). */
static int read_running(struct hp_ksyms *k)
{
	if (!ksymtab_cache_open(&k->tab)) {
		k->state = 1;
		return 0;
	}
	int err = read_files(k, KALLSYMS_FILE, MODULES_FILE);
	if (!err)
		ksymtab_cache_write(&k->tab);
	return err;
}

int ksyms_new(struct hp_ksyms **out)
{
	struct hp_ksyms *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	*out = k;
	return 0;
}

int ksyms_load(const char *kallsyms, const char *modules, struct hp_ksyms **out)
{
	struct hp_ksyms *k;
	int err = ksyms_new(&k);
	if (err)
		return err;
	if ((err = read_files(k, kallsyms, modules))) {
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
	for (int i = 0; i < 3; i++)
		free(k->owned[i]);
	ksymtab_unmap(&k->tab);
	free(k);
}

int ksyms_preload(struct hp_ksyms *k)
{
	if (!k->state) {
		int err = read_running(k);
		if (err)
			k->state = err;
	}
	return k->state < 0 ? k->state : 0;
}

void ksyms_check_boot(struct hp_ksyms *k, const char *recorded)
{
	char now[64];
	if (!recorded || !*recorded || !strcmp(recorded, ksymtab_boot_id(now, sizeof(now))))
		return;
	k->state = -ESTALE;
}

size_t ksyms_count(const struct hp_ksyms *k)
{
	return k->state == 1 ? k->tab.nsyms : 0;
}

/* The module whose extent holds addr, or -1. */
static int32_t module_at(const struct hp_ksymtab *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nmods; i++)
		if (t->mods[i].size && addr >= t->mods[i].base &&
		    addr - t->mods[i].base < t->mods[i].size)
			return (int32_t)i;
	return -1;
}

const char *ksyms_lookup(const struct hp_ksyms *k, uint64_t addr, const char **module,
			 uint64_t *offset)
{
	const struct hp_ksymtab *t = &k->tab;
	size_t lo = 0, hi = ksyms_count(k);
	int32_t in_mod = k->state == 1 ? module_at(t, addr) : -1;
	*module = ksymtab_module(t, in_mod);
	*offset = in_mod >= 0 ? addr - t->mods[in_mod].base : 0;
	while (lo < hi) {                      /* first symbol above addr */
		size_t mid = lo + (hi - lo) / 2;
		if (t->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct hp_ksym *s = &t->syms[lo - 1];     /* the last alias of its address */
	int32_t m = ksymtab_module(t, s->module) ? s->module : -1;
	/* Inside a module, only that module's symbols count; a module's last
	 * symbol ends with the module. */
	if (in_mod >= 0 ? m != in_mod : m >= 0 && t->mods[m].size)
		return NULL;
	*module = ksymtab_module(t, m);
	*offset = addr - s->addr;
	return ksymtab_name(t, s->name);
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

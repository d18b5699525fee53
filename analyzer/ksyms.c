/*
 * ksyms.c - the kernel's symbol table from /proc/kallsyms and
 * /proc/modules (ksyms.h).
 *
 * The table is common/ksymtab.h's: built from the files
 * (common/ksymtab_build.c: text symbols by address, the alias perf would
 * print last of those at one address), or the running kernel's per-boot
 * cache when it is valid. A lookup is a binary search; a function ends
 * where the next symbol starts, and never past the end of its module.
 */
#include "analyzer/ksyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/kallsyms.h"
#include "common/ksymtab.h"
#include "common/log.h"

struct hp_ksyms {
	int state;                    /* 0: not read yet, 1: read, else the -errno of reading
				       * (-ESTALE: recorded in another boot) */
	int warned;
	struct hp_ksymtab tab;        /* built (owned) or the mapped cache file */
};

/* --- the table of the running kernel --- */

/* From the per-boot cache when it is valid, else from /proc (and then
 * cached: common/ksymtab_build.c). */
static int read_running(struct hp_ksyms *k)
{
	int built, err = ksymtab_running(&k->tab, &built);
	if (!err)
		k->state = 1;
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
	if ((err = ksymtab_build(kallsyms, modules, &k->tab))) {
		ksyms_free(k);
		return err;
	}
	k->state = 1;
	*out = k;
	return 0;
}

void ksyms_free(struct hp_ksyms *k)
{
	if (!k)
		return;
	ksymtab_release(&k->tab);
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

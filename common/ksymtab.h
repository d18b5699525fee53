/*
 * ksymtab.h - the running kernel's functions as one compact table, and
 * its per-boot cache file (ksymtab.c).
 *
 * The analyzer names kernel frames with it (analyzer/ksyms.c); the
 * collector looks up the kernel frames of threads found asleep at an
 * attach in it (collector/kstack.c). Whichever needs it first in a boot
 * builds it from /proc/kallsyms (ksymtab_build.c) and saves it, so that
 * neither reads /proc/kallsyms again in that boot. The table is
 * position-independent, so that the cache file is the table itself,
 * mapped read-only: symbols and module extents whose names are offsets
 * into one blob of NUL-terminated names.
 */
#ifndef HP_KSYMTAB_H
#define HP_KSYMTAB_H

#include <stddef.h>
#include <stdint.h>

/* One function. The table is sorted by addr; every text symbol of
 * kallsyms is kept, aliases too, the one to name an address by last
 * among those at that address. */
struct hp_ksym {
	uint64_t addr;
	uint32_t name;                /* offset into names */
	int32_t module;               /* index into mods, -1: the kernel itself */
};

/* One kernel module. */
struct hp_kmod {
	uint64_t base, size;          /* size 0: extent unknown */
	uint32_t name;                /* offset into names */
	uint32_t unused;
};

struct hp_ksymtab {
	const struct hp_ksym *syms;
	size_t nsyms;
	const struct hp_kmod *mods;
	size_t nmods;
	const char *names;            /* names_len bytes, the last one NUL */
	size_t names_len;
	void *map;                    /* the cache file when mapped, map_len bytes */
	size_t map_len;
	int owned;                    /* syms, mods and names are malloc'd (ksymtab_build) */
};

/* The table of kallsyms and modules (files in /proc's formats; modules
 * NULL or missing: no module extents) into *t, its arrays malloc'd
 * (ksymtab_release). Returns 0, -errno when kallsyms cannot be read,
 * -EPERM when it shows every address as 0 (kptr_restrict), -ENOMEM; *t
 * is untouched on error. */
int ksymtab_build(const char *kallsyms, const char *modules, struct hp_ksymtab *t);

/* The running kernel's table into *t (ksymtab_release): its per-boot
 * cache when valid (*built 0), else built from /proc/kallsyms and
 * /proc/modules and written to the cache for the next run or attach
 * (*built 1). Returns 0 or ksymtab_build's error. */
int ksymtab_running(struct hp_ksymtab *t, int *built);

/* Free t's arrays (ksymtab_build) or unmap its file (ksymtab_cache_open);
 * *t is zeroed. */
void ksymtab_release(struct hp_ksymtab *t);

/* Map the running kernel's cached table into *t (ksymtab_unmap). Returns
 * 0, or an error when there is none valid: -ENOENT (no cache file, boot id
 * or visible kernel address), -ESTALE (of another boot, module set or
 * kptr_restrict, or corrupt), -errno of the mapping. Offsets in the
 * table are not checked here: use ksymtab_name and ksymtab_module. */
int ksymtab_cache_open(struct hp_ksymtab *t);

/* Save t as the running kernel's table: a temporary file renamed into
 * place (concurrent runs write whole files), other boots' files removed.
 * Best effort: nothing is said when it fails. */
void ksymtab_cache_write(const struct hp_ksymtab *t);

/* Unmap t's cache file, if mapped. */
void ksymtab_unmap(struct hp_ksymtab *t);

/* The name at offset off of t's blob ("" when off is outside it). */
const char *ksymtab_name(const struct hp_ksymtab *t, uint32_t off);

/* The name of module m, or NULL for -1 (the kernel) or an index outside t. */
const char *ksymtab_module(const struct hp_ksymtab *t, int32_t m);

/* The running kernel's boot id (/proc/sys/kernel/random/boot_id) into
 * buf; "" when unknown. Returns buf. */
const char *ksymtab_boot_id(char *buf, size_t len);

#endif

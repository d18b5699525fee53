/*
 * ksyms_internal.h - the kernel symbol table as ksyms.c (reading
 * /proc/kallsyms, lookups) and ksyms_cache.c (the per-boot cache file)
 * share it. Not an interface: only analyzer/ksyms*.c include it.
 *
 * The table is compact and position-independent, so that the cache file is
 * the table itself, mapped read-only: sorted symbols and module extents
 * whose names are offsets into one blob of NUL-terminated names.
 */
#ifndef HP_KSYMS_INTERNAL_H
#define HP_KSYMS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/ksyms.h"
#include "common/kallsyms.h"

/* One function: sorted by addr, one per address. */
struct ksym {
	uint64_t addr;
	uint32_t name;                /* offset into names */
	int32_t module;               /* index into mods, -1: the kernel itself */
};

/* One kernel module. */
struct kmod {
	uint64_t base, size;          /* size 0: extent unknown */
	uint32_t name;                /* offset into names */
	uint32_t unused;
};

struct hp_ksyms {
	int state;                    /* 0: not read yet, 1: read, else the -errno of reading
				       * (-ESTALE: recorded in another boot) */
	int warned;
	/* the table: malloc'd (owned) or in the mapped cache file (map) */
	const struct ksym *syms;
	size_t nsyms;
	const struct kmod *mods;
	size_t nmods;
	const char *names;            /* names_len bytes, the last one NUL */
	size_t names_len;
	void *owned[3];               /* syms, mods, names when malloc'd */
	void *map;                    /* the cache file, map_len bytes */
	size_t map_len;
};

/* Read the table from kallsyms and modules (/proc formats) into k (state
 * 1), or return an error with k untouched: -ENOENT/-EACCES, -EPERM when
 * every address is 0, -ENOMEM. */
int ksyms_read_files(struct hp_ksyms *k, const char *kallsyms, const char *modules);

/* The cache of the running kernel's table: ksyms_cache_open maps a valid
 * one into k (state 1) and returns 0, else an error (absent, of another
 * boot or module set, corrupt); ksyms_cache_write saves k's table
 * (best effort). */
int ksyms_cache_open(struct hp_ksyms *k);
void ksyms_cache_write(const struct hp_ksyms *k);

#endif

/*
 * module.h - ELF files seen in the target's mappings, mapped read-only once.
 *
 * A module answers three questions for the unwinder and the session:
 * where is its unwind table (.eh_frame_hdr), what bytes are at a virtual
 * address (memory the stack copy does not hold, e.g. .eh_frame), and which
 * virtual address a file offset corresponds to (to compute the load bias of
 * a mapping). The vDSO has no file: "[vdso]" is served from a memfd holding
 * a copy of the collector's own vDSO (the kernel maps the same image into
 * every process).
 */
#ifndef HP_MODULE_H
#define HP_MODULE_H

#include <stddef.h>
#include <stdint.h>

struct hp_module {
	char *path;                 /* as in the mapping record ("[vdso]" for the vDSO) */
	uint32_t store_id;          /* set by the session when interned in the store; 0 before */
	int valid;                  /* 0 when the file could not be read as ELF */
	const uint8_t *image;       /* whole file, PROT_READ mapping */
	size_t size;
	uint64_t min_vaddr;         /* lowest PT_LOAD p_vaddr (page-aligned down) */
	uint64_t max_vaddr;         /* end of the highest PT_LOAD */
	uint64_t eh_frame_hdr_vaddr;/* 0 when the file has no .eh_frame_hdr */
	uint64_t eh_frame_hdr_size;
	char build_id[41];          /* hex, "" when none */
	void *priv;                 /* module.c internals (program headers) */
};

struct hp_module_cache;

int modcache_new(struct hp_module_cache **out);
void modcache_free(struct hp_module_cache *mc);

/* The module for path, opened on first use. Never NULL for a non-NULL path:
 * an unreadable file yields a module with valid = 0 (and one warning). The
 * cache owns the module. */
struct hp_module *modcache_get(struct hp_module_cache *mc, const char *path);

/* Virtual address that file offset off is loaded at, or -ENOENT in *err.
 * Used for bias = map_start - module_offset_to_vaddr(mod, map_pgoff). */
int module_offset_to_vaddr(const struct hp_module *mod, uint64_t off, uint64_t *vaddr);

/* Copy len bytes at virtual address vaddr from the file image.
 * Returns 0 or -EFAULT when the range is not file-backed. */
int module_read(const struct hp_module *mod, uint64_t vaddr, void *buf, size_t len);

/* The .eh_frame_hdr binary search table: its virtual address and number of
 * (initial location, FDE) pairs, each two datarel sdata4 words relative to
 * module_eh_segbase. A file without .eh_frame_hdr (static binaries) gets
 * the same table built from its .eh_frame, at an address past its segments
 * that module_read serves. Returns 0, or -ENOENT when the module has no
 * usable table (no .eh_frame_hdr with a datarel|sdata4 table, and no
 * .eh_frame to index). */
int module_eh_table(const struct hp_module *mod, uint64_t *table_vaddr, uint64_t *fde_count);
/* The address the table's entries are relative to (valid after
 * module_eh_table returned 0). */
uint64_t module_eh_segbase(const struct hp_module *mod);

#endif

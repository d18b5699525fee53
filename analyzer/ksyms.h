/*
 * ksyms.h - kernel code addresses to kernel function names, from
 * /proc/kallsyms and /proc/modules (what perf reads for [kernel.kallsyms]).
 *
 * The table is read once, on the machine and in the boot that recorded
 * the addresses (KASLR moves the kernel at every boot): the symbolizer
 * uses it at the end of `run` and stores the names, so the profile needs
 * it never again. A function's extent runs from its address to the next
 * symbol's (kallsyms has no sizes), and never past the end of its module
 * (/proc/modules: base and size).
 */
#ifndef HP_KSYMS_H
#define HP_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct hp_ksyms;

#define KSYMS_MODULE "[kernel.kallsyms]"   /* the module of kernel frames in a store */

/* A table of the running kernel, read from /proc/kallsyms and
 * /proc/modules on first use (ksyms_name, ksyms_preload). *out is owned by
 * the caller (ksyms_free). Returns 0 or -ENOMEM. */
int ksyms_new(struct hp_ksyms **out);
/* A table read now from kallsyms (a /proc/kallsyms-format file) and
 * modules (/proc/modules format; NULL or missing: a kernel without
 * modules). Returns 0, -ENOENT/-EACCES when kallsyms cannot be read,
 * -EPERM when it shows only zero addresses (kptr_restrict), -ENOMEM. */
int ksyms_load(const char *kallsyms, const char *modules, struct hp_ksyms **out);
void ksyms_free(struct hp_ksyms *k);

/* Read the table now if it is not yet (e.g. from a warm-up thread).
 * Returns 0 or the error ksyms_load would (also kept for later lookups). */
int ksyms_preload(struct hp_ksyms *k);

/* The addresses to name were recorded in the boot whose id is recorded
 * (NULL: unknown, trusted). When it is not the running boot, the running
 * kernel's table would give wrong names: lookups stop naming, with one
 * warning. */
void ksyms_check_boot(struct hp_ksyms *k, const char *recorded);

/* Number of text symbols read (0 before reading or when it failed). */
size_t ksyms_count(const struct hp_ksyms *k);

/* The function that contains addr (owned by k), or NULL when no symbol
 * covers it. *module is the kernel module it belongs to ("ext4"), NULL
 * for the kernel itself; *offset is addr - the function's start, or, when
 * no symbol covers addr but a module does, addr - the module's base. */
const char *ksyms_lookup(const struct hp_ksyms *k, uint64_t addr, const char **module,
			 uint64_t *offset);

/* The frame name of kernel address addr: the function that contains it;
 * else "[MODULE]+0xOFFSET" inside a module; else (no symbol, or the table
 * cannot be read: warned once) "[kernel.kallsyms]+0xADDR". Reads the
 * table on first use. Returns a pointer to k's name or to buf. */
const char *ksyms_name(struct hp_ksyms *k, uint64_t addr, char *buf, size_t len);

#endif

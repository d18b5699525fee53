/*
 * symtab.h - a sorted table of one module's function symbols.
 *
 * Built once per module (symbolize.c feeds it the function symbols and code
 * labels of .symtab or .dynsym) and
 * then answers "which function contains this address" by binary search, in
 * place of libdwfl's linear dwfl_module_addrinfo. Aliases at one address
 * collapse into one entry carrying the best name (see symtab_finish).
 * Names are not copied (except to drop a version suffix): they must
 * outlive the table (they point into the module's ELF string table, which
 * the Dwfl keeps mapped).
 */
#ifndef HP_SYMTAB_H
#define HP_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

struct hp_symtab;

/* An empty table in *out. Returns 0 or -ENOMEM. */
int symtab_new(struct hp_symtab **out);
void symtab_free(struct hp_symtab *t);

/* Add a function symbol covering [start, start + size). size 0 means
 * "unknown": the symbol then extends to the next symbol's start (at most
 * 64 KiB). bind is the ELF binding (STB_LOCAL, STB_GLOBAL, STB_WEAK).
 * A version suffix ("name@VER", "name@@VER") is dropped; the table owns
 * that shortened copy. Must not be called after symtab_finish.
 * Returns 0 or -ENOMEM. */
int symtab_add(struct hp_symtab *t, const char *name, uint64_t start, uint64_t size,
	       int bind);
/* symtab_add with a bound for a size-0 symbol: its inferred end is at most
 * limit (exclusive; 0: no bound beyond the 64 KiB cap). symbolize.c passes
 * the end of the symbol's section, or of its .eh_frame FDE, so that an
 * assembly label ("_init") does not swallow the code after it (the PLT). */
int symtab_add_bounded(struct hp_symtab *t, const char *name, uint64_t start, uint64_t size,
		       int bind, uint64_t limit);
/* symtab_add for a name made here (PLT stubs: "printf@plt"): copied as
 * is (no version suffix is dropped) into the table's own memory. */
int symtab_add_owned(struct hp_symtab *t, const char *name, uint64_t start, uint64_t size,
		     int bind);

/* Sort, merge aliases and compute extents; call once, after the last add.
 * Among aliases at one start address the name chosen is, in order (as in
 * perf): one with a size, by binding GLOBAL > WEAK > LOCAL, with fewer
 * leading underscores, shorter, then strcmp-smaller (deterministic). So
 * libm's cabs beats the local __cabs, __vdso_clock_gettime (global) beats
 * clock_gettime (weak), and malloc beats __libc_malloc. */
void symtab_finish(struct hp_symtab *t);

/* Name of the function containing addr, and its start in *start (may be
 * NULL), or NULL when no symbol covers addr. A sized symbol covering addr
 * wins over a sizeless one (an assembly label) that starts after it. */
const char *symtab_lookup(const struct hp_symtab *t, uint64_t addr, uint64_t *start);

/* The largest [*lo, *hi) around addr in which symtab_lookup answers the
 * same as for addr (the same name, or no name): bounded by the starts and
 * ends of the entries that decide the lookup. For caches of results that
 * hold for a range of addresses. */
void symtab_region(const struct hp_symtab *t, uint64_t addr, uint64_t *lo, uint64_t *hi);

/* Number of entries (after symtab_finish: distinct start addresses). */
size_t symtab_count(const struct hp_symtab *t);

/* Entry i of a finished table: all that symtab_lookup and symtab_region
 * read (for the symbol cache, symcache.c). */
void symtab_entry(const struct hp_symtab *t, size_t i, const char **name, uint64_t *start,
		  uint64_t *end, int *sized);
/* A finished table rebuilt from the entries symtab_entry gave, in their
 * order (name not copied: it must outlive the table): answers as the
 * table they came from. Call symtab_restored after the last. Returns 0 or
 * -ENOMEM. */
int symtab_restore(struct hp_symtab *t, const char *name, uint64_t start, uint64_t end,
		   int sized);
void symtab_restored(struct hp_symtab *t);

#endif

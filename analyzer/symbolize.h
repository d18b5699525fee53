/*
 * symbolize.h - addresses to functions, files, lines and inline chains (libdw).
 *
 * Works on module paths and ELF virtual addresses (load bias already
 * removed by the collector; a caller frame's address is its return address
 * minus one). Debug info is found next to the file or in /usr/lib/debug by
 * build id (libc6-dbg). Without DWARF, names come from .symtab/.dynsym;
 * without a symbol, or for a module that cannot be read,
 * "BASENAME+0xVADDR": the module path's basename and the address exactly
 * as given, in lowercase hex (e.g. "libfoo.so+0x1a2b"; for shared objects
 * and PIEs linked at 0 it is also the offset into the image). Bracketed
 * pseudo-modules other than "[vdso]" are not files: "[kernel]" at address
 * 0 is named "[kernel]", elsewhere "[kernel]+0xADDR"; "[kernel.kallsyms]"
 * addresses (absolute) are named from the running kernel's /proc/kallsyms
 * (ksyms.h), in a store only when it was recorded in this boot.
 * Aliases resolve to one name: sized, GLOBAL > WEAK > LOCAL, fewer leading
 * underscores, shorter (perf's order; e.g. "__vdso_clock_gettime", "cabs").
 * PLT stubs are "target@plt". Code no symbol covers is named after the
 * .eh_frame FDE containing it, "BASENAME+0xSTART" (one name per function
 * of a stripped binary); only code without an FDE keeps its own address.
 * C++, Rust and D names are demangled (demangle.h) unless raw names were
 * asked for; hp_frame.raw_function keeps the name as the binary spells
 * it. Answers hold for ranges of addresses and may be kept on disk per
 * build id (symbolizer_set_cache); a cached answer is the same answer.
 * A symbolizer is not thread-safe.
 */
#ifndef HP_SYMBOLIZE_H
#define HP_SYMBOLIZE_H

#include <stdint.h>

#include "common/record.h"

struct hp_store;
struct hp_symbolizer;

/* A symbolizer with no modules yet (they are opened on first use) in *out.
 * Returns 0, -ENOMEM or -HP_ENOSYMS (libdwfl failed). */
int symbolizer_new(struct hp_symbolizer **out);
/* Frees the symbolizer, its modules and every string it handed out. */
void symbolizer_free(struct hp_symbolizer *s);

/* raw = 1: names as the binary spells them (`run --no-demangle`); 0 (the
 * default): C++, Rust and D names demangled. */
void symbolizer_set_raw_names(struct hp_symbolizer *s, int raw);
/* Keep resolved addresses in dir (one file per module build id, created
 * on first save), and read them from there before reading debug info.
 * NULL (the default) turns the cache off. Set it before the first lookup.
 * Returns 0 or -ENOMEM. */
int symbolizer_set_cache(struct hp_symbolizer *s, const char *dir);
/* Write what was resolved to the cache now (symbolize_store_rows does it
 * at its end). Returns 0 or an error; nothing when the cache is off. */
int symbolizer_save_cache(struct hp_symbolizer *s);
/* How many addresses the symbol cache did not answer so far (each read
 * the module's debug information around it); -1 without a cache. */
long symbolizer_cache_misses(const struct hp_symbolizer *s);

/* Resolve vaddr in the module at path ("[vdso]" is the running kernel's
 * vDSO). Fills frames[0..n) innermost first: inlined callees, then the real
 * function last (its symbol-table name, else its DWARF name). A frame's
 * line is where execution is in that function: the line-table row for the
 * innermost, the call site of the next inner inline for the others. Files
 * are absolute when the compilation directory is; names built with a
 * relative one (Debian's libc: "malloc/malloc.c") stay relative. When the
 * chain is longer than max, the innermost max frames are returned. Results
 * are cached per (path, vaddr); strings belong to the symbolizer until
 * symbolizer_free. max must be >= 1 (else -EINVAL). Returns n >= 1 (an
 * unknown address still gets one frame). */
int symbolize_addr(struct hp_symbolizer *s, const char *path, uint64_t vaddr,
		   struct hp_frame *frames, int max);

/* Open the module at path and its debug info ahead of time (e.g. from a
 * thread while the target still runs), so that later lookups in it do not
 * pay for reading and decompressing DWARF. Returns 0 or an error; an
 * unreadable module is not an error (its lookups will fall back). */
int symbolizer_preload(struct hp_symbolizer *s, const char *path);

/* Resolve (path, vaddr) now, e.g. from the warm-up thread as each
 * location is first stored, so that symbolize_store_rows finds it memoized -
 * the same frames and names it would have resolved itself. Kernel
 * addresses only once their table is read; other pseudo-modules are left
 * to the end. Returns 1 when resolved, 0 when left to the end, or an
 * error (the lookup is simply made again). */
int symbolizer_prefetch(struct hp_symbolizer *s, const char *path, uint64_t vaddr);

/* Symbolize every location of the store that has no frames yet, writing
 * functions, files and location_frames (depth 0 innermost). A function is
 * (name, module) - the name shown, demangled unless raw names were asked
 * for, with the binary's own name as its raw_name; its file is where
 * DWARF declares it, else the file of the frame that first named it. Module id 0 becomes the function
 * "[unknown]" of module 0. A module whose build id differs from the one
 * recorded is not trusted (its addresses get the fallback name, with a
 * warning). Updates the cache when one is set. The rows stay in the
 * store's open write transaction: the caller writes more and commits once
 * (finish_profile). Returns 0 or an error. */
int symbolize_store_rows(struct hp_store *st, struct hp_symbolizer *s);

#endif

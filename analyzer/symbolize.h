/*
 * symbolize.h - addresses to functions, files, lines and inline chains (libdw).
 *
 * Works on module paths and ELF virtual addresses (load bias already
 * removed by the collector). Debug info is found next to the file or in
 * /usr/lib/debug by build id (libc6-dbg). Without DWARF, names come from
 * .symtab/.dynsym; without a symbol, "module+0xOFFSET".
 */
#ifndef HP_SYMBOLIZE_H
#define HP_SYMBOLIZE_H

#include <stdint.h>

#include "common/record.h"

struct hp_store;
struct hp_symbolizer;

int symbolizer_new(struct hp_symbolizer **out);
void symbolizer_free(struct hp_symbolizer *s);

/* Resolve vaddr in the module at path ("[vdso]" is the running kernel's
 * vDSO). Fills frames[0..n) innermost first: inlined callees, then the real
 * function last. Strings belong to the symbolizer until symbolizer_free.
 * Returns n >= 1 (an unknown address still gets one frame). */
int symbolize_addr(struct hp_symbolizer *s, const char *path, uint64_t vaddr,
		   struct hp_frame *frames, int max);

/* Symbolize every location of the store that has no frames yet, writing
 * functions, files and location_frames. Returns 0 or an error. */
int symbolize_store(struct hp_store *st, struct hp_symbolizer *s);

#endif

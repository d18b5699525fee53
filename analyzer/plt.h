/*
 * plt.h - names for PLT stubs: "target@plt", as perf names them.
 *
 * A call into a shared library goes through a stub in the caller's
 * .plt (or .plt.sec with IBT, or .plt.got for functions whose address is
 * also taken); the stubs have no symbols, so without this their samples
 * went to whatever symbol came before (often "_init"). Each stub is an
 * indirect jump through a GOT slot; the relocation of that slot
 * (.rela.plt JUMP_SLOT, .rela.dyn GLOB_DAT) names the target in .dynsym.
 * An IRELATIVE slot (an ifunc inside the module) has no symbol: it is
 * "*ABS*+0xADDEND@plt", as perf prints it.
 *
 * x86-64 only (the stubs are decoded: "jmp *disp32(%rip)", with or without
 * endbr64 and bnd prefixes); other machines get no PLT names.
 */
#ifndef HP_PLT_H
#define HP_PLT_H

#include <gelf.h>
#include <stdint.h>

/* The name of the entries that jump through no named slot: the lazy-
 * binding header .plt[0] and IBT's lazy entries (the dynamic linker's
 * binding of a symbol on its first call). */
#define PLT_LAZY_NAME "[plt]"

/* Call cb once per stub of elf: name ("printf@plt", or PLT_LAZY_NAME; valid during
 * the call only), its first address (ELF vaddr + bias) and size. Stops at
 * and returns the first non-zero value cb returns; otherwise 0, also when
 * elf has no PLT or is not x86-64. -ENOMEM when out of memory. */
int plt_each(Elf *elf, uint64_t bias,
	     int (*cb)(void *ctx, const char *name, uint64_t start, uint64_t size), void *ctx);

#endif

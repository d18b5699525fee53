/*
 * ehframe.h - the extent of a function from its .eh_frame FDE: the
 * [initial_location, initial_location + address_range) of the Frame
 * Description Entry that covers an address.
 *
 * Every function that can be unwound through has an FDE, so where no
 * symbol covers an address (stripped code) its FDE is the function. Note
 * that libdw's dwarf_cfi_addrframe()/dwarf_frame_info() give the range of
 * one row of the CFI table (e.g. the body after the prologue), not the
 * FDE's: this walks the FDEs themselves (dwarf_next_cfi).
 */
#ifndef HP_EHFRAME_H
#define HP_EHFRAME_H

#include <stdint.h>

#include <libelf.h>

/* [*start, *end) in ELF vaddrs of the FDE of elf's .eh_frame covering
 * vaddr. Returns 0, or -ENOENT when none covers it (or the file has no
 * .eh_frame, or uses pointer encodings this does not read). */
int ehframe_fde_extent(Elf *elf, uint64_t vaddr, uint64_t *start, uint64_t *end);

#endif

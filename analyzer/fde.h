/*
 * fde.h - the extent of the code around an address from its call-frame
 * information: the .eh_frame FDE (or .debug_frame when that is all a
 * module has) that contains it.
 *
 * Every function that can be unwound through has an FDE, so where no
 * symbol covers an address (stripped code) its FDE is the best available
 * extent of "the function": symbolize.c names such code "MODULE+0xSTART"
 * after the FDE's first address, and uses the FDEs to stop a sizeless
 * symbol (an assembly label) from swallowing the code after its function.
 *
 * libdw frames the CFI entries (dwarf_next_cfi) but exposes an FDE's own
 * range nowhere (dwarf_frame_info gives the range of one row of the CFI
 * table, which ends at every push in a function's prologue): this module
 * reads initial_location and address_range of each FDE with the pointer
 * encoding its CIE declares, and keeps them sorted per module.
 */
#ifndef HP_FDE_H
#define HP_FDE_H

#include <elfutils/libdwfl.h>

struct hp_fdes;

/* The FDE ranges of one module: from .eh_frame of its main file, and when
 * debug_frame is set and .eh_frame has none, from .debug_frame of its
 * debug file (which opens the debug information). *out is NULL when the
 * module has no CFI. Returns 0 or -ENOMEM. */
int fdes_load(Dwfl_Module *dm, int debug_frame, struct hp_fdes **out);
void fdes_free(struct hp_fdes *f);

/* [*start, *end) (dwfl addresses) of the FDE containing the dwfl address
 * addr. Returns 1 when found, 0 when no FDE covers addr (f may be NULL). */
int fdes_find(const struct hp_fdes *f, Dwarf_Addr addr, Dwarf_Addr *start, Dwarf_Addr *end);
/* The start of the first FDE starting above addr, or UINT64_MAX. */
Dwarf_Addr fdes_next(const struct hp_fdes *f, Dwarf_Addr addr);

#endif

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
 * libdw parses the CFI (through .eh_frame_hdr's search table when there is
 * one); nothing here reads bytes of its own.
 */
#ifndef HP_FDE_H
#define HP_FDE_H

#include <elfutils/libdwfl.h>

/* [*start, *end) of the FDE of dm containing the dwfl address addr, in
 * dwfl addresses. Returns 1 when found, 0 when no FDE covers addr (or the
 * module has no CFI). */
int fde_extent(Dwfl_Module *dm, Dwarf_Addr addr, Dwarf_Addr *start, Dwarf_Addr *end);
/* The same from .eh_frame only, which is in the module itself: it never
 * opens separate debug info (.debug_frame lives there). */
int fde_extent_eh(Dwfl_Module *dm, Dwarf_Addr addr, Dwarf_Addr *start, Dwarf_Addr *end);

#endif

/*
 * fde.c - FDE extents through libdw's CFI readers (fde.h).
 *
 * Takes a Dwfl module and a dwfl address; produces the [start, end) of the
 * FDE that contains it. .eh_frame comes first (it is what the unwinder
 * used), .debug_frame second. libdwfl keeps the parsed CFI per module, so
 * a lookup is a binary search once the table is read.
 */
#include "analyzer/fde.h"

#include <stdlib.h>

/* The FDE of one CFI table; cfi addresses = dwfl addresses - bias. */
static int cfi_extent(Dwarf_CFI *cfi, Dwarf_Addr bias, Dwarf_Addr addr, Dwarf_Addr *start,
		      Dwarf_Addr *end)
{
	Dwarf_Frame *frame = NULL;
	Dwarf_Addr lo, hi;
	bool signalp;
	if (!cfi || addr < bias || dwarf_cfi_addrframe(cfi, addr - bias, &frame) != 0)
		return 0;
	int found = dwarf_frame_info(frame, &lo, &hi, &signalp) >= 0 && lo < hi;
	free(frame);
	if (found) {
		*start = lo + bias;
		*end = hi + bias;
	}
	return found;
}

int fde_extent_eh(Dwfl_Module *dm, Dwarf_Addr addr, Dwarf_Addr *start, Dwarf_Addr *end)
{
	Dwarf_Addr bias = 0;
	return dm && cfi_extent(dwfl_module_eh_cfi(dm, &bias), bias, addr, start, end);
}

int fde_extent(Dwfl_Module *dm, Dwarf_Addr addr, Dwarf_Addr *start, Dwarf_Addr *end)
{
	Dwarf_Addr bias = 0;
	if (!dm)
		return 0;
	if (fde_extent_eh(dm, addr, start, end))
		return 1;
	return cfi_extent(dwfl_module_dwarf_cfi(dm, &bias), bias, addr, start, end);
}

/*
 * ehframe.h - the binary search table of .eh_frame_hdr, built from
 * .eh_frame itself for files linked without a header.
 *
 * The unwinder finds the FDE of a PC through the sorted table that
 * .eh_frame_hdr holds. Static binaries linked by gcc -static (and anything
 * linked with --no-eh-frame-hdr) have .eh_frame without that header: their
 * FDEs must be indexed here. The result has the header's layout, pairs of
 * int32 (initial location - segbase, FDE address - segbase) sorted by
 * location, so the unwinder searches both kinds the same way.
 *
 * Works on the section's bytes as the file holds them; every length,
 * pointer and encoding is checked against the section (the file is
 * untrusted: a malformed section gives an error, never a read past it).
 */
#ifndef HP_EHFRAME_H
#define HP_EHFRAME_H

#include <stddef.h>
#include <stdint.h>

struct hp_eh_entry {
	int32_t loc;                  /* initial location - segbase */
	int32_t fde;                  /* FDE address (its length field) - segbase */
};

/* Index the FDEs of an .eh_frame section: data[0..size) loaded at virtual
 * address vaddr; entries relative to segbase. *out (malloc'd, caller frees)
 * holds *n entries sorted by loc, duplicates removed. Returns 0, -ENOENT
 * when the section has no FDE, -HP_ECORRUPT when it is malformed,
 * -HP_EUNSUPPORTED for a pointer encoding or a distance from segbase that
 * the table cannot hold, or -ENOMEM. */
int ehframe_index(const uint8_t *data, size_t size, uint64_t vaddr, uint64_t segbase,
		  struct hp_eh_entry **out, size_t *n);

/* The entries of two tables of one segbase, each sorted by loc without
 * duplicates (ehframe_index's), in one such table: where both hold a
 * location, a's entry. For an .eh_frame that lacks some functions, merged
 * with .debug_frame's. *out (malloc'd, caller frees) holds *n entries.
 * Returns 0 or -ENOMEM. */
int ehframe_merge(const struct hp_eh_entry *a, size_t na, const struct hp_eh_entry *b, size_t nb,
		  struct hp_eh_entry **out, size_t *n);

/* The FDEs of a .debug_frame section (files without .eh_frame: Go
 * programs; code built with -fno-asynchronous-unwind-tables -g beside
 * code with .eh_frame) in .eh_frame's layout, which the unwinder reads,
 * for serving at vaddr: CIE ids 0, FDE CIE pointers relative to
 * themselves, version 4 CIEs as version 3 (their address and segment sizes
 * dropped: 8 and 0 only), every CIE with augmentation "zR" and every FDE's
 * location relative to itself (8 bytes), so that it moves with the
 * module's load bias, and a terminator. *out (malloc'd, caller frees)
 * holds *outsize bytes. Returns 0, -HP_ECORRUPT when malformed,
 * -HP_EUNSUPPORTED for 64-bit DWARF, other address sizes or a CIE with an
 * augmentation, -ENOENT when no FDE, or -ENOMEM. */
int ehframe_from_debug_frame(const uint8_t *data, size_t size, uint64_t vaddr, uint8_t **out,
			     size_t *outsize);

/* Make the FDE of addr, in an .eh_frame of ehframe_from_debug_frame's
 * served at vaddr, say that its function has no caller: its
 * instructions become DW_CFA_undefined of the return address (column 16)
 * and nops. For a function that switches stacks, whose caller's frame is
 * on another stack (Go's runtime.systemstack): the unwinder ends there
 * instead of reading the other stack's words as frames. Returns 0,
 * -ENOENT (no such FDE, or too short), -HP_EUNSUPPORTED (a CIE that
 * ehframe_from_debug_frame did not write). */
int ehframe_end_stack_at(uint8_t *data, size_t size, uint64_t vaddr, uint64_t addr);

#endif

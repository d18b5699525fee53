/*
 * inlines.h - an index of DWARF code scopes, to find inline chains fast.
 *
 * Which inlined subroutines contain an address is a walk down the DIE tree
 * of its compilation unit; done per address (dwarf_getscopes, or a pruned
 * descent) it costs ~30 us in big functions, and a profile asks thousands
 * of addresses in the same few functions. This walks each CU's functions
 * once (their address ranges, sorted), then each function's code scopes
 * once (inlined subroutines and lexical blocks in preorder with their
 * ranges), and answers an address with a binary search and a scan that
 * skips whole subtrees. Used by symbolize.c; knows nothing of names/lines.
 */
#ifndef HP_INLINES_H
#define HP_INLINES_H

#include <elfutils/libdw.h>
#include <stdint.h>

struct hp_inlines;

/* An empty index in *out. Returns 0 or -ENOMEM. */
int inlines_new(struct hp_inlines **out);
/* Frees the index; the Dwarf handles it indexed are not touched. */
void inlines_free(struct hp_inlines *x);

/* The code scopes containing pc (a DWARF address in cudie's unit), outermost
 * first: the subprogram, then nested lexical blocks and inlined subroutines,
 * into path[0..max). module tells apart units of different files (any id
 * stable for one Dwarf). Returns how many (0 when no function covers pc),
 * or -ENOMEM. The DIEs stay valid while their Dwarf is open. */
int inlines_lookup(struct hp_inlines *x, uint32_t module, Dwarf_Die *cudie, Dwarf_Addr pc,
		   Dwarf_Die *path, int max);

/* Every address in [lo, hi) of cudie's unit at which inlines_lookup may
 * start answering differently: the first and the end address of each
 * range of the unit's functions and of their code scopes, reported to cb
 * (maybe more than once, unsorted). Indexes the functions met. Returns 0,
 * -ENOMEM, or what cb returned when not 0. */
int inlines_bounds(struct hp_inlines *x, uint32_t module, Dwarf_Die *cudie, Dwarf_Addr lo,
		   Dwarf_Addr hi, int (*cb)(void *ctx, Dwarf_Addr addr), void *ctx);

#endif

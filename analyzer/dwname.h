/*
 * dwname.h - the name of a function that DWARF describes without a linkage
 * name, qualified by the scopes it is declared in (symresolve.c).
 *
 * GCC gives no DW_AT_linkage_name to inline-only template instances whose
 * arguments have no linkage (a lambda: std::sort's helpers), to C++
 * lambdas' operator(), to gdc's templates and to gfortran's internal
 * procedures. Their DW_AT_name is the bare name ("__unguarded_partition<...>",
 * "operator()<...>", "shortSort", "fill"); gdb prints them qualified, perf
 * (through addr2line) bare. hpprof qualifies them as gdb does: the
 * namespaces, classes, modules and enclosing functions of the declaration
 * (DW_AT_abstract_origin, DW_AT_specification followed), joined by "::"
 * (C++, Rust, Fortran) or "." (D). C has no such scopes: its names are
 * kept as they are, without looking.
 */
#ifndef HP_DWNAME_H
#define HP_DWNAME_H

#include <elfutils/libdw.h>

struct hp_symbolizer;

/* The qualified name of subprogram or inlined instance die, interned in
 * s; NULL when die has no name, or on ENOMEM (*enomem set to 1). Memoized
 * per declaration. */
const char *dwname_qualified(struct hp_symbolizer *s, Dwarf_Die *die, int *enomem);

/* Release the memo (symbolizer_free). */
void dwname_free(struct hp_symbolizer *s);

#endif

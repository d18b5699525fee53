/*
 * demangle.h - linkage names to source names: C++ (Itanium ABI), Rust
 * (legacy and v0) and D, with binutils' libiberty (cplus_demangle), the
 * demangler perf, gdb, nm -C and c++filt build on.
 *
 * Names are demangled with parameters and qualifiers
 * (DMGL_PARAMS | DMGL_ANSI, as `nm -C` and gdb print them), so that
 * overloads stay apart: "_ZN2ns3sumIiEET_PKS1_m" becomes
 * "int ns::sum<int>(int const*, unsigned long)". Rust legacy names lose
 * their "::h<hash>" suffix (as rustc's own demangler prints them) and v0
 * names are printed without it too; D names need the "_D" prefix.
 * A "@plt" suffix (PLT stubs, see plt.h) is kept after the demangled
 * name. Anything else (C names, names libiberty rejects) is not mangled.
 */
#ifndef HP_DEMANGLE_H
#define HP_DEMANGLE_H

#include <stddef.h>

/* 1 when raw looks like a mangled name of a language handled here (the
 * prefix only; demangling may still fail). */
int demangle_is_mangled(const char *raw);

/* The demangled form of raw in a new malloc'ed string (the caller frees
 * it), or NULL when raw is not a mangled name that libiberty accepts (or
 * on ENOMEM): the caller then keeps raw. */
char *demangle_name(const char *raw);

#endif

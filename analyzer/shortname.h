/*
 * shortname.h - shorter forms of long demangled names, for columns too
 * narrow for them.
 *
 * A C++ function template's demangled name carries its return type and its
 * parameter list, each often longer than the name itself:
 *   __gnu_cxx::__normal_iterator<P*, std::vector<P, std::allocator<P> > >
 *     std::__unguarded_partition<__gnu_cxx::__normal_iterator<...>, ...>(...)
 * Cut at the end of a 36-column cell, every such function reads
 * "__gnu_cxx::__normal_iterator<bench.." - different functions look the
 * same. These forms keep what tells them apart, before any cut:
 *
 * name_brief(): the name as perf shows it (perf demangles without return
 * types and parameters): "std::__unguarded_partition<...>"; a clone suffix
 * (" [clone .cold]") and "@plt" are kept, cv/ref qualifiers dropped. Names
 * that are not a C++ signature (C, Rust, Python, "module+0x1a0") are
 * returned unchanged.
 *
 * name_fit(): for a cell of w columns: the name itself when it fits, else
 * name_brief()'s form, and when that is still too wide, also without the
 * namespaces inside template arguments ("std::sort<__normal_iterator<
 * Point<int>*, vector<...> > >"), and when that is still too wide, a
 * member's class cut in the middle so that its own name stays
 * ("std::mersenne_twi..::_M_gen_rand"). The caller still cuts what stays
 * too wide. The full name stays in the database, CSV, JSON, `report --wide`.
 */
#ifndef HP_SHORTNAME_H
#define HP_SHORTNAME_H

#include <stddef.h>

/* name's brief form into out[len] (or name itself); returns the string to show. */
const char *name_brief(const char *name, char *out, size_t len);

/* name in at most w columns where its forms allow; returns name or out. */
const char *name_fit(const char *name, int w, char *out, size_t len);

/* 1 when s is name, or its brief form (annotate and the TUI's search
 * accept a function as perf names it). */
int name_matches(const char *name, const char *s);

#endif

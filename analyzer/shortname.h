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
 * too wide. Instances of one template can still read alike (they differ
 * in the class's arguments that were cut): name_fit_apart() shows where
 * they differ instead. The full name stays in the database, CSV, JSON, `report --wide`.
 */
#ifndef HP_SHORTNAME_H
#define HP_SHORTNAME_H

#include <stddef.h>

/* name's brief form into out[len] (or name itself); returns the string to show. */
const char *name_brief(const char *name, char *out, size_t len);

/* name in at most w columns where its forms allow; returns name or out. */
const char *name_fit(const char *name, int w, char *out, size_t len);

/* names[0..n), whose name_fit() forms in w columns are one text, told
 * apart: out[i] (len bytes) gets names[i] in at most w columns, from a
 * little before where the names first differ, behind a short head and
 * "..", with its own name after "..::" when the difference lies in its
 * class: "__gnu_cx..Point<double..::operator--" beside
 * "__gnu_cx..Point<int>*, ..::operator--". Where nothing tells them apart
 * within w (the same name twice, or w too narrow) out[i] is name_fit()'s
 * form. */
void name_fit_apart(const char *const *names, int n, int w, char *const *out, size_t len);

/* names[0..n) as a column w wide shows them: where the name_fit() forms
 * of different names read alike once cut to w ("std::__unguarded_partit.."
 * three times), those names told apart (name_fit_apart). Returns n
 * pointers in one allocation (the caller free()s it): the told-apart
 * text, or NULL for a name the caller fits alone; NULL when out of
 * memory. */
char **name_fit_column(const char *const *names, size_t n, int w);

/* 1 when s is name, or its brief form (annotate and the TUI's search
 * accept a function as perf names it). */
int name_matches(const char *name, const char *s);

/* 1 when cut, a name as a narrow column shows it, cut with ".."
 * ("std::__unguarded_partition<__norma..", "__gnu_cx..Point<double..::operator--"),
 * can be name: the pieces between its ".." lie in order in name, its brief
 * form or either without inner namespaces, the first at the start and the
 * last at the end (unless cut ends in ".."). 0 when cut has no "..". */
int name_matches_cut(const char *name, const char *cut);

#endif

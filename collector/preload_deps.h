/*
 * preload_deps.h - the libraries hpprof's preload library loads into a
 * target besides the C runtime (libunwind, liblzma, ...), for telling
 * hpprof's own work in the target from the program's.
 */
#ifndef HP_PRELOAD_DEPS_H
#define HP_PRELOAD_DEPS_H

#include <stddef.h>

/* The DT_NEEDED closure of the library at shim, minus libc, libm, the
 * dynamic loader and friends, as comma-separated file names (sonames such
 * as "libunwind.so.8,liblzma.so.5") into out. Returns 0 ("" when there are
 * none), or -ENAMETOOLONG when out is too small. */
int preload_deps(const char *shim, char *out, size_t len);

#endif

/*
 * catalog.h - the bundled kernels: names, descriptions, variants, binaries.
 *
 * The table lives in kernels/catalog.c. Binaries are built as
 * <build>/kernels/hp-NAME and installed as <prefix>/libexec/hpprof/hp-NAME;
 * the Python kernels are scripts copied to <build>/kernels/SCRIPT and
 * installed beside the binaries. kcatalog_path finds either relative to
 * the running hpprof executable.
 */
#ifndef HP_KCATALOG_H
#define HP_KCATALOG_H

#include <stddef.h>

struct hp_kernel {
	const char *name;          /* "julia" */
	const char *summary;       /* one line */
	const char *variants;      /* "expanded (default), cabs, boxed, threads" */
	const char *source;        /* book section, e.g. "HPP ch. 2, 7" */
	const char *script;        /* Python kernels: the script ("julia.py"), run by
	                            * /usr/bin/python3.11 through its #! line; NULL for
	                            * the C kernels (binary hp-NAME) */
};

extern const struct hp_kernel hp_kernels[];
extern const size_t hp_nkernels;

/* The catalog entry for name, or NULL. */
const struct hp_kernel *kcatalog_find(const char *name);

/* Path of the kernel's binary (or, for a Python kernel, of its executable
 * script) in out. Returns 0, or -ENOENT when neither
 * the build-tree nor the installed location holds it (out is then ""), or
 * -ENAMETOOLONG when out is too small. Also finds the test helpers built
 * beside the kernels ("forkexec", "julia-stripped", "julia-static"). */
int kcatalog_path(const char *name, char *out, size_t outlen);

#endif

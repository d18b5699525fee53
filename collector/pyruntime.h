/*
 * pyruntime.h - is process PID a CPython, which version, and where is its
 * runtime state.
 *
 * The runtime is found through exported (dynamic) symbols, so stripped
 * builds work: Debian's /usr/bin/python3.11 exports _PyRuntime from the
 * executable itself, builds with a shared libpython export it from
 * libpython3.X.so. The version comes from the Py_Version symbol (3.11 and
 * newer: PY_VERSION_HEX as data), else from the file name (python3.10,
 * libpython3.7m.so). Only files whose name starts with "python" or
 * "libpython" are looked at: a Python statically linked into a program of
 * another name is not recognised.
 */
#ifndef HP_PYRUNTIME_H
#define HP_PYRUNTIME_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/pyoffsets.h"

struct py_runtime {
	uint32_t pid;
	unsigned major, minor, micro;   /* 0.0.0 when not known */
	uint32_t version_hex;           /* Py_Version (PY_VERSION_HEX); 0 when absent */
	const struct py_offsets *off;   /* NULL: hpprof cannot read this version */
	char module[PATH_MAX];          /* the mapped file that holds the runtime */
	uint64_t runtime;               /* address of _PyRuntime in the process; 0 if none */
	uint64_t code_type;             /* address of PyCode_Type (checks f_code); 0 if none */
	uint64_t eval_start, eval_end;  /* _PyEval_EvalFrameDefault [start, end) there */
};

/*
 * Looks for a CPython runtime in process pid (its /proc/PID/maps and the
 * mapped files). Returns 0 with *rt filled (rt->off NULL when the version
 * is not supported), -ENOENT when pid maps no Python, -ESRCH when there is
 * no such process, or another -errno.
 */
int pyruntime_find(uint32_t pid, struct py_runtime *rt);

/*
 * Whether a file mapped from path can change what pyruntime_find says of
 * a process: only files named python* or libpython* are looked at.
 */
int pyruntime_may_hold(const char *path);

/*
 * Same, for a process whose mapped file of the runtime is known: path as
 * opened (a /proc/PID/map_files link works) and mapped at load bias
 * `bias`. Used by pyruntime_find and by tests. Returns 0 or -ENOENT when
 * the file exports neither _PyRuntime nor a Python version.
 */
int pyruntime_from_file(const char *path, uint64_t bias, struct py_runtime *rt);

/*
 * The one-line note for a process whose Python frames cannot be read,
 * e.g. "Python frames: not supported for 3.12 (hpprof reads 3.11), native
 * frames only". Writes buf; returns it. Empty when rt is supported.
 */
const char *pyruntime_note(const struct py_runtime *rt, char *buf, size_t len);

#endif

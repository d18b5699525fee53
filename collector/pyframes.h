/*
 * pyframes.h - the Python frames of a thread of a CPython 3.11 process,
 * read from the process's memory.
 *
 * struct pyframes reads other processes (process_vm_readv): it finds each
 * process's runtime (pyruntime.h), the PyThreadState of a thread id,
 * walks the chain (pywalk.h) and resolves code objects into function,
 * file and line (pycode.h), caching what does not change. It also
 * resolves raw chains taken earlier, e.g. inside the target.
 *
 * The chain is read while the process runs: a read can find it mid-update.
 * Every f_code is checked to be a code object (its type is PyCode_Type),
 * chains are bounded and checked for loops; a chain that fails a check is
 * an error (-EAGAIN), never a guess.
 */
#ifndef HP_PYFRAMES_H
#define HP_PYFRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "collector/pycode.h"
#include "collector/pyoffsets.h"
#include "collector/pyruntime.h"
#include "collector/pywalk.h"

/* One resolved Python frame. Strings belong to the struct pyframes and
 * stay valid until pyframes_forget(pid) or pyframes_free. */
struct pyframe {
	const char *function;   /* co_qualname ("Grid.step", "<module>") */
	const char *file;       /* co_filename as the code was compiled */
	int line;               /* the line of the last instruction started; 0 unknown */
	int first_line;         /* co_firstlineno: the def line */
	uint8_t is_entry;       /* see struct pyframe_raw */
	uint64_t code;          /* code object address (identity within the process) */
};

struct pyframes;

/* A reader of other processes' Python frames. Returns 0 or -ENOMEM. */
int pyframes_new(struct pyframes **out);
void pyframes_free(struct pyframes *pf);

/*
 * The runtime of pid, looked up on first use and cached (pyruntime_find).
 * Returns 0 with *rt set (check (*rt)->off: NULL = unsupported version),
 * -ENOENT for a process without Python, -ESRCH when pid is gone.
 * The result is cached too: a later call answers without looking again.
 * *rt belongs to pf and is valid until pyframes_forget(pid) or pyframes_free.
 */
int pyframes_runtime(struct pyframes *pf, uint32_t pid, const struct py_runtime **rt);

/*
 * Reads the Python frames of thread tid of process pid: out[0] is the
 * innermost frame; *nentry is the number of entry frames (one per
 * _PyEval_EvalFrameDefault activation of the thread). Returns the number
 * of frames (0 when the thread runs no Python or Python does not know it),
 * -ENOENT when pid runs no Python, -HP_EUNSUPPORTED for a Python version
 * hpprof cannot read (pyruntime_note says which), -ESRCH when pid is gone,
 * -EAGAIN/-EFAULT when the chain changed under the reader, -E2BIG when it
 * is deeper than max.
 */
int pyframes_read(struct pyframes *pf, uint32_t pid, uint32_t tid, struct pyframe *out,
		  int max, int *nentry);

/* Resolves raw frames (from pywalk_chain, possibly taken earlier, e.g.
 * inside the target) of process pid into out[0..n). A code object that
 * cannot be read any more (the process has exited) is taken from the cache
 * as last seen at its address, or gives function "?" and line 0; an
 * address that holds something else than a code object gives "?" too.
 * Returns n or a negative errno as pyframes_read (-ESRCH when pid was never
 * seen and is gone). */
int pyframes_resolve(struct pyframes *pf, uint32_t pid, const struct pyframe_raw *raw, int n,
		     struct pyframe *out);

/* pid exited or exec'd: drop its runtime, thread and code caches. */
void pyframes_forget(struct pyframes *pf, uint32_t pid);

#endif

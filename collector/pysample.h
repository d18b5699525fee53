/*
 * pysample.h - the Python frames of the running thread, read inside a
 * CPython 3.11 process at the moment of a sample: the in-target half of
 * hpprof's Python frames (docs/python.md says why they are read there).
 *
 * Meant for the preload agent's signal handler: pysample_init runs once at
 * start (it uses dlsym), pysample_take runs in the handler of a sampling
 * signal and is async-signal-safe (no allocation, no locks, no stdio; it
 * reads the interrupted thread's own frame chain with plain loads, and
 * other threads' state only through process_vm_readv, which cannot
 * fault). The frames it returns are raw (code object address, last
 * instruction, entry flag); the collector resolves them into function,
 * file and line while the process lives (pyframes_resolve) and merges them
 * with the native stack of the same sample (pymerge). pysample_pack gives
 * the compact form a stream record carries.
 *
 * Compiled into the agent with pywalk.c and pyoffsets.c only.
 */
#ifndef HP_PYSAMPLE_H
#define HP_PYSAMPLE_H

#include <stdint.h>

#include "collector/pyoffsets.h"
#include "collector/pyruntime.h"
#include "collector/pywalk.h"

/* This process's runtime, found by pysample_init. */
struct pysample {
	struct py_runtime rt;   /* addresses in this process; rt.off NULL: unsupported */
	uint32_t pid;
	int safe_reads;         /* 1: read the own chain with process_vm_readv too
	                         * (about 10x slower, cannot fault) */
};

/* Per-thread cache: keep one in thread-local storage, zero-initialized. */
struct pysample_thread {
	uint64_t tstate;        /* this thread's PyThreadState, 0 until found */
	uint32_t tid;           /* gettid(), 0 until first use */
};

/*
 * Finds the runtime of the calling process through its dynamic symbols
 * (_PyRuntime, Py_Version, _PyEval_EvalFrameDefault). Not
 * async-signal-safe. Returns 0; -ENOENT when this process is not a
 * CPython (no _PyRuntime); -HP_EUNSUPPORTED for a version without an
 * offset table (ps->rt.major/minor say which: pyruntime_note).
 */
int pysample_init(struct pysample *ps);

/*
 * The Python frames of the calling thread, innermost first, into out (at
 * most max) with the number of entry frames in *nentry. Async-signal-safe.
 * Returns the number of frames: 0 when the thread runs no Python, Python
 * is not initialized yet or is finalizing, or the thread has no thread
 * state; a negative errno when the chain could not be read (-EAGAIN,
 * -E2BIG, -EFAULT as pywalk_chain; after -E2BIG out[0..max) holds the
 * innermost max frames and *nentry their entry frames; -EFAULT also when a plain load faulted,
 * which needs faultguard_install first: without it such a fault kills the
 * process).
 */
int pysample_take(const struct pysample *ps, struct pysample_thread *th, struct pyframe_raw *out,
		  int max, int *nentry);

/* One frame as a stream record carries it: 16 bytes. */
struct pysample_frame {
	uint64_t code;          /* code object address */
	int32_t offset;         /* bytes from co_code_adaptive to the last instruction
	                         * started; negative before the first one */
	uint32_t flags;         /* PYSAMPLE_ENTRY | owner << PYSAMPLE_OWNER_SHIFT */
};

#define PYSAMPLE_ENTRY        1u
#define PYSAMPLE_OWNER_SHIFT  8

/* raw[0..n) -> out[0..n), and back (the frame addresses are not kept). */
void pysample_pack(const struct py_offsets *o, const struct pyframe_raw *raw, int n,
		   struct pysample_frame *out);
void pysample_unpack(const struct py_offsets *o, const struct pysample_frame *in, int n,
		     struct pyframe_raw *out);

#endif

/*
 * pywalk.h - the raw Python frame chain of one thread of a CPython 3.11
 * process: for each frame, the addresses of the frame, its code object and
 * its last instruction, and whether it is an entry frame.
 *
 * Everything goes through a caller-supplied memory reader: process_vm_readv
 * from the collector (pywalk_read_remote), or plain loads inside the
 * target. The walk allocates nothing and calls nothing but the reader, so
 * it is async-signal-safe when the reader is: it can run in a signal
 * handler of the target. It depends on no other hpprof code (pycode.h and
 * pyruntime.h are included for types only), so the preload agent can
 * compile it in. Resolving code objects into names and lines is
 * pyframes.h's business.
 */
#ifndef HP_PYWALK_H
#define HP_PYWALK_H

#include <stddef.h>
#include <stdint.h>

#include "collector/pycode.h"
#include "collector/pyoffsets.h"
#include "collector/pyruntime.h"

/* Frames kept per chain; deeper chains are cut (-E2BIG, see pywalk_from). */
#define PYFRAMES_MAX 512

/* One frame of the chain as found in memory, innermost first. */
struct pyframe_raw {
	uint64_t frame;         /* _PyInterpreterFrame address */
	uint64_t code;          /* f_code: PyCodeObject address */
	uint64_t instr;         /* prev_instr: address of the last code unit started */
	uint8_t is_entry;       /* first frame run by its _PyEval_EvalFrameDefault call */
	uint8_t owner;          /* 0 thread, 1 generator, 2 frame object */
};

/*
 * Walks the frame chain of the PyThreadState at tstate: cframe ->
 * current_frame, then `previous` links. Writes up to max frames to out,
 * innermost first, and the number of entry frames to *nentry. Returns the
 * number of frames (0: the thread runs no Python now), -EFAULT on an
 * unreadable address, -EAGAIN when a frame links to itself, -E2BIG when
 * the chain is longer than max: then out[0..max) holds its innermost max
 * frames and *nentry their entry frames, which a caller may keep as a
 * chain cut at its outer end. It does not check that f_code is a code
 * object: whoever resolves the frames does (pyframes_resolve in pyframes.h).
 */
int pywalk_chain(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t tstate,
		 struct pyframe_raw *out, int max, int *nentry);

/* The same walk from the frame at address frame (e.g. a current_frame
 * taken from a _PyCFrame). */
int pywalk_from(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t frame,
		struct pyframe_raw *out, int max, int *nentry);

/* The innermost frame of the thread state whose o->tstate_size bytes are
 * ts (cframe -> current_frame) in *frame; 0 when it runs no Python.
 * Returns 0 or the reader's error. */
int pywalk_first_frame(const struct py_offsets *o, py_read_fn read, void *ctx, const uint8_t *ts,
		       uint64_t *frame);

/*
 * The PyThreadState of thread tid (its native_thread_id) among all the
 * interpreters of the runtime at rt->runtime, in *tstate. Returns 0,
 * -ENOENT when no thread state has that id (a thread Python does not know,
 * or one that has not started or has ended), -EFAULT or -ESRCH (process
 * gone) from the reader.
 */
int pywalk_find_tstate(const struct py_runtime *rt, py_read_fn read, void *ctx,
		       uint32_t tid, uint64_t *tstate);

/* process_vm_readv reader: ctx is the pid cast through uintptr_t. */
int pywalk_read_remote(void *ctx, uint64_t addr, void *buf, size_t len);

#endif

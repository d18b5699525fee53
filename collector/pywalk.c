/*
 * pywalk.c - the raw frame chain of a CPython 3.11 thread through a memory
 * reader (see pywalk.h): PyThreadState -> cframe -> current_frame, then
 * the `previous` links, and the search of a thread's PyThreadState
 * through _PyRuntime's interpreters and their thread lists.
 *
 * Allocates nothing; calls only the reader (and process_vm_readv in
 * pywalk_read_remote). Knows layouts only through struct py_offsets.
 */
#include "collector/pywalk.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

enum {
	MAX_INTERPS = 64,         /* interpreters searched for a thread */
	MAX_THREADS = 1 << 14,    /* thread states searched per interpreter */
	HDR_MAX = 256,            /* bytes of a frame or thread state read at once */
};

static uint64_t u64_at(const uint8_t *p, size_t off)
{
	uint64_t v;
	memcpy(&v, p + off, sizeof v);
	return v;
}

static int read_ptr(py_read_fn read, void *ctx, uint64_t addr, uint64_t *val)
{
	return read(ctx, addr, val, sizeof *val);
}

int pywalk_from(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t frame,
		     struct pyframe_raw *out, int max, int *nentry)
{
	uint8_t fb[HDR_MAX];
	int n = 0, err;

	*nentry = 0;
	while (frame) {
		if (n == max)
			return -E2BIG;
		if ((err = read(ctx, frame, fb, o->frame_size)))
			return err;
		uint64_t prev = u64_at(fb, o->frame_previous);
		if (prev == frame)
			return -EAGAIN;
		out[n] = (struct pyframe_raw){
			.frame = frame,
			.code = u64_at(fb, o->frame_code),
			.instr = u64_at(fb, o->frame_prev_instr),
			.is_entry = fb[o->frame_is_entry] != 0,
			.owner = fb[o->frame_owner],
		};
		*nentry += out[n].is_entry;
		n++;
		frame = prev;
	}
	return n;
}

int pywalk_first_frame(const struct py_offsets *o, py_read_fn read, void *ctx, const uint8_t *ts,
		       uint64_t *frame)
{
	uint64_t cframe = u64_at(ts, o->tstate_cframe);
	*frame = 0;
	return cframe ? read_ptr(read, ctx, cframe + o->cframe_current_frame, frame) : 0;
}

int pywalk_chain(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t tstate,
		  struct pyframe_raw *out, int max, int *nentry)
{
	uint8_t ts[HDR_MAX];
	uint64_t frame;
	int err;

	*nentry = 0;
	if ((err = read(ctx, tstate, ts, o->tstate_size)) ||
	    (err = pywalk_first_frame(o, read, ctx, ts, &frame)))
		return err;
	return pywalk_from(o, read, ctx, frame, out, max, nentry);
}

int pywalk_find_tstate(const struct py_runtime *rt, py_read_fn read, void *ctx,
			 uint32_t tid, uint64_t *tstate)
{
	const struct py_offsets *o = rt->off;
	uint8_t ts[HDR_MAX];
	uint64_t interp, t;
	int err;

	if ((err = read_ptr(read, ctx, rt->runtime + o->runtime_interp_head, &interp)))
		return err;
	for (int i = 0; interp && i < MAX_INTERPS; i++) {
		if ((err = read_ptr(read, ctx, interp + o->interp_threads_head, &t)))
			return err;
		for (int k = 0; t && k < MAX_THREADS; k++) {
			if ((err = read(ctx, t, ts, o->tstate_size)))
				return err;
			if (u64_at(ts, o->tstate_native_id) == tid) {
				*tstate = t;
				return 0;
			}
			t = u64_at(ts, o->tstate_next);
		}
		if ((err = read_ptr(read, ctx, interp + o->interp_next, &interp)))
			return err;
	}
	return -ENOENT;
}

int pywalk_read_remote(void *ctx, uint64_t addr, void *buf, size_t len)
{
	pid_t pid = (pid_t)(uintptr_t)ctx;
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 && errno == ESRCH ? -ESRCH : -EFAULT;
}

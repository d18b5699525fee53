/*
 * pysample.c - read the running thread's Python frames from inside the
 * process, in a signal handler (see pysample.h).
 *
 * The thread state is found, in order of cost: the thread's cached one
 * (checked against its native_thread_id), the one holding the GIL when it
 * is this thread's, else a walk of the interpreters' thread lists through
 * process_vm_readv (other threads may be changing those lists). The chain
 * itself belongs to the interrupted thread, which cannot change it while
 * its handler runs: plain loads read it, unless safe_reads asks otherwise.
 * Nothing is read once Py_Finalize has started (_PyRuntime._finalizing).
 * The plain loads run under faultguard (installed by the caller): in a few
 * instructions of the evaluation loop the chain's head is not yet, or no
 * longer, a mapped frame.
 */
#include "collector/pysample.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector/faultguard.h"
#include "common/error.h"

/* Plain loads. Never called with an address from another thread's state. */
static int read_direct(void *ctx, uint64_t addr, void *buf, size_t len)
{
	if (addr < 4096 || addr + len < addr)
		return -EFAULT;
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return 0;
}

int pysample_init(struct pysample *ps)
{
	memset(ps, 0, sizeof(*ps));
	void *runtime = dlsym(RTLD_DEFAULT, "_PyRuntime");
	const unsigned long *version = dlsym(RTLD_DEFAULT, "Py_Version");
	void *eval = dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault");
	void *code_type = dlsym(RTLD_DEFAULT, "PyCode_Type");
	Dl_info info;
	const ElfW(Sym) *sym = NULL;

	if (!runtime)
		return -ENOENT;
	ps->pid = (uint32_t)getpid();
	ps->rt.pid = ps->pid;
	ps->rt.runtime = (uint64_t)(uintptr_t)runtime;
	ps->rt.code_type = (uint64_t)(uintptr_t)code_type;
	if (dladdr1(runtime, &info, (void **)&sym, RTLD_DL_SYMENT) && info.dli_fname)
		strncpy(ps->rt.module, info.dli_fname, sizeof ps->rt.module - 1);
	if (version) {
		ps->rt.version_hex = (uint32_t)*version;
		ps->rt.major = ps->rt.version_hex >> 24 & 0xff;
		ps->rt.minor = ps->rt.version_hex >> 16 & 0xff;
		ps->rt.micro = ps->rt.version_hex >> 8 & 0xff;
	}
	sym = NULL;
	if (eval && dladdr1(eval, &info, (void **)&sym, RTLD_DL_SYMENT) && sym) {
		ps->rt.eval_start = (uint64_t)(uintptr_t)eval;
		ps->rt.eval_end = ps->rt.eval_start + sym->st_size;
	}
	if (!ps->rt.eval_start || !code_type)
		return -HP_EUNSUPPORTED;
	ps->rt.off = pyoffsets_for(ps->rt.major, ps->rt.minor);
	return ps->rt.off ? 0 : -HP_EUNSUPPORTED;
}

/* Is the thread state at t (read with rd) the one of thread tid? */
static int is_mine(const struct py_offsets *o, py_read_fn rd, void *ctx, uint64_t t, uint32_t tid)
{
	uint64_t id;
	return t && !rd(ctx, t + o->tstate_native_id, &id, sizeof id) && id == tid;
}

static int find_tstate(const struct pysample *ps, struct pysample_thread *th)
{
	const struct py_offsets *o = ps->rt.off;
	void *self = (void *)(uintptr_t)ps->pid;
	uint64_t t;

	if (!th->tid)
		th->tid = (uint32_t)syscall(SYS_gettid);
	if (is_mine(o, read_direct, NULL, th->tstate, th->tid))   /* our own: alive while we run */
		return 0;
	th->tstate = 0;
	if (!pywalk_read_remote(self, ps->rt.runtime + o->runtime_tstate_current, &t, sizeof t) &&
	    is_mine(o, pywalk_read_remote, self, t, th->tid)) {
		th->tstate = t;
		return 0;
	}
	int err = pywalk_find_tstate(&ps->rt, pywalk_read_remote, self, th->tid, &t);
	if (!err)
		th->tstate = t;
	return err;
}

static int take(const struct pysample *ps, struct pysample_thread *th, struct pyframe_raw *out,
		int max, int *nentry)
{
	const struct py_offsets *o = ps->rt.off;
	void *self = (void *)(uintptr_t)ps->pid;
	uint64_t fin, head;          /* _PyRuntime is static data: always mapped */

	*nentry = 0;
	if (!o)
		return 0;
	/* before Py_Initialize there is no interpreter; after Py_Finalize
	 * starts, thread states and frames are being torn down */
	if (read_direct(NULL, ps->rt.runtime + o->runtime_finalizing, &fin, sizeof fin) ||
	    read_direct(NULL, ps->rt.runtime + o->runtime_interp_head, &head, sizeof head) ||
	    fin || !head)
		return 0;
	int err = find_tstate(ps, th);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (ps->safe_reads)
		return pywalk_chain(o, pywalk_read_remote, self, th->tstate, out, max, nentry);
	return pywalk_chain(o, read_direct, NULL, th->tstate, out, max, nentry);
}

/* The plain loads run guarded: a pointer of the chain that is not mapped
 * (a sample in the few instructions where CPython links or unlinks a frame,
 * faultguard.h) fails the read instead of killing the target. */
int pysample_take(const struct pysample *ps, struct pysample_thread *th, struct pyframe_raw *out,
		  int max, int *nentry)
{
	sigjmp_buf env;
	*nentry = 0;
	if (!FAULTGUARD_TRY(env))
		return -EFAULT;
	int n = take(ps, th, out, max, nentry);
	faultguard_end();
	return n;
}

void pysample_pack(const struct py_offsets *o, const struct pyframe_raw *raw, int n,
		   struct pysample_frame *out)
{
	for (int i = 0; i < n; i++) {
		int64_t off = (int64_t)(raw[i].instr - (raw[i].code + o->code_adaptive));
		if (off < INT32_MIN || off > INT32_MAX)
			off = INT32_MIN;             /* no instruction of this code object */
		out[i] = (struct pysample_frame){
			.code = raw[i].code,
			.offset = (int32_t)off,
			.flags = (raw[i].is_entry ? PYSAMPLE_ENTRY : 0) |
				 (uint32_t)raw[i].owner << PYSAMPLE_OWNER_SHIFT,
		};
	}
}

void pysample_unpack(const struct py_offsets *o, const struct pysample_frame *in, int n,
		     struct pyframe_raw *out)
{
	for (int i = 0; i < n; i++)
		out[i] = (struct pyframe_raw){
			.code = in[i].code,
			.instr = in[i].code + o->code_adaptive + (uint64_t)(int64_t)in[i].offset,
			.is_entry = (in[i].flags & PYSAMPLE_ENTRY) != 0,
			.owner = (uint8_t)(in[i].flags >> PYSAMPLE_OWNER_SHIFT),
		};
}

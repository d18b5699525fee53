/*
 * pyframes.bpf.c - reads a CPython thread's frame chain at the moment of
 * each perf sample, inside the sampled thread (BPF_PROG_TYPE_PERF_EVENT,
 * attached to hpprof's sampling events with PERF_EVENT_IOC_SET_BPF).
 *
 * For a thread of a process hpprof registered in `procs` (tgid -> where its
 * _PyRuntime is and the layout offsets of its version, pybpf_abi.h): find
 * the thread's PyThreadState (cached per tid in `tstates`, checked against
 * native_thread_id, else searched among the interpreters' threads), follow
 * tstate->cframe->current_frame and each frame's `previous`, and write the
 * chain (frame, f_code, prev_instr, is_entry) to the ring buffer `events`.
 * Every sample of a registered process gets a record, also when the chain
 * cannot be read (its status says why), so the collector can match records
 * to samples one for one. Returns 1: the perf sample is kept. Two entry
 * points, one per event kind (the record says which: pybpf_abi.h).
 */
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>

#include "pybpf_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct pybpf_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);             /* tgid << 32 | tid */
	__type(value, __u64);           /* PyThreadState */
} tstates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);   /* set at load: 1 MiB per CPU (pybpf.c) */
} events SEC(".maps");

/* records the ring had no room for */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline int read_u64(__u64 *v, __u64 addr)
{
	return bpf_probe_read_user(v, sizeof(*v), (const void *)addr);
}

static __always_inline int native_id_is(const struct pybpf_proc *p, __u64 t, __u32 tid)
{
	__u64 id;
	return t && !read_u64(&id, t + p->tstate_native_id) && id == tid;
}

/* The search for tid's thread state, one thread state (or interpreter)
 * per bpf_loop step: the verifier checks a step once, not each iteration. */
struct find {
	const struct pybpf_proc *p;
	__u64 interp, t, found;
	__u32 tid, ninterps;
};

static long find_step(__u32 i, void *arg)
{
	struct find *f = arg;
	const struct pybpf_proc *p = f->p;
	if (!f->t) {                               /* the next interpreter's threads */
		if (!f->interp || f->ninterps++ >= PYBPF_MAX_INTERPS ||
		    read_u64(&f->t, f->interp + p->interp_threads_head) ||
		    read_u64(&f->interp, f->interp + p->interp_next))
			return 1;
		return 0;
	}
	if (native_id_is(p, f->t, f->tid)) {
		f->found = f->t;
		return 1;
	}
	return read_u64(&f->t, f->t + p->tstate_next) ? 1 : 0;
}

/* tid's thread state among the interpreters' threads; 0 when none. */
static __always_inline __u64 find_tstate(const struct pybpf_proc *p, __u32 tid)
{
	struct find f = { .p = p, .tid = tid };
	if (read_u64(&f.interp, p->runtime + p->runtime_interp_head))
		return 0;
	bpf_loop(PYBPF_MAX_INTERPS * (PYBPF_MAX_THREADS + 1), find_step, &f, 0);
	return f.found;
}

/* The walk of the chain, one frame per bpf_loop step. */
struct walk {
	const struct pybpf_proc *p;
	struct pybpf_rec *r;
	__u64 frame;
	int status;
};

static long walk_step(__u32 i, void *arg)
{
	struct walk *w = arg;
	const struct pybpf_proc *p = w->p;
	struct pybpf_rec *r = w->r;
	__u64 prev = 0, code = 0, instr = 0, frame = w->frame;
	__u8 entry = 0;
	__u64 k = i;
	if (!frame || i >= PYBPF_MAX_FRAMES)
		return 1;
	/* the bound the verifier needs, kept from the compiler (which knows it) */
	asm volatile("%0 &= %1" : "+r"(k) : "i"(PYBPF_MAX_FRAMES - 1));
	if (read_u64(&code, frame + p->frame_code) ||
	    read_u64(&prev, frame + p->frame_previous) ||
	    read_u64(&instr, frame + p->frame_prev_instr) ||
	    bpf_probe_read_user(&entry, 1, (const void *)(frame + p->frame_is_entry))) {
		w->status = PYBPF_READ_FAILED;
		return 1;
	}
	if (prev == frame) {
		w->status = PYBPF_LOOP;
		return 1;
	}
	r->frames[k].frame = frame;
	r->frames[k].code = code;
	r->frames[k].instr = instr;
	if (entry)
		r->entry[(k >> 6) & 1] |= 1ull << (k & 63);
	r->nframes = (__u16)(k + 1);
	w->frame = prev;
	return 0;
}

static __always_inline int walk(const struct pybpf_proc *p, struct pybpf_rec *r, __u64 frame)
{
	struct walk w = { .p = p, .r = r, .frame = frame, .status = PYBPF_OK };
	bpf_loop(PYBPF_MAX_FRAMES, walk_step, &w, 0);
	if (w.status == PYBPF_OK && w.frame && r->nframes == PYBPF_MAX_FRAMES)
		w.status = PYBPF_TRUNCATED;
	return w.status;
}

static __always_inline int read_chain(struct bpf_perf_event_data *ctx, __u16 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = (__u32)id;
	struct pybpf_proc *p = bpf_map_lookup_elem(&procs, &pid);
	struct pybpf_rec *r;
	__u64 key = id, t = 0, *cached, cframe = 0, frame = 0;
	if (!p || !tid)
		return 1;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			*n += 1;
		return 1;
	}
	r->time = bpf_ktime_get_ns();
	r->ip = ctx->regs.rip;
	r->user = (ctx->regs.cs & 3) == 3;
	r->kind = kind;
	r->pid = pid;
	r->tid = tid;
	r->cframe = r->tstate = r->entry[0] = r->entry[1] = 0;
	r->nframes = 0;
	cached = bpf_map_lookup_elem(&tstates, &key);
	if (cached && native_id_is(p, *cached, tid)) {
		t = *cached;
	} else {
		t = find_tstate(p, tid);
		if (t)
			bpf_map_update_elem(&tstates, &key, &t, BPF_ANY);
	}
	if (!t) {
		r->status = PYBPF_NO_TSTATE;
		bpf_ringbuf_submit(r, 0);
		return 1;
	}
	r->tstate = t;
	if (read_u64(&cframe, t + p->tstate_cframe) ||
	    (cframe && read_u64(&frame, cframe + p->cframe_current_frame))) {
		r->status = PYBPF_READ_FAILED;
		bpf_ringbuf_submit(r, 0);
		return 1;
	}
	r->cframe = cframe;
	r->status = walk(p, r, frame);
	bpf_ringbuf_submit(r, 0);
	return 1;
}

/* On the CPU sampling event: in the interrupted thread, at the sample. */
SEC("perf_event")
int hp_pyframes(struct bpf_perf_event_data *ctx)
{
	return read_chain(ctx, PYBPF_CPU);
}

/* On the context-switch sampler (software event, period 1): it overflows
 * in the scheduler as the thread is switched out, still in that thread
 * (its mm: the user reads are the switched-out thread's); ctx->regs are
 * the kernel's there, so the record's ip is a kernel one (user 0). */
SEC("perf_event")
int hp_pyframes_off(struct bpf_perf_event_data *ctx)
{
	return read_chain(ctx, PYBPF_OFFCPU);
}

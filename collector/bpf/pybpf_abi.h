/*
 * pybpf_abi.h - what the BPF Python frame reader (pyframes.bpf.c) and the
 * collector (pybpf.c) share: the per-process map value (where a process's
 * interpreter is and the layout offsets of its version) and the ring
 * buffer record of one sample (the frame chain at the moment of the
 * sample). Plain fixed-size types only: the same bytes on both sides.
 */
#ifndef HP_PYBPF_ABI_H
#define HP_PYBPF_ABI_H

#include <linux/types.h>

#define PYBPF_MAX_FRAMES 128    /* frames recorded per sample (more: PYBPF_TRUNCATED) */
#define PYBPF_MAX_THREADS 64    /* thread states looked at to find a tid's */
#define PYBPF_MAX_INTERPS 4     /* interpreters looked at */

/* Value of the procs map, key: the tgid. Offsets as in pyoffsets.h. */
struct pybpf_proc {
	__u64 runtime;                  /* _PyRuntime */
	__u16 runtime_interp_head, interp_next, interp_threads_head;
	__u16 tstate_next, tstate_cframe, tstate_native_id;
	__u16 cframe_current_frame, cframe_previous;
	__u16 frame_code, frame_previous, frame_prev_instr, frame_is_entry;
	__u16 pad[4];
};

/* rec.status */
enum pybpf_status {
	PYBPF_OK = 0,
	PYBPF_NO_TSTATE = 1,     /* no thread state with this native thread id */
	PYBPF_READ_FAILED = 2,   /* a read of the chain failed (paged out, moving) */
	PYBPF_TRUNCATED = 3,     /* more than PYBPF_MAX_FRAMES frames (the first are kept) */
	PYBPF_LOOP = 4,          /* a frame links to itself */
};

/* rec.kind: which of hpprof's events the record is of (one program each) */
enum pybpf_kind {
	PYBPF_CPU = 0,           /* the CPU sampling event (hp_pyframes) */
	PYBPF_OFFCPU = 1,        /* the context-switch sampler, at the switch-out (hp_pyframes_off) */
	PYBPF_KINDS = 2,
};

struct pybpf_frame {
	__u64 frame;             /* the _PyInterpreterFrame's address */
	__u64 code;              /* f_code */
	__u64 instr;             /* prev_instr: the code unit last started */
};

/* One record per sample of a thread of a registered process, per event kind. */
struct pybpf_rec {
	__u64 time;              /* bpf_ktime_get_ns: CLOCK_MONOTONIC, before the sample's */
	__u64 ip;                /* the interrupted instruction pointer */
	__u64 cframe;            /* the thread's _PyCFrame at the sample (0: none) */
	__u64 tstate;            /* its PyThreadState */
	__u64 entry[PYBPF_MAX_FRAMES / 64];  /* bit i%64 of word i/64: frames[i].is_entry */
	__u32 pid, tid;
	__u16 user;              /* ip is a user-mode address */
	__u16 kind;              /* the event's: PYBPF_CPU, PYBPF_OFFCPU */
	__u16 nframes, status;
	struct pybpf_frame frames[PYBPF_MAX_FRAMES];
};

#endif

/*
 * shim.h - what the files of libhpprof_alloc.so share. Internal: the
 * library is built with hidden visibility and exports only its hooks.
 *
 *   stream.c      this process's stream file and lock-free record writes
 *                 (format: common/allocproto.h)
 *   alloc_shim.c  the malloc-family hooks, configuration, init and fork
 *   agent.c       the CPU sampling agent: per-thread CPU-time timers and
 *                 the SIGPROF handler that writes SAMPLE records
 *   stacktab.c    the allocation stacks already in the stream, by id
 *
 * Everything here may run in a malloc hook; what is marked "signal-safe"
 * may also run in the SIGPROF handler (no malloc, stdio, locks or waits).
 */
#ifndef HP_PRELOAD_SHIM_H
#define HP_PRELOAD_SHIM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "common/allocproto.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Per-thread state, initial-exec TLS: no allocation on first use, so it
 * is usable from a malloc hook and a signal handler alike. */
struct shim_tls {
	int guard;            /* inside a hook: nested calls pass straight through */
	int unwinding;        /* inside unw_backtrace: the SIGPROF handler must not unwind */
	uint32_t tid;         /* cached gettid(), 0 = not yet / after fork */
	int timer_slot;       /* agent: 1 + this thread's slot in the timer table, 0 = none */
	int64_t bytes_left;   /* allocation sampling: bytes until the next sample point */
	uint64_t rng;         /* allocation sampling: xorshift64* state, 0 = unseeded */
	uint32_t thread;      /* this thread's number in compact records, 0 = none yet */
	uint64_t last_ptr;    /* ptr of this thread's last ALLOC/FREE/NOFREE record */
};

extern __thread struct shim_tls shim_tls __attribute__((tls_model("initial-exec")));

/* CLOCK_MONOTONIC in ns (vDSO). Signal-safe. */
uint64_t shim_now_ns(void);

/* gettid(), cached in t. Signal-safe. */
uint32_t shim_tid(struct shim_tls *t);

/* Whether pc lies in this library's mapped image. Signal-safe. */
int shim_contains(const void *pc);

/* The real allocator, for the library's own few blocks (never recorded). */
void *shim_real_malloc(size_t n);
void shim_real_free(void *p);

/* An allocation (or, before it is given back, a free) of an allocator the
 * library wraps rather than interposes - CPython's pymalloc arenas
 * (agent_py.c) - recorded as the hooks record theirs (func: enum
 * hp_ap_func). Nothing when allocations are not tracked. */
void shim_note_alloc(unsigned func, const void *p, size_t n);
void shim_note_free(unsigned func, const void *p);

/* ---- stream.c ---------------------------------------------------------- */

/* Create "<dir>/<pid>.<gen>.ring" and map it; on failure the process
 * records nothing (stream_header() stays NULL). Not signal-safe. */
void stream_open(const char *dir, uint64_t ring_size, uint64_t sample_period,
		 uint32_t sample_hz);

/* In a forked child: forget (unmap) the parent's stream. */
void stream_forget(void);

/* The stream's header, or NULL when this process records nothing.
 * Signal-safe. */
struct hp_ap_header *stream_header(void);

/* Flags for stream_reserve. */
#define STREAM_NOWAIT 0x1u    /* from a signal handler: drop rather than wait for room */

/* Reserve len bytes (a multiple of HP_AP_ALIGN, <= HP_AP_MAX_REC) for one record: returns
 * its address with the head set to RESERVED, or NULL when the record must
 * be dropped (the caller counts it). With STREAM_NOWAIT it never sleeps
 * and is signal-safe. */
unsigned char *stream_reserve(uint32_t len, unsigned flags);

/* Publish a reserved record: its body is complete; head is its final
 * HP_AP_HEAD(len, type, HP_AP_TAG_COMMIT). Signal-safe. */
void stream_commit(unsigned char *rec, uint32_t head);

/* Reserve, copy the encoded record buf[0, len) after its head word, and
 * commit it with head (its final head word). Returns 0, or -1 when it was
 * dropped (not counted). stream_write: the same for a long record of type. */
int stream_put(const unsigned char *buf, uint32_t len, uint32_t head, unsigned flags);
int stream_write(const unsigned char *buf, uint32_t len, unsigned type, unsigned flags);

/* Append a TIME record when the coarse clock moved since the stream's last
 * one (a few ns when it did not). Returns -1 when one was due but dropped. */
int stream_tick(void);

/* Count a dropped event (dropped_events) or sample (dropped_samples). */
void stream_count_drop(int sample);

/* Set HP_AP_F_* bits in the header. Signal-safe. */
void stream_set_flags(uint32_t flags);

/* Encoding, all signal-safe: start a record in buf (prefix, tid, time
 * relative to the stream's start) and return where its body goes on. */
unsigned char *rec_begin(unsigned char *buf, struct shim_tls *t, unsigned func,
			 unsigned flags, unsigned nr_pcs);
/* Zero-pad the record to HP_AP_ALIGN bytes; returns its length. */
uint32_t rec_end(unsigned char *buf, unsigned char *p);
/* Append n pcs: the first as is, then zigzag deltas. */
unsigned char *put_pcs(unsigned char *p, void *const *pcs, int n);

/* ---- stacktab.c ----------------------------------------------------------- */

/* Reserve the table (once, at start-up). Not signal-safe. */
void stacktab_init(void);
/* In a forked child: forget every id (the child's stream starts empty). */
void stacktab_fork_child(void);
/* The id of this allocation stack (pcs as the ALLOC carries them), writing
 * its STACK record the first time; 0 when the frames must go inline. */
uint32_t stacktab_id(void *const *pcs, int n);
/* Resident bytes of the table (the tracker's own memory in the target). */
uint64_t stacktab_bytes(void);

/* ---- agent.c ------------------------------------------------------------ */

/* Look up the functions the agent interposes; with hz > 0, also start
 * sampling at hz samples per second of each thread's CPU time: install
 * the SIGPROF handler (unless the program has one: then stand aside) and
 * arm a timer for the calling (main) thread. Call once, after
 * stream_open. Not signal-safe. */
void agent_start(unsigned hz);

/* In a forked child, after its stream was opened: arm a timer for the
 * one thread the child has. */
void agent_fork_child(void);

/* The interrupted thread's stack, from inside a sampling signal handler
 * (uc: its ucontext): out[0] is the interrupted instruction, then return
 * addresses, the library's own frames dropped; at most
 * HP_AP_MAX_SAMPLE_FRAMES. *flags gets HP_AP_RF_TRUNCATED when cut short.
 * ring, head: the thread's SIGTRAP event ring and its head at the
 * handler's start (NULL, 0 otherwise): a new record there tells that the
 * unwind outlasted the period, and the next few samples get out[0] alone
 * (agent.c, "Backing off"). Returns the count, or -1 when the thread was
 * unwinding already (the sample must be dropped). Signal-safe; call it
 * from a handler installed with agent_handler_mask. */
int agent_unwind(struct shim_tls *t, const void *uc, void **out, unsigned *flags, void *ring,
		 uint64_t head);
/* The sa_mask of a sampling handler: every signal but the synchronous
 * ones and SIGTRAP (agent.c says why). */
void agent_handler_mask(sigset_t *set);

/* ---- agent_py.c ---------------------------------------------------------- */

/* At agent start (not signal-safe): when this process is CPython 3.11 and
 * HPPROF_PYTHON is not "0", install the SIGTRAP handler and say so in the
 * stream header; an unsupported Python is noted there too. */
void agentpy_start(unsigned hz);
/* Whether threads are sampled by agentpy (a SIGTRAP perf event each). */
int agentpy_on(void);
/* Whether Python frames can be read here (CPython 3.11), with SIGTRAP
 * events or without (then agent.c's timers call agentpy_sample). */
int agentpy_usable(void);
/* From a sampling signal handler: write a PYSAMPLE of the interrupted
 * thread (overrun: timer periods missed before this one). Signal-safe. */
void agentpy_sample(struct shim_tls *t, int overrun, const void *uc);
/* From the allocation hook: the Python frames of the calling thread as
 * an allocation stack's tail (allocproto.h: HP_AP_PY_MARK, then two words
 * a frame) into out (room for max words), sending the PYCODE records of
 * new code objects first. Returns the words written, 0 when the thread
 * runs no Python (or frames cannot be read here). */
int agentpy_alloc_tail(struct shim_tls *t, void **out, int max);
/* Open (and close) the calling thread's perf event. */
void agentpy_thread_start(void);
void agentpy_thread_stop(void);
/* In a forked child: close the parent's events, new stream's header. */
void agentpy_fork_child(void);

/* ---- agent_kring.c -------------------------------------------------------- */

/* One sample record of a thread's CPU event ring: whether it was taken in
 * kernel mode, and the kernel part of its call chain, innermost first. */
struct kring_sample {
	int kernel;
	int n;
	uint64_t ips[HP_AP_MAX_KERNEL_FRAMES];
};

/* Data pages of a ring (a power of 2): the CPU event's, 16 KiB for ~100
 * kernel chains; the fault event's, whose records have no fields (8 bytes:
 * 512 overflows between two signals of the thread). */
enum { KRING_DATA_PAGES = 4, KRING_FAULT_PAGES = 1 };

/* Bytes to map for a ring of data_pages; map it on a perf event fd (NULL
 * on failure); unmap it. Not signal-safe. */
size_t kring_bytes(unsigned data_pages);
void *kring_map(int fd, unsigned data_pages);
void kring_unmap(void *ring, unsigned data_pages);
/* The ring's head now (0 without a ring). Signal-safe. */
uint64_t kring_head(void *ring);
/* The next sample record before head, consumed: 1, or 0 when none is left.
 * Only the ring's thread may call it (from its SIGTRAP handler). */
int kring_next(void *ring, uint64_t head, struct kring_sample *ks);
/* The overflows the ring holds before head, not consumed: its sample
 * records plus the samples its LOST records count; 0 without a ring. */
uint64_t kring_overflows(void *ring, uint64_t head);

#endif

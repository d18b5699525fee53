/*
 * allocstream.h - the collector's side of the preload library: allocation
 * tracking (--alloc) and the CPU sampling agent (the sampler when
 * perf_event_open is refused, or --sampler preload).
 *
 * allocstream_setup() makes a stream directory and the environment that
 * makes a target load libhpprof_alloc.so (collector/preload/); every
 * process image of the target then writes its own stream there
 * (protocol: common/allocproto.h): allocation events, CPU samples, or
 * both. allocstream_poll() decodes what the target has committed since
 * the last call into hp_alloc_event records; allocstream_finish() reads
 * the rest and removes the files.
 *
 * Order: events of one stream (pid, gen) arrive in causal order (a FREE
 * of a block comes after its ALLOC, an ALLOC of a reused address after
 * the FREE that released it); streams are not ordered against each other.
 * Times are CLOCK_MONOTONIC ns, not perf's clock: open perf events with
 * use_clockid = 1, clockid = CLOCK_MONOTONIC to share one time base.
 *
 * Not handled here: statically linked targets (nothing to interpose: the
 * streams stay empty; the caller can tell by the absence of a BEGIN for
 * the target's pid), symbolization (the PCs are absolute; map them with
 * the process's mappings), and aggregation into sites, peaks and leaks.
 */
#ifndef HP_ALLOCSTREAM_H
#define HP_ALLOCSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "collector/pysample.h"
#include "common/allocproto.h"

#define HP_ALLOC_MAX_FRAMES HP_AP_MAX_SAMPLE_FRAMES   /* room in hp_alloc_event.pcs */

enum hp_alloc_kind {
	HP_ALLOC_BEGIN = 1, /* a process image started its stream: ppid, exe */
	HP_ALLOC_ALLOC,     /* a block was handed out: ptr, size, weight, pcs */
	HP_ALLOC_FREE,      /* a block was released: ptr */
	HP_ALLOC_END,       /* the stream is over: end_flags, dropped */
	HP_ALLOC_SAMPLE,    /* the CPU agent caught thread tid on the CPU: pcs, weight */
	HP_ALLOC_PYCODE,    /* the agent copied a code object's memory: blob, blob_len */
};

/* hp_alloc_event.end_flags */
#define HP_ALLOC_END_EXITED 0x1u  /* the process ran its exit-time destructors */
#define HP_ALLOC_END_EXECED 0x2u  /* the image was replaced by execve (a later gen exists) */
#define HP_ALLOC_END_FULL   0x4u  /* `dropped` events are missing (no reader, /dev/shm full) */
#define HP_ALLOC_END_LOST   0x8u  /* some records were cut off or unreadable */
#define HP_ALLOC_END_ASIDE  0x10u /* the CPU agent stood aside: the program uses SIGPROF itself */

/* hp_alloc_event.flags */
#define HP_ALLOC_F_TRUNCATED 0x1u /* SAMPLE: the stack is cut short (too deep or not unwound) */
#define HP_ALLOC_F_PYTHON    0x2u /* SAMPLE: from a PYSAMPLE record: py[0..nr_py) are its
                                   * Python frames (none when the thread ran no Python).
                                   * ALLOC: its stack carries Python frames (py[0..nr_py)) */
#define HP_ALLOC_F_PYCUT     0x40u /* SAMPLE (Python): py[] is the innermost part of a deeper
				     * chain (HP_AP_RF_PYCUT) */
#define HP_ALLOC_F_PYFAIL    0x4u /* SAMPLE: the agent could not read the Python chain */
#define HP_ALLOC_F_FAULT     0x8u /* SAMPLE (Python): taken at a page fault, every
                                   * fault_period faults of the thread, not CPU time */
#define HP_ALLOC_F_KCHAIN    0x10u /* SAMPLE (Python): kpcs[0..nr_kpcs) is its kernel part
                                   * (none: taken in user mode); without it, unknown */
#define HP_ALLOC_F_KMODE     0x20u /* with F_KCHAIN: taken in kernel mode */

/* One decoded event. (pid, gen) names the stream: gen counts execs of pid.
 * Frees of blocks the stream never showed allocated (allocated before the
 * shim was loaded, inherited across fork, or unsampled in sampling mode)
 * are normal: match frees to allocations and ignore the rest. */
struct hp_alloc_event {
	uint32_t pid, tid;
	uint32_t gen;             /* exec generation of pid, 0 for the first image */
	uint8_t kind;             /* enum hp_alloc_kind */
	uint8_t func;             /* ALLOC, FREE: enum hp_ap_func, the call that did it */
	uint16_t nr_pcs;          /* ALLOC, SAMPLE: valid entries in pcs */
	uint32_t flags;           /* SAMPLE: HP_ALLOC_F_* */
	uint64_t t_ns;            /* CLOCK_MONOTONIC; END: the exit or last event */
	uint64_t ptr;             /* ALLOC, FREE: address of the block */
	uint64_t size;            /* ALLOC: bytes requested (nmemb * size for calloc) */
	uint64_t weight;          /* ALLOC: bytes it stands for; == size unless sampling.
	                           * SAMPLE: timer periods of CPU time it stands for (>= 1) */
	uint32_t ppid;            /* BEGIN: parent pid when the stream started */
	uint32_t sample_hz;       /* BEGIN: the CPU agent's rate, 0 = not sampling */
	uint32_t end_flags;       /* END: HP_ALLOC_END_* */
	uint64_t dropped;         /* END: allocation events the shim could not record */
	uint64_t dropped_samples; /* END: CPU samples the agent could not record */
	uint64_t vm_hwm;          /* END: the process's own peak RSS (getrusage at its exit), 0 unknown */
	uint64_t window_max;      /* END: most stream bytes the process had mapped at once */
	uint64_t table_bytes;     /* END: resident bytes of the shim's stack table at exit */
	uint64_t writer_waits;    /* END: times the shim's writers found the ring full and waited */
	uint64_t writer_wait_ns;  /* END: CLOCK_MONOTONIC ns they waited, all threads summed */
	uint32_t stack_ref;       /* ALLOC: the stream's id of its stack (same id, same pcs), 0 none */
	uint64_t sample_period;   /* BEGIN: mean bytes between allocation samples, 0 = exact */
	const char *exe;          /* BEGIN: executable path, "" if unknown; valid during the call */
	/* Innermost first. ALLOC: pcs[0] is the return address into the caller
	 * of malloc (the shim's frames are skipped); all are return addresses:
	 * subtract 1 before looking up a line. SAMPLE: pcs[0] is the
	 * interrupted instruction (exact), pcs[1..] return addresses. */
	uint64_t pcs[HP_ALLOC_MAX_FRAMES];
	/* SAMPLE with HP_ALLOC_F_PYTHON: the thread's Python frames, innermost
	 * first, as the agent packed them; and what the stream header says of
	 * the process's Python (also on END: py_state, py_version). */
	const uint8_t *blob;      /* PYCODE: the record's body after tid and t (valid during
	                           * the call): nr_ranges, then (addr, len, bytes) each */
	uint32_t blob_len;
	uint16_t nr_py;
	uint32_t py_state;        /* HP_AP_PY_* */
	uint32_t py_version;      /* PY_VERSION_HEX, 0 unknown */
	uint64_t py_eval_start, py_eval_end;
	struct pysample_frame py[HP_AP_MAX_PY_FRAMES];
	/* SAMPLE with HP_ALLOC_F_KCHAIN: the kernel part of the sample (the
	 * thread's own CPU event recorded it), innermost first: the sampled
	 * kernel instruction, then return addresses. */
	uint16_t nr_kpcs;
	uint64_t kpcs[HP_AP_MAX_KERNEL_FRAMES];
};

/* Called for each event; return 0 to go on, or a negative code to stop
 * (the poll or finish call then returns that code). */
typedef int (*hp_alloc_cb)(void *ctx, const struct hp_alloc_event *ev);

struct hp_allocstream_opts {
	int no_alloc;             /* allocation hooks only pass calls on (CPU agent alone) */
	unsigned sample_hz;       /* CPU agent: samples per second of thread CPU time, 0 = off */
	int no_python;            /* CPU agent: no Python frames (HPPROF_PYTHON=0) */
	unsigned fault_period;    /* CPU agent, Python: a sample every this many page faults */
	uint64_t sample_bytes;    /* 0: record every call; else Poisson sampling, mean bytes */
	uint64_t buf_mib;         /* ring per process in MiB (2^n, >= 2), 0 = 2; backed as used;
				 * <= 2: mapped whole in the target, else a window */
	uint64_t seed;            /* sampling seed, 0 = from time and tid */
	const char *shim_path;    /* NULL: allocstream_find_shim() */
	const char *base_dir;     /* NULL: /dev/shm, else $TMPDIR, else /tmp */
};

struct hp_allocstream_stats {
	uint32_t streams;         /* process images that wrote a stream */
	uint32_t incomplete;      /* streams that neither exited (exit, _exit) nor exec'd: killed */
	uint64_t allocs, frees;   /* ALLOC and FREE events delivered */
	uint64_t samples;         /* SAMPLE events delivered */
	uint64_t sample_periods;  /* sum of their weights: timer periods they stand for */
	uint64_t dropped;         /* allocation events the shims could not record */
	uint64_t dropped_samples; /* CPU samples the agent could not record */
	uint32_t aside;           /* streams whose agent stood aside (HP_ALLOC_END_ASIDE) */
	uint64_t lost_bytes;      /* stream bytes that could not be decoded */
	uint64_t record_bytes;    /* stream bytes of allocation tracking: every compact record */
	uint64_t record_events;   /* allocation events (ALLOC, FREE, NOFREE records) */
	uint64_t window_max;      /* most stream bytes one process had mapped at once */
	uint64_t table_bytes;     /* largest resident stack table of one process */
	uint64_t writer_waits;    /* times writers waited for room in a ring, all streams */
	uint64_t writer_wait_ns;  /* ... and how long in all (CLOCK_MONOTONIC ns) */
};

struct hp_allocstream;

/* Find libhpprof_alloc.so for this executable: <dir of /proc/self/exe>/
 * (the build tree), then <dir>/../<libdir>/hpprof/ (installed). Writes an
 * absolute path to out. Returns 0 or -ENOENT. */
int allocstream_find_shim(char *out, size_t outlen);

/* Create the stream directory (mode 0700) and the child's environment.
 * opts may be NULL (exact mode, defaults). On success *out owns both;
 * release with allocstream_free(). Returns 0, -ENOENT (no shim, logged),
 * -EINVAL (a shim path LD_PRELOAD cannot carry: space or colon), or -errno. */
int allocstream_setup(struct hp_allocstream **out, const struct hp_allocstream_opts *opts);

/* The "K=V" strings to add to the child's environment, NULL-terminated:
 * LD_PRELOAD (the shim first, then any LD_PRELOAD of this process),
 * HPPROF_ALLOC_DIR, HPPROF_SAMPLE_HZ and the other options. Owned by s;
 * fits hp_launch.env. */
char **allocstream_env(const struct hp_allocstream *s);

/* The stream directory, and the preload library's path (owned by s). */
const char *allocstream_dir(const struct hp_allocstream *s);
const char *allocstream_shim(const struct hp_allocstream *s);

/* perf saw pid exec at t_ns (CLOCK_MONOTONIC): the image of its stream
 * made before then is gone, also when the new image has no stream (env
 * -i, a static program: the preload library was not loaded into it). Its
 * stream ends as exec'd (HP_ALLOC_END_EXECED), not as a kill. */
int allocstream_note_exec(struct hp_allocstream *s, uint32_t pid, uint64_t t_ns);

/* Deliver every event committed since the last call, stream by stream;
 * streams of processes that are gone (or exec'd) are read to the end,
 * closed, and reported with END. A stream's END comes before the BEGIN of
 * the next image of its pid (exec), so per pid everything is in order.
 * Never blocks. Call it regularly (every
 * 10-50 ms): a writer whose ring is full waits for it, and after
 * HP_AP_READER_TIMEOUT_NS without a poll drops events instead. Returns
 * the number of events delivered, a callback's negative code, or -errno. */
int allocstream_poll(struct hp_allocstream *s, hp_alloc_cb cb, void *ctx);

/* Read everything that is left, end every stream (END events), remove the
 * files and the directory, and fill *stats (may be NULL). Call it once the
 * target has exited; a record a killed thread left half-written counts as
 * lost. Dropped events are also reported with hp_warn. Returns 0, a
 * callback's negative code, or -errno. */
int allocstream_finish(struct hp_allocstream *s, hp_alloc_cb cb, void *ctx,
		       struct hp_allocstream_stats *stats);

/* Release s; removes the directory and its files if finish did not. */
void allocstream_free(struct hp_allocstream *s);

#endif

/*
 * allocproto.h - the shared-memory protocol between the preload library
 * (collector/preload/: the allocation shim and the CPU sampling agent,
 * inside the target) and the collector's reader (collector/allocstream.c).
 * Version HP_AP_VERSION (2: compact allocation records, stack ids; 3: PYSAMPLE
 * and PYCODE records, the header's Python fields; 4: the header's writer
 * waits, writer_waits and writer_wait_ns).
 *
 * Naming. The collector creates a directory and passes it to the target in
 * HPPROF_ALLOC_DIR. Every process image that loads the shim writes exactly
 * one stream file "<dir>/<pid>.<gen>.ring", created with O_EXCL: gen is 0
 * for the first image of a pid and grows by one per execve() (and on pid
 * reuse), so a pre-exec stream is complete once a later gen exists. A child
 * forked without exec starts its own stream in the fork handler.
 *
 * File layout. [0, HP_AP_DATA_OFF) is struct hp_ap_header, then a ring of
 * ring_size bytes (a power of two). Records are addressed by a logical
 * offset that only grows; a record at logical offset L lives at
 * HP_AP_DATA_OFF + (L & (ring_size - 1)) and never straddles the end of
 * the ring (a PAD record fills the rest of a lap instead). During the
 * first lap the writer fallocate()s the ring in chunks ahead of the cursor
 * (`backed`); when /dev/shm is full the stream ends (TRUNC, HP_AP_F_FULL),
 * it never takes SIGBUS.
 *
 * Residency. The ring lives in shared memory that the collector maps
 * whole; in the target only a window of it is resident: the writer that
 * claims the first byte of a chunk (HP_AP_CHUNK bytes of logical offsets)
 * maps the next chunk (MADV_POPULATE_WRITE) and drops the target's pages
 * of the chunk two behind (MADV_DONTNEED on the shared mapping keeps the
 * data in the file), so the target's RSS carries about three chunks of the
 * ring, whatever its size. A ring of at most HP_AP_RESIDENT_RING bytes
 * (what `--alloc` uses) is not windowed: it stays mapped whole, so that
 * after its first lap writers only write memory that is already mapped
 * (dropping and mapping pages again costs ~20 us per page where memory is
 * virtualized: docs/performance.md). `window_max` says how much it held
 * at most.
 *
 * Writing. A writer reserves a record by advancing `cursor` with one
 * compare-and-swap (no lock), stores the length with a RESERVED tag in the
 * record head, writes the body, then publishes the head with the COMMIT
 * tag using a release store. Reservation order is causal order: an
 * allocation is reserved after the real allocator returned, a free before
 * the real free (realloc reserves its free part before the call and
 * commits it after, as NOFREE when realloc failed). A writer may only use
 * logical bytes below released + ring_size; when the ring is full it
 * sleeps until the reader frees room, as long as the reader's heartbeat
 * (`reader_ns`, or t_start_ns before the first poll) is younger than
 * HP_AP_READER_TIMEOUT_NS; past that it drops events and counts them in
 * dropped_events. Every such wait is counted in writer_waits and its
 * length (CLOCK_MONOTONIC ns, from the first look that found no room to
 * the return, room or timeout) added to writer_wait_ns. It never blocks for longer than that timeout, and not at
 * all once the reader has set HP_AP_F_DETACHED.
 *
 * Reading. The reader consumes records in logical order, loading each
 * head with acquire; a zero head means "not yet written". It zeroes what
 * it consumed, then advances `released` (release store), so a writer
 * always finds zeroes in the space it reserves. The reader must poll
 * regularly (and so refresh reader_ns), or writers drop events. A reader
 * held for HP_AP_READER_TIMEOUT_NS at one record its live writer never
 * published (the thread left the hook between reserve and commit) stops
 * refreshing reader_ns until it is published, so that the other writers
 * drop rather than wait for room for ever.
 *
 * Signal handlers write too (the CPU sampling agent, from SIGPROF): they
 * reserve the same way but never wait for room and never take a lock; a
 * sample that finds the ring full is dropped and counted in
 * dropped_samples. A handler may interrupt a writer of its own thread
 * between reservation and commit: the reader then sees the interrupted
 * record uncommitted until the handler returns, as with any slow writer.
 *
 * Records are 4-byte aligned and start with a 32-bit head (length, type,
 * tag; HP_AP_HEAD). Two shapes follow it, all fields LEB128 varints
 * (hp_ap_put/hp_ap_get below):
 *
 *   Compact records (allocation tracking), func and flags in the head
 *   (HP_AP_CHEAD), no timestamp:
 *     ALLOC:  thread, stack, dptr, size, [weight if HP_AP_RF_WEIGHT],
 *             [nr_pcs, pcs if stack == 0]
 *     FREE:   thread, dptr           (the block at ptr is about to be released)
 *     NOFREE: thread, dptr           (a realloc's FREE whose realloc failed)
 *     STACK:  id, nr_pcs, pcs        (stack id of this stream, from 1)
 *     THREAD: thread, tid            (first record of a thread)
 *     TIME:   t                      (events that follow happened at t or later)
 *   where thread is a small number the shim gives each thread of the
 *   process (from 1), dptr = zigzag(ptr - the previous ptr of an ALLOC,
 *   FREE or NOFREE of the same thread, 0 before the first) and stack is a
 *   STACK id published earlier in the stream, or 0 when the pcs are
 *   inline. A writer emits TIME when the coarse clock
 *   (CLOCK_MONOTONIC_COARSE) moved since the stream's last TIME
 *   (`last_tick`), so an event's time is the last TIME before it.
 *
 *   Long records (an 8-byte prefix, struct hp_ap_rec, then the body):
 *     EXIT:   tid, t                 (from the shim's destructor)
 *     SAMPLE: tid, t, overrun, pcs   (from the agent's SIGPROF handler)
 *     PYSAMPLE: tid, t, overrun, pcs, nr_py, nr_py x (dcode, offset, pyflags)
 *             (from the agent's SIGTRAP handler in a CPython 3.11 process:
 *             the SAMPLE of that moment plus the thread's Python frames,
 *             innermost first; dcode = zigzag(code - the previous frame's
 *             code, 0 before the first), offset = zigzag(bytes from
 *             co_code_adaptive to the last instruction started), pyflags
 *             = struct pysample_frame.flags (collector/pysample.h).
 *             HP_AP_RF_PYFAIL: the chain could not be read (nr_py = 0).
 *             HP_AP_RF_PYCUT: the chain was deeper than HP_AP_MAX_PY_FRAMES:
 *             the record holds its innermost HP_AP_MAX_PY_FRAMES frames.
 *             A thread running no Python has nr_py = 0 without the flag.
 *             HP_AP_RF_FAULT: taken by the thread's page-fault event, every
 *             HPPROF_FAULT_PERIOD faults, instead of its CPU-time event.)
 *             With HP_AP_RF_KCHAIN the record ends with the kernel part of
 *             the sample: nr_k, then nr_k kernel addresses (the first as
 *             is, then zigzag deltas), innermost first: the sampled
 *             kernel instruction, then return addresses. They come from
 *             the sample the thread's own CPU event wrote to its ring
 *             (agent_kring.c): nr_k = 0 means the sample was taken in
 *             user mode (no kernel part). Without the flag the kernel
 *             part is unknown (no ring, or its record was not found).
 *     PYCODE: tid, t, nr_ranges, nr_ranges x (addr, len, len bytes)
 *             (from the same handler, before the PYSAMPLE that first shows
 *             a code object, or shows a new one at a known address: copies
 *             of the target's memory the collector needs to name it while
 *             the object may be freed soon after: the code object's header,
 *             its co_qualname and co_filename str objects and its
 *             co_linetable bytes object, each cut to what pycode_load reads)
 *   PAD, TRUNC: no body.
 *
 * Python frames of an allocation. In a process whose agent reads Python
 * frames (py_state HP_AP_PY_FRAMES or HP_AP_PY_NOEVENT), an allocation
 * made while its thread runs Python carries them at the end of its
 * stack's pcs (STACK and inline alike, so stack ids cover them): the
 * native pcs, the word HP_AP_PY_MARK (never a user address; HP_AP_PY_MARK_CUT
 * when the chain was deeper than the frames that follow), then two
 * words per Python frame, innermost first: the code object's address and
 * (uint32 offset) << 32 | pyflags (as in PYSAMPLE). At most HP_AP_MAX_FRAMES
 * native pcs and HP_AP_MAX_PY_FRAMES Python frames (HP_AP_MAX_ALLOC_WORDS
 * words). The code objects are sent in PYCODE records before, as for
 * PYSAMPLE.
 *
 * t = CLOCK_MONOTONIC ns - header.t_start_ns. pcs are nr_pcs values:
 * pcs[0] as is, then zigzag deltas pcs[i] - pcs[i-1]; all PCs are
 * absolute. In an allocation's stack pcs[0] is the return address into
 * malloc's caller (shim frames skipped) and all are return addresses as
 * unw_backtrace gives them. In SAMPLE, pcs[0] is the interrupted
 * instruction (exact) and pcs[1..] are return addresses; overrun is the
 * number of timer periods that elapsed without a signal before this one
 * (the kernel checks CPU-time timers once per tick), so the sample stands
 * for 1 + overrun periods of the thread's CPU time. In a PYSAMPLE of a
 * SIGTRAP event, the periods of the thread's CPU clock since its last
 * signal beyond the event's overflows (at most 127; agent_py.c).
 *
 * Size: an allocation whose stack was seen before is one ALLOC of 8-12
 * bytes and its free one FREE of 8: with full stacks kept, a stream
 * carries ~10 bytes per event (docs/performance.md).
 */
#ifndef HP_ALLOCPROTO_H
#define HP_ALLOCPROTO_H

#include <stddef.h>
#include <stdint.h>

#define HP_AP_MAGIC      0x31434f4c4c415048ull  /* "HPALLOC1", little-endian */
#define HP_AP_VERSION    4
#define HP_AP_DATA_OFF   4096u                  /* first record; header page before */
#define HP_AP_MAX_FRAMES 64                     /* deepest stack an ALLOC carries */
#define HP_AP_MAX_SAMPLE_FRAMES 128             /* deepest stack a SAMPLE carries */
#define HP_AP_MAX_KERNEL_FRAMES 64              /* most kernel frames a PYSAMPLE carries */
#define HP_AP_MAX_PY_FRAMES 128                 /* most Python frames a PYSAMPLE carries */
#define HP_AP_PY_MARK    0xfffffffffffffe50ull  /* native pcs end, Python frames follow */
#define HP_AP_PY_MARK_CUT 0xfffffffffffffe51ull /* the same, the frames being the innermost
						* part of a deeper chain */
#define HP_AP_MAX_ALLOC_WORDS (HP_AP_MAX_FRAMES + 1 + 2 * HP_AP_MAX_PY_FRAMES)
#define HP_AP_MAX_REC    4092u                  /* no record is longer (bytes; < 4096, the head's length field) */
#define HP_AP_EXE_MAX    256                    /* header.exe, NUL-terminated */

/* Environment the shim reads (set by the collector). */
#define HP_AP_ENV_DIR     "HPPROF_ALLOC_DIR"     /* where streams go; shim inert when unset */
#define HP_AP_ENV_SAMPLE  "HPPROF_ALLOC_SAMPLE"  /* mean bytes between samples; 0/unset = exact */
#define HP_AP_ENV_BUFSIZE "HPPROF_ALLOC_BUFSIZE" /* ring size in MiB (rounded down to 2^n) */
#define HP_AP_ENV_SEED    "HPPROF_ALLOC_SEED"    /* fixed sampling seed (tests) */
#define HP_AP_ENV_TRACK   "HPPROF_ALLOC_TRACK"   /* "0": allocation hooks only pass calls on */
#define HP_AP_ENV_HZ      "HPPROF_SAMPLE_HZ"     /* CPU samples per second of thread CPU time; 0/unset = off */
#define HP_AP_ENV_PYTHON  "HPPROF_PYTHON"        /* "0": no Python frames (the agent samples natively) */
#define HP_AP_ENV_FAULTS  "HPPROF_FAULT_PERIOD"  /* Python processes: a PYSAMPLE every N page faults; 0/unset = off */
#define HP_AP_DEFAULT_RING (2ull << 20)         /* --alloc's: resident, backed as the first lap fills it */
#define HP_AP_MIN_RING     (2ull << 20)
#define HP_AP_RESIDENT_RING (2ull << 20)        /* a ring this small stays mapped whole */
#define HP_AP_CHUNK        (256u << 10)    /* residency window step in the target */
#define HP_AP_READER_TIMEOUT_NS 2000000000ull   /* writers wait this long for room */

/* Record head word: length in bytes (a multiple of 4, < 4096) | type << 12
 * | extra << 16 | tag << 24. Compact records carry func and flags in
 * extra (HP_AP_CHEAD); long records have them in their prefix. */
#define HP_AP_TAG_RESERVED 0x5au
#define HP_AP_TAG_COMMIT   0xa7u
#define HP_AP_HEAD(len, type, tag) ((uint32_t)(len) | (uint32_t)(type) << 12 | (uint32_t)(tag) << 24)
#define HP_AP_CHEAD(len, type, func, flags) \
	(HP_AP_HEAD(len, type, HP_AP_TAG_COMMIT) | ((uint32_t)(func) & 0xfu) << 16 | \
	 ((uint32_t)(flags) & 0xfu) << 20)
#define HP_AP_HEAD_LEN(h)   ((h) & 0xfffu)
#define HP_AP_HEAD_TYPE(h)  (((h) >> 12) & 0xfu)
#define HP_AP_HEAD_FUNC(h)  (((h) >> 16) & 0xfu)
#define HP_AP_HEAD_FLAGS(h) (((h) >> 20) & 0xfu)
#define HP_AP_HEAD_TAG(h)   ((h) >> 24)
#define HP_AP_ALIGN 4u                          /* every record's length is a multiple */

enum hp_ap_type {
	HP_AP_ALLOC = 1,   /* a block was handed out */
	HP_AP_FREE  = 2,   /* a block is about to be released */
	HP_AP_PAD   = 3,   /* nothing (a failed realloc, the end of a lap): skip */
	HP_AP_EXIT  = 4,   /* the process ran its destructors (exit or return from main) */
	HP_AP_TRUNC = 5,   /* the ring could not be backed: no record follows */
	HP_AP_SAMPLE = 6,  /* the agent's SIGPROF handler caught a thread on the CPU */
	HP_AP_STACK  = 7,  /* a stack id and its pcs (compact) */
	HP_AP_THREAD = 8,  /* a thread number and its tid (compact) */
	HP_AP_TIME   = 9,  /* the time of the events that follow (compact) */
	HP_AP_NOFREE = 10, /* a reserved FREE that did not happen: ptr base only (compact) */
	HP_AP_PYSAMPLE = 11, /* a SAMPLE with the thread's Python frames (SIGTRAP handler) */
	HP_AP_PYCODE = 12,   /* memory of a code object, for naming it later (SIGTRAP handler) */
};

/* Whether records of this type are compact (a head word, then the body). */
#define HP_AP_COMPACT(type) ((type) == HP_AP_ALLOC || (type) == HP_AP_FREE || \
			     ((type) >= HP_AP_STACK && (type) <= HP_AP_NOFREE))

/* Which call produced a record (hp_ap_rec.func). A realloc that moves or
 * resizes p to q is FREE(p) then ALLOC(q), both with func REALLOC. */
enum hp_ap_func {
	HP_AF_NONE = 0, HP_AF_MALLOC, HP_AF_CALLOC, HP_AF_REALLOC, HP_AF_REALLOCARRAY,
	HP_AF_POSIX_MEMALIGN, HP_AF_ALIGNED_ALLOC, HP_AF_MEMALIGN, HP_AF_VALLOC,
	HP_AF_PVALLOC, HP_AF_FREE,
	HP_AF_PYARENA,     /* a CPython pymalloc arena (PyObject_SetArenaAllocator): its
			    * ALLOC when pymalloc takes one, its FREE when it gives it back */
	HP_AF_COUNT
};

/* hp_ap_rec.flags */
#define HP_AP_RF_WEIGHT 0x01u  /* sampled: the body carries the estimated bytes */
#define HP_AP_RF_TRUNCATED 0x02u /* SAMPLE: the stack is cut short (too deep, or not unwound) */
#define HP_AP_RF_PYFAIL 0x04u  /* PYSAMPLE: the Python chain could not be read (or was too deep) */
#define HP_AP_RF_PYCUT  0x20u  /* PYSAMPLE: the chain was deeper than HP_AP_MAX_PY_FRAMES: these
				* are its innermost frames, the outer ones were dropped */
#define HP_AP_RF_KCHAIN 0x10u  /* PYSAMPLE: the kernel part follows the Python frames */
#define HP_AP_RF_FAULT  0x08u  /* PYSAMPLE: taken at the N-th page fault of its thread
				* (HPPROF_FAULT_PERIOD), not at a period of CPU time */

/* hp_ap_header.flags */
#define HP_AP_F_FULL    0x01u  /* the ring could not be backed (/dev/shm full): stream over */
#define HP_AP_F_EXITED  0x02u  /* the destructor ran (also when its EXIT record was dropped) */
#define HP_AP_F_DETACHED 0x04u /* set by the reader when it stops: writers drop, never wait */
#define HP_AP_F_ASIDE   0x08u  /* the agent stood aside: the program handles SIGPROF itself */

/* hp_ap_header.py_state */
#define HP_AP_PY_NONE        0u   /* not a Python process, or not looked at */
#define HP_AP_PY_FRAMES      1u   /* CPython 3.11: PYSAMPLE records carry its frames */
#define HP_AP_PY_UNSUPPORTED 2u   /* a Python hpprof cannot read: native frames only */
#define HP_AP_PY_NOEVENT     3u   /* supported, but the SIGTRAP perf event would not open:
				   * the timers' SIGPROF handler writes the PYSAMPLEs */

/* The 8-byte prefix of a long record (EXIT, SAMPLE). */
struct hp_ap_rec {
	uint32_t head;     /* HP_AP_HEAD(len, type, tag); 0 = not written yet */
	uint8_t func;      /* enum hp_ap_func */
	uint8_t flags;     /* HP_AP_RF_* */
	uint16_t nr_pcs;   /* SAMPLE: frames in the body (HP_AP_MAX_SAMPLE_FRAMES at most) */
};

/* The first page of a stream file. Fields above `cursor` are written once,
 * before `magic` is published (release); the reader ignores a file whose
 * magic is not set yet. Fields from `cursor` on change concurrently and are
 * accessed with __atomic builtins only. */
struct hp_ap_header {
	uint64_t magic;            /* HP_AP_MAGIC once the header is complete */
	uint32_t version;          /* HP_AP_VERSION */
	uint32_t data_off;         /* offset of the first record (HP_AP_DATA_OFF) */
	uint32_t pid, ppid;        /* writer process and its parent at creation */
	uint32_t gen;              /* the <gen> in the file name */
	uint32_t clock_id;         /* CLOCK_MONOTONIC: the clock of every t */
	uint64_t ring_size;        /* bytes of ring after the header: a power of two */
	uint64_t sample_period;    /* mean bytes between samples; 0 = every call */
	uint64_t t_start_ns;       /* clock at stream creation; record t is relative */
	uint32_t max_frames;       /* HP_AP_MAX_FRAMES */
	uint32_t sample_hz;        /* CPU sampling rate asked of the agent, 0 = not sampling */
	char exe[HP_AP_EXE_MAX];   /* readlink(/proc/self/exe), "" if unknown */

	/* written by the shim */
	_Alignas(64) uint64_t cursor;  /* logical offset of the next reservation */
	_Alignas(64) uint64_t backed;  /* ring bytes [0, backed) are fallocated */
	uint64_t dropped_events;       /* events not recorded: no room, no reader, no memory */
	uint32_t flags;                /* HP_AP_F_* */
	uint32_t reserved1;
	uint64_t dropped_samples;      /* SAMPLEs not recorded: ring full, or the thread was unwinding */
	uint64_t last_tick;            /* CLOCK_MONOTONIC_COARSE of the last TIME record */
	uint64_t zapped;               /* ring pages below this logical offset were dropped */
	uint64_t window_max;           /* most ring bytes the target had mapped at once */
	uint64_t table_bytes;          /* at exit: resident bytes of the shim's stack table */
	uint64_t vm_hwm;               /* at exit: the process's own VmHWM, bytes; 0 unknown */
	uint32_t stacks;               /* STACK ids handed out */
	uint32_t py_state;             /* HP_AP_PY_*: what the agent found (set before any PYSAMPLE) */
	uint32_t py_version;           /* PY_VERSION_HEX of the process's Python, 0 unknown */
	uint32_t reserved2;
	uint64_t py_eval_start;        /* _PyEval_EvalFrameDefault [start, end) in the process */
	uint64_t py_eval_end;
	uint64_t writer_waits;         /* hooks that found the ring full and waited for room */
	uint64_t writer_wait_ns;       /* CLOCK_MONOTONIC ns those waits took, all threads summed */
	/* written by the reader */
	_Alignas(64) uint64_t released;  /* logical bytes below it are read and zeroed */
	uint64_t reader_ns;              /* CLOCK_MONOTONIC of the reader's last poll */
};

_Static_assert(sizeof(struct hp_ap_header) <= HP_AP_DATA_OFF, "header fits its page");
_Static_assert(sizeof(struct hp_ap_rec) == 8, "record prefix is 8 bytes");

/* Worst-case body: 6 varints before the pcs, each <= 10 bytes. */
_Static_assert(4 + 6 * 10 + HP_AP_MAX_ALLOC_WORDS * 10 <= HP_AP_MAX_REC,
	       "largest ALLOC (with Python frames) fits HP_AP_MAX_REC");
_Static_assert(sizeof(struct hp_ap_rec) + 3 * 10 + HP_AP_MAX_SAMPLE_FRAMES * 10 <= HP_AP_MAX_REC,
	       "largest SAMPLE fits HP_AP_MAX_REC");
/* PYSAMPLE: a SAMPLE, nr_py, then per frame a code delta (<= 10 bytes),
 * an offset (<= 5) and flags (<= 5). */
_Static_assert(sizeof(struct hp_ap_rec) + 4 * 10 + HP_AP_MAX_SAMPLE_FRAMES * 10 +
		       HP_AP_MAX_PY_FRAMES * 20 <= HP_AP_MAX_REC,
	       "largest PYSAMPLE fits HP_AP_MAX_REC");

/* Append v as an unsigned LEB128 varint at p; returns the byte after it. */
static inline uint8_t *hp_ap_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Read a varint from [p, end) into *v; returns the byte after it, or NULL
 * when the varint runs past end or is longer than 10 bytes. */
static inline const uint8_t *hp_ap_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (unsigned shift = 0; p < end && shift < 70; shift += 7) {
		uint8_t b = *p++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return p;
		}
	}
	return NULL;
}

static inline uint64_t hp_ap_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t hp_ap_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

#endif

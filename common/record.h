/*
 * record.h - the few structs that carry profile data between modules.
 *
 * The collector produces raw facts (hp_sample with its hp_location frames,
 * hp_mem_reading; allocation events are struct hp_alloc_event in
 * allocproto.h); the store persists them; the analyzer turns locations
 * into hp_frame chains. Each field is documented here once.
 */
#ifndef HP_RECORD_H
#define HP_RECORD_H

#include <stdint.h>
#include <sys/types.h>

#define HP_MAX_FRAMES   256   /* deepest stack kept; deeper ones are truncated */
#define HP_MAX_COUNTERS 16    /* counter events read with each sample */

/* A code address resolved to its module: what the store keeps per frame. */
struct hp_location {
	uint32_t module_id;   /* store id of the module, 0 when unknown */
	uint64_t addr;        /* ELF vaddr inside the module (absolute when unknown) */
};

/* How the unwinding of a sample's stack ended (samples.unwind). Whether a
 * stack is complete is decided once, by the analyzer (analyzer/census.h),
 * from this and the stack's frames. */
enum hp_stack_end {
	HP_STACK_END_UNKNOWN = -1,   /* not recorded (kernel frame-pointer chains, the agent) */
	HP_STACK_END_OUTERMOST = 0,  /* at a frame whose CFI says it has no caller (_start, clone) */
	HP_STACK_END_CUT = 1,        /* the next frame lay above the copied part of the stack */
	HP_STACK_END_STOPPED = 2,    /* no unwind information, unreadable memory, a bad frame */
	HP_STACK_END_DEEP = 3,       /* HP_MAX_FRAMES reached */
	HP_STACK_END_HOLE = 4,       /* the next frame lay above where the kernel's copy ended
				      * early: a stack page not touched yet (or the stack's end) */
	HP_STACK_END_JOINED = 5,     /* cut or at a hole, completed from a later sample of the
				      * same thread with the same frame (collector/stackjoin.h) */
};

/* One sample after unwinding: the innermost frame first. */
struct hp_sample {
	uint64_t t_ns;                         /* since the run started */
	uint32_t pid, tid;
	uint32_t nr_frames;
	int32_t unwind;                        /* enum hp_stack_end */
	int event;                             /* events.id of the sampling event (0 = main sampler) */
	struct hp_location frames[HP_MAX_FRAMES];
	uint32_t nr_counters;
	int64_t counters[HP_MAX_COUNTERS];     /* deltas since the previous sample of this thread;
						* an off-CPU sample (events.role 'offcpu'): [0] ns
						* off the CPU it stands for (more than its own
						* when switch stacks were sampled), [1] enum
						* hp_wait_class, [2] its own ns */
};

/* Why a thread was off the CPU (an off-CPU sample's second value). The
 * collector knows HP_WAIT_PREEMPTED (the switch record says the thread was
 * still runnable) and, for a wait found asleep at an attach, its system
 * call's class (collector/offcpu_attach.c); the analyzer classifies
 * HP_WAIT_BLOCKED from the stack (analyzer/offcpu_class.c) into the others. */
enum hp_wait_class {
	HP_WAIT_BLOCKED,          /* went to sleep: the stack tells on what */
	HP_WAIT_LOCK,             /* futex, mutex, condition variable, semaphore, join */
	HP_WAIT_IO,               /* read, write, poll, select, sockets, pipes, fsync */
	HP_WAIT_SLEEP,            /* nanosleep, usleep, sleep */
	HP_WAIT_FAULT,            /* a page fault waiting for memory or the disk */
	HP_WAIT_PREEMPTED,        /* runnable, but another task had the CPU */
	HP_WAIT_OTHER,            /* blocked, on nothing the stack names */
	HP_WAIT_NCLASSES
};

/* A memory reading of one process. */
struct hp_mem_reading {
	uint32_t pid;
	uint64_t t_ns;
	uint64_t rss_bytes;
	int64_t heap_bytes;                    /* -1 on RSS readings: a heap point has >= 0 */
	uint64_t rss_anon, rss_file, rss_shmem; /* RssAnon, RssFile, RssShmem (sum: rss_bytes) */
	int split;                             /* 1 when the three were read, else 0 */
};

/* A resolved frame: what one location means at one inline depth. */
struct hp_frame {
	const char *function;                  /* never NULL: "module+0x1234" at worst */
	const char *raw_function;              /* as the binary spells it (mangled);
						* NULL when the name was made up */
	const char *file;                      /* NULL when unknown */
	uint32_t line;                         /* 0 when unknown */
};

#endif

/*
 * session_internal.h - what session.c (the loop), session_wake.c (its
 * wake-ups), session_procs.c (facts without perf, adopted processes),
 * session_offgate.c (the off-CPU gate),
 * session_records.c (what each ring record means) and session_events.c
 * (opening the perf events and their rings, whole-run totals) share. Not
 * an interface: only collector/session*.c include it.
 */
#ifndef HP_SESSION_INTERNAL_H
#define HP_SESSION_INTERNAL_H

#include <linux/perf_event.h>
#include <stdint.h>
#include <sys/resource.h>

#include "collector/module.h"
#include "collector/perf_record.h"
#include "collector/perf_ring.h"
#include "collector/procmap.h"
#include "collector/procroot.h"
#include "collector/session.h"
#include "collector/stackjoin.h"
#include "collector/unwind.h"
#include "common/hmap.h"
#include "common/record.h"

struct hp_kstack;
struct hp_memwatch;
struct hp_offcpu;
struct pollfd;

/* The most CPUs a session opens events on: Linux's NR_CPUS limit. The
 * per-CPU arrays are sized by the machine's CPUs (session_alloc_slots);
 * until wave 23 they were fixed at 256, and a machine with more (2-socket
 * servers have 384-512) had no events on the rest, its samples there lost
 * without a word. */
#define MAX_CPUS      8192
#define OFFCPU_STACKS_HZ 1000        /* off-CPU stack budget per CPU a second, without -F */
#define GATE_SLOT_NS  2000000ull     /* off-CPU stack gate: a decision at most this often */
#define COMMIT_NS     500000000ull   /* commit the batch at least this often */
#define LOOP_MS       10             /* loop period with an on_poll stream to drain */
#define LOOP_IDLE_MS  100            /* without: rings and the pidfd wake the loop */
#define MAX_PROCS     4096
#define KERNEL_PATH   "[kernel]"           /* kernel time without its frames */
#define KALLSYMS_PATH "[kernel.kallsyms]"  /* kernel frames: addresses named from kallsyms */
#define MAX_KERNEL_FRAMES 128              /* of one sample; the rest of the stack is user code */

/* Records lost, by the kind of ring (session_lost.c): the CPU rings'
 * (samples, page-fault samples, task records), the switch records', the
 * switch-out stacks'. */
enum { LOST_SAMPLES, LOST_SWITCHES, LOST_STACKS, LOST_KINDS };

/* Counter values last read for a thread on one CPU's group (each CPU has
 * its own event instance), to turn group reads into deltas; and the time
 * of samples its ring lost, still to be charged (session_records.c,
 * counter_deltas). */
struct thread_counters {
	uint32_t tid;
	uint32_t ring;
	int gap;                       /* records of this ring were lost since the last sample */
	uint64_t prev[HP_MAX_COUNTERS];
	uint64_t prev_running;         /* the group's time_running at the last sample */
	uint64_t period;               /* running ns between its last two samples without a gap */
	uint64_t debt_running;         /* running ns of lost samples not charged yet */
	int64_t debt[HP_MAX_COUNTERS]; /* their counter deltas not charged yet */
};

struct hp_session {
	const struct hp_session_opts *o;
	uint64_t agent_faults;          /* no_perf: faults the agent's fault samples stand for */
	struct hp_store *st;
	struct hp_module_cache *mc;
	struct hp_procmaps *pm;
	struct hp_procroot *roots;     /* the roots of processes in a chroot or a container */
	struct hp_mapfiles *files;     /* mapped files gone from their names */
	struct hp_unwinder *uw;
	struct hp_stackjoin *join;     /* cut stacks held for a later sample; NULL: none */
	struct hp_kstack *kstack;      /* kernel functions of waits found asleep (offcpu_attach.c) */
	uint64_t t0;                   /* CLOCK_MONOTONIC ns at t = 0 */
	uint64_t sample_type;          /* of the sampler (the fault sampler: without READ) */
	uint64_t read_format;          /* of the sampler's group read */
	uint32_t nregs;

	/* [0, nrings): the CPU samplers' rings (one per CPU; counters, faults and
	 * task records go there too); [nrings, nrings + nswitch): the rings of
	 * the switch events (--off-cpu: SWITCH records, then the context-switch
	 * samples' stacks), so that a flood of switches never costs CPU samples
	 * and a burst of stacks never costs switch records. While the events
	 * open, CPU ring r's wait at nslots + r and 2 nslots + r
	 * (session_events.c, pack_switch_rings). Drained together, in time order.
	 * 3 nslots of them, and as many pollfds and one more. */
	struct hp_ring *rings;
	struct pollfd *pfd;
	unsigned nslots;               /* CPU slots of the per-CPU arrays (session_alloc_slots) */
	unsigned nrings, nswitch;
	unsigned nswitch_rec;          /* of the nswitch, the switch records' rings (first) */
	unsigned ring_pages;           /* data pages per ring (quartered while refused) */
	unsigned stack_size;           /* user stack bytes copied per sample (session_stack_size_for) */
	int (*counter_fds)[HP_MAX_COUNTERS];    /* nslots of each of these */
	int *fault_fds;
	int faults_counter;            /* 1 + the page-faults counter read from the fault
	                                * samplers instead (session_counters.c); 0 none */
	int *offcpu_fds;               /* context-switch samplers (--off-cpu), -1 when none */
	int *swrec_fds;                /* their SWITCH records' events (owning the switch rings) */
	int *gate_fds;                 /* every context-switch sampler (extras too): the gate */
	size_t ngate, gate_cap;
	int *rec_fds;                  /* every SWITCH records' event (extras too): gated with them */
	size_t nrec, rec_cap;
	int rec_on;                    /* the records' events are on */
	int have_schedstat;            /* /proc/.../schedstat: waits may be cut (offcpu.h) */
	int gate_on;                   /* the stack samplers are on (session_offgate.c) */
	double gate_pi;                /* the last pi (< 1: gating, the loop keeps the beat) */
	uint64_t gate_next;            /* CLOCK_MONOTONIC ns of the next decision */
	struct hp_offcpu *oc;          /* their intervals; NULL without --off-cpu */
	int offcpu_shared;             /* the off-CPU events write into the CPU's ring: their
					* own rings would make it smaller
					* (fit_ring_budget) */
	int offcpu_only;               /* no_perf with off_cpu: only the off-CPU events are
				        * open (the preload agent samples CPU time), their
				        * rings [0, nswitch) (session_open_offcpu_events) */
	unsigned noff;                 /* then: CPU slots of offcpu_fds[], swrec_fds[] */
	int attach;                    /* profiling running processes (session_attach.c):
				        * events are enabled at once, not at exec */
	int *extra_fds;                /* attach: the other threads' events (into the rings) */
	size_t nextra, extra_cap;
	struct hp_hmap ids;            /* perf sample id -> (kind << 32 | index) */
	uint64_t lost_format;          /* PERF_FORMAT_LOST, or 0: the kernel lacks it */
	uint64_t lost_reported[LOST_KINDS]; /* records the LOST records reported, per kind */
	uint64_t fault_lost;           /* the fault samplers' lost counts, read with their
				        * totals (session_read_totals) */

	struct hp_ring_reader reader;

	struct hp_memwatch *mw;         /* RSS timeline thread; NULL when off */
	uint64_t preexec_rss;          /* the target before exec: hpprof's copy (launch's fork) */
	uint32_t exited[MAX_PROCS];    /* exits not yet applied to procmaps */
	unsigned nexited;
	struct thread_counters *tcount;
	size_t ntcount, tcount_cap;
	struct hp_hmap tcount_index;   /* key2(tid, ring + 1) -> index in tcount (per sample) */
	uint32_t kernel_module;        /* store id of "[kernel]" */
	uint32_t kallsyms_module;      /* store id of "[kernel.kallsyms]" */
	int kernel_chain;              /* kernel callchains are recorded */
	int stopped;                   /* the store failed: no more records are handled */

	struct hp_hmap threads;        /* no_perf: tids that have their threads row */
	struct hp_hmap refreshed;      /* no_perf: pid -> poll round its maps were last re-read */
	struct hp_hmap adopted;        /* perf: pid -> ADOPTED_ROW (known only from its stream)
				        * or ADOPTED_MAPS (maps restored for a known pid) */
	struct hp_hmap rows;           /* pids this session wrote a processes row for (perf's
				        * FORK or exec COMM, the target, an adoption) */
	struct hp_hmap execd;          /* perf: pids between an exec's COMM record and their
				        * first MMAP one (session_records.c: privileged execs) */
	struct hp_hmap unpreloaded;    /* with o->preload_lib: pids whose image has not mapped
				        * it yet (session_records.c) */
	uint64_t round;                /* poll rounds so far */
	struct {                       /* --debug=run:1: why the loop's poll returned */
		uint64_t ring, offcpu_ring, hup, exited, mem, gate, idle;
	} woke;
	uint64_t round_max_ns;         /* --debug=run:1: the longest round's work (poll excluded) */
	struct rusage ru0;             /* --debug=run:1: the loop thread's before the events */

	struct hp_sample sample;       /* reused: too big for the stack */
	uint64_t pcs[HP_MAX_FRAMES];
	struct hp_session_result *res;
	int err;                       /* first store error: stops the run */
};

/* perf reported the fork of pid after its preload stream did: it was not
 * lost after all (session_adopt_process). */
void session_unadopt(struct hp_session *s, uint32_t pid);
/* pid has its processes row now (perf reported it, or it was adopted). */
void session_note_row(struct hp_session *s, uint32_t pid);
enum { ADOPTED_ROW = 1, ADOPTED_MAPS = 2 };

enum { ID_SAMPLER = 1, ID_COUNTER = 2, ID_FAULT = 3, ID_OFFCPU = 4 };

/* What the session may see of the kernel, decided before the events
 * open: kernel samples (res->kernel_samples) unless no_perf; kernel
 * callchains when kallsyms shows addresses (else res->kernel_frames_why). */
void session_kernel_access(struct hp_session *s);
/* The kernel refused kernel-mode sampling: user mode only, and why. */
void session_no_kernel_samples(struct hp_session *s);

/* session_rings.c: the per-CPU arrays, one slot for each CPU the machine
 * may have (at most MAX_CPUS, with a warning beyond). Returns 0 or
 * -ENOMEM; freed by session_free_slots (idempotent). */
int session_alloc_slots(struct hp_session *s);
void session_free_slots(struct hp_session *s);
/* The CPUs the rings are for (_SC_NPROCESSORS_CONF, read once). */
int session_conf_cpus(void);
/* The CPUs events open on: those, as many as the per-CPU arrays hold. */
int session_event_cpus(const struct hp_session *s);
/* The rings' size and the stack copy, before any sampler opens (fitted to
 * the session's budget the first time; also what run reports). */
void session_ring_sizes(struct hp_session *s);
/* Bytes of user stack to copy per sample with rings of the current size. */
unsigned session_stack_size_for(const struct hp_session *s);
/* Map fd's ring into r at the session's size; the first ring shrinks when
 * refused, a later one refused is -HP_ERINGMEM. */
int session_map_ring(struct hp_session *s, struct hp_ring *r, int fd);

/* Open one sampler per online CPU on pid (with the counters: its group or
 * the task's, session_open_counters; and the page-fault sampler
 * redirected into its ring) and map the rings. */
int session_open_events(struct hp_session *s, pid_t pid);
void session_close_events(struct hp_session *s);
/* no_perf with off_cpu (a launched program the preload agent samples):
 * only the off-CPU events, per online CPU on pid (enabled at its exec),
 * their rings mapped and packed at [0, nswitch). Returns 0 or the error
 * (in res->offcpu_err too): the run goes on without them. */
int session_open_offcpu_events(struct hp_session *s, pid_t pid);
/* A threads row for tid the first time one of its samples comes (no_perf). */
int session_note_thread(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_rel);
/* Attach: one sampler (and fault and off-CPU samplers) per CPU and thread
 * of tids[0..n), the first thread's holding the ring and the counters, the
 * others' written into its ring; all enabled at the end. Threads created
 * later inherit them. */
int session_open_events_tasks(struct hp_session *s, const uint32_t *tids, size_t n);

/* Turn every context-switch (stack) sampler on or off. */
void session_gate_set(struct hp_session *s, int on);
void session_records_set(struct hp_session *s, int on);

/* --- session.c, for session_attach.c --- */
int session_setup(struct hp_session *s, const struct hp_session_opts *o, struct hp_store *st,
		  struct hp_session_result *res);
void session_teardown(struct hp_session *s);
/* Drain the rings and move RSS readings to the store; returns the first
 * store error. */
int session_pump(struct hp_session *s);
/* The stop signal received (SIGINT, SIGTERM, SIGHUP), 0 when none;
 * session_catch_stop installs the handlers (install = 1) or restores them. */
int session_stop_signal(void);
void session_catch_stop(int install);
/* The end of a session: last drain, totals, off-CPU intervals closed. */
int session_finish_common(struct hp_session *s);
/* --- session_counters.c --- */

/* The counters on pid for CPU ring `ring` (fds in counter_fds[ring], -1
 * for each that did not open, its error in res->counter_err): members of
 * leader's group (the ring's sampler) when read with the samples, else one
 * group on the task (cpu -1) opened with ring 0 only, disabled until the
 * target's exec (an attach enables it: session_task_counter_leader). */
void session_open_counters(struct hp_session *s, pid_t pid, int cpu, unsigned ring,
			   int leader);
/* The task counter group's leader; -1 when the counters are in the
 * samplers' groups or none opened. */
int session_task_counter_leader(const struct hp_session *s);
/* After the samplers opened on pid: a page-faults counter that was to be
 * read from the fault samplers opens as a counter of its own when none of
 * them opened. */
void session_counters_check_faults(struct hp_session *s, pid_t pid);
/* Whole-run totals of the counters and of the fault sampler into s->res
 * (and the fault samplers' lost counts into s->fault_lost). */
void session_read_totals(struct hp_session *s);
/* read() of the event fd (its read_format rf) into buf (words long),
 * parsed into r, whose group entries point into buf; -1 when it cannot be
 * read or parsed. */
int session_read_event(int fd, uint64_t rf, uint64_t *buf, size_t words, struct hp_perf_sample *r);
/* Map fd's perf id to (kind, index) for the records' decoding. */
int session_remember_id(struct hp_session *s, int fd, uint32_t kind, uint32_t index);

/* --- session_lost.c: records the kernel could not write --- */

/* Before the events open: s->lost_format, PERF_FORMAT_LOST when the
 * kernel has it (Linux >= 6.0), else 0 (said at --debug=perf). */
void session_lost_probe(struct hp_session *s);
/* The page-fault samplers' read_format: their count with its times, and
 * their lost records when the kernel counts them. */
uint64_t session_fault_format(const struct hp_session *s);
/* A LOST record drained from ring: n records lost (res->lost too). */
void session_lost_reported(struct hp_session *s, unsigned ring, uint64_t n);
/* After the last drain and session_read_totals, before the events
 * close: res->lost becomes the
 * kernel's count of every event's lost records (never less than those
 * reported), res->lost_counted 1; without PERF_FORMAT_LOST, those
 * reported (an attach: at least the stacks its samplers took and hpprof
 * never received), lost_counted 0. */
void session_count_lost(struct hp_session *s);

/* --- session_wake.c: the launched loop's wake-ups --- */

/* Stop polling the rings pfd[0..nrings) whose events hung up (POLLHUP at
 * every poll after); how many did. */
unsigned session_forget_hung_up(struct pollfd *pfd, unsigned nrings);
/* After poll returned n for pfd[0..nfd) (the rings, then the pidfd) or
 * timed out after timeout ms (due: the RSS readings' ms, -1 none): count
 * why (--debug=run:1) and poll a ring whose events hung up no more. */
void session_loop_woken(struct hp_session *s, struct pollfd *pfd, int nfd, int n, int timeout,
			int due);
/* --debug=run:1: the loop's rounds, wake-ups, fullest ring, longest round
 * and thread CPU, at the end of the run. */
void session_loop_debug(const struct hp_session *s);

/* --- session_start.c: once the launched program was released --- */
/* Its process and main thread rows. */
void session_record_target(struct hp_session *s, pid_t pid, char *const argv[]);
/* Sampling stopped: every sampler of every CPU disabled (--duration, or
 * no store to record into). */
void session_disable_events(struct hp_session *s);
/* No store (on_started failed): the program runs to its end unprofiled. */
void session_run_unprofiled(struct hp_session *s, pid_t pid);

/* --- session_offgate.c (--off-cpu) --- */

/* Before a drain: at most every GATE_SLOT_NS, the stack samplers (and
 * the SWITCH records with them) go on or off. */
void session_gate_step(struct hp_session *s);
/* Once the events are open: the gate also steps during long drains
 * (offcpu_set_step). */
void session_gate_init(struct hp_session *s);
/* After a drain: the records go off once the last "on" period's waits
 * have ended or are cut; the cut waits due are read. */
void session_records_step(struct hp_session *s);
/* The end of the run: close the intervals still open, totals into s->res. */
void session_offcpu_end(struct hp_session *s);
/* How long a loop may sleep in poll: GATE_SLOT_NS while the gate decides
 * (stacks sampled at random, or cut waits to read), else idle_ms. */
int session_gate_timeout_ms(const struct hp_session *s, int idle_ms);

/* --- session_records.c --- */

/* The drain's callback (hp_ring_fn): one record, in time order. */
void session_handle_record(void *ctx, unsigned ring, const uint8_t *rec, uint32_t size,
			   uint64_t t);
/* stackjoin's callbacks: store a sample; the function that holds pc. */
int session_emit_sample(void *ctx, const struct hp_sample *smp);
uint64_t session_func_start(void *ctx, uint32_t pid, uint64_t pc);
/* offcpu's: an off-CPU row whose stack was cut, held the same way. */
int session_hold_offcpu(void *ctx, const struct hp_sample *smp, uint64_t func, uint64_t sp);
/* Drop the maps of the processes that exited before the last on_poll. */
void session_release_exited(struct hp_session *s);
/* The run ended: process images still without the preload library are
 * counted (res->unpreloaded). */
void session_preload_finish(struct hp_session *s);
/* /proc/PID/<what> as one line ("exe": the link's target), "" when gone. */
void session_read_proc(uint32_t pid, const char *what, char *buf, size_t len);

/* The CPU slots of offcpu_fds[] and swrec_fds[]: one per CPU ring, or
 * without CPU rings (offcpu_only) the CPUs session_open_offcpu_events
 * opened. */
static inline unsigned session_offcpu_slots(const struct hp_session *s)
{
	return s->offcpu_only ? s->noff : s->nrings;
}

/* t (CLOCK_MONOTONIC ns) relative to the session's start. */
static inline uint64_t session_rel_time(const struct hp_session *s, uint64_t t)
{
	return t > s->t0 ? t - s->t0 : 0;
}

#endif

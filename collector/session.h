/*
 * session.h - one profiling run: launch, sample, unwind, store.
 *
 * session_run() forks the target gated on a pipe, opens one sampling event
 * per online CPU on its pid (inherit, enable_on_exec), lets it exec, and
 * drains the rings until the target exits: records are ordered by time
 * across rings, samples are unwound online and written to the store with
 * their stack interned; MMAP2/COMM/FORK/EXIT keep per-pid maps and the
 * process and thread tables; RSS is read from /proc/PID/statm every
 * mem_interval. Symbolization is not done here (analyzer).
 *
 * Without perf events (opts.no_perf: perf_event_open refused, or the
 * preload agent chosen) the session opens nothing: it launches the
 * target, keeps the RSS timeline, calls on_poll every 10 ms and waits for
 * the target; the facts perf records would give come from the caller
 * (the preload agent's stream) through session_add_process(),
 * session_end_process() and session_add_sample(), and maps come from
 * /proc/PID/maps.
 */
#ifndef HP_SESSION_H
#define HP_SESSION_H

#include <linux/perf_event.h>
#include <stdint.h>

#include "common/record.h"

struct hp_store;
struct hp_session;
struct hp_launch;

enum hp_call_graph { HP_CG_DWARF, HP_CG_FP };

/* User stack bytes copied per sample by default: the kernel's maximum
 * (sample_stack_user is a u16 and must be a multiple of 8). The kernel
 * copies only the live part, from SP to the end of the mapped stack, so a
 * shallow stack costs what it did with a smaller size (docs/performance.md,
 * "The stack copy"). */
#define HP_STACK_SIZE_DEFAULT 65528u

/* A counter read with every sample (member of the sampler's group). */
struct hp_session_counter {
	const char *name;
	struct perf_event_attr attr;   /* type/config filled; the session sets the rest */
};

struct hp_session_opts {
	unsigned freq;                 /* samples per second per thread (cpu-clock) */
	enum hp_call_graph call_graph;
	unsigned stack_size;           /* bytes of user stack copied per sample; 0: the
				* default (HP_STACK_SIZE_DEFAULT, less when the
				* rings are small: the result's stack_size) */
	unsigned mem_interval_ms;      /* RSS polling interval; 0 disables */
	unsigned fault_period;         /* page-fault sampling period; 0 disables */
	int fault_event;               /* events.id given to page-fault samples */
	int off_cpu;                   /* record off-CPU intervals (collector/offcpu.h) */
	const uint32_t *attach_pids;   /* profile these running processes instead of argv */
	unsigned nattach;
	uint64_t duration_ns;          /* stop sampling after this long; 0 = at the end */
	int kill_at_end;               /* launched target: end it when duration_ns passes */
	int offcpu_event;              /* events.id given to off-CPU samples */
	int raw;                       /* also store every perf record undecoded (--raw) */
	int counters_per_sample;       /* read the counters with every sample even when all
				        * are software counters (session_counters_per_sample) */
	const struct perf_event_attr *sampler; /* NULL: cpu-clock at freq */
	const char *sampler_name;
	uint64_t sampler_period;       /* for a user-chosen sampler; 0 = use freq */
	const struct hp_session_counter *counters;
	unsigned ncounters;
	char **env;                    /* extra environment for the target, may be NULL */
	/* --alloc: the preload library every process image should map; one
	 * that never does (its environment lost LD_PRELOAD, a static program,
	 * a chroot without it) is counted in res->unpreloaded. NULL: none. */
	const char *preload_lib;
	const char *argv0;             /* the argv[0] the target sees (the name the user
					* wrote; argv[0] of session_run is the resolved
					* path, exec'd); NULL: that path */
	/* A target already forked and waiting (launch_prepare, made early by
	 * the caller with env above: docs/performance.md, "Fixed cost"), or
	 * NULL: session_run forks it. session_run takes it over (its pid set
	 * to -1 here): released, or killed when the events cannot be opened. */
	struct hp_launch *launch;
	int no_perf;                   /* open no perf event: samples come through session_add_sample */
	/* Called every loop iteration and once after the target exited (final = 1),
	 * e.g. to drain the allocation stream. A negative return stops the run. */
	int (*on_poll)(void *ctx, struct hp_session *s, int final);
	void *poll_ctx;
	/* With preload_lib: called with poll_ctx at each exec perf reports
	 * (t_ns: CLOCK_MONOTONIC), whether or not the new image maps it. */
	int (*on_exec)(void *ctx, uint32_t pid, uint64_t t_ns);
	/* Called once per module (executable or library) the first time one of
	 * its addresses is stored, e.g. to start reading its symbols early. */
	void (*on_module)(void *ctx, const char *path);
	void *module_ctx;
	/* Attach: Python frames read from the targets' memory (pyremote.h);
	 * NULL: native frames only. */
	struct hp_pyremote *pyremote;
	/* Called once the launched program was let to exec (launch_release),
	 * before the session writes anything: it gives the store to write to
	 * (session_run's st is NULL then), so that the store's SQLite work
	 * overlaps the program instead of delaying its start (the rings hold
	 * what is sampled meanwhile: docs/performance.md, "Wave 12"). A
	 * negative return (no store): nothing is recorded, the program runs
	 * to its end, and session_run returns that error with res->ran set. */
	int (*on_started)(void *ctx, struct hp_store **st);
	void *started_ctx;
};

struct hp_session_result {
	int ran;                       /* 1 once the program exec'd */
	int exit_code;                 /* exit status or 128+signal */
	int term_signal;               /* 0 unless killed by a signal */
	int interrupted;               /* stopped by Ctrl-C / SIGTERM */
	uint64_t samples;              /* main-sampler samples stored */
	unsigned stack_size;           /* bytes of user stack copied per sample */
	uint64_t lost;                 /* records the kernel dropped (session_lost.c) */
	int lost_counted;              /* 1: lost is the kernel's count of every event's lost
				        * records (PERF_FORMAT_LOST, Linux >= 6.0); 0: only
				        * those it reported (a ring full until the end never
				        * reports its last losses); -1: no perf ring opened */
	uint64_t duration_ns;
	uint64_t unwind_ns;            /* time spent unwinding */
	int64_t peak_rss;              /* the target's ru_maxrss, bytes: the largest peak of it
				        * and the descendants it waited for */
	double user_s, sys_s;
	/* Per counter (opts->counters order): 0 or -errno when it failed to
	 * open, and its whole-run count with the multiplexing times. */
	int counter_err[HP_MAX_COUNTERS];
	int64_t counter_total[HP_MAX_COUNTERS];
	uint64_t counter_enabled[HP_MAX_COUNTERS], counter_running[HP_MAX_COUNTERS];
	uint64_t fault_samples;        /* page-fault samples stored (event id fault_event) */
	int64_t fault_total;           /* page faults counted by the fault sampler, -1 if off */
	/* 1 when the counters were read with every sample (per-function and
	 * per-line values); 0 when only their whole-run totals were (every
	 * counter a software one: session_counters_per_sample) */
	int counters_sampled;
	int kernel_samples;            /* 1 when kernel-mode time was sampled too */
	char kernel_why[192];          /* without kernel samples: why, and what allows them */
	/* kernel samples without their functions (one "[kernel]" frame):
	 * why, and what allows them; "" when kernel frames were recorded */
	char kernel_frames_why[256];
	/* off-CPU recording (collector/offcpu.h): intervals timed and their
	 * exact summed ns, those no stack stands for, those written with their
	 * stack (weighted by their switch period) and the written samples'
	 * summed weighted ns; offcpu_err: 0, or -errno when it could not open */
	uint64_t offcpu_intervals, offcpu_ns, offcpu_no_stack;
	uint64_t offcpu_sampled, offcpu_weighted_ns;
	/* intervals counted only (switched out while the stack samplers were
	 * gated off), and the gate's slots, of them off */
	uint64_t offcpu_unsampled, offcpu_slots, offcpu_slots_off;
	/* the SWITCH records gated too: times they went off (> 0: the counts
	 * above are of the intervals seen while they were on), written
	 * intervals still open then, and of those ended from switch-in counts,
	 * their ends' half-brackets summed (each end is off by at most its own) */
	uint64_t offcpu_records_off, offcpu_cut, offcpu_estimated, offcpu_estimated_err_ns;
	int offcpu_err;
	int detached;                  /* sampling stopped (duration, attach) with the target
				        * still running: exit_code is -1 */
	uint32_t attach_bad_pid;       /* the pid an attach failed on (with -ESRCH, -EPERM) */
	uint64_t bad_records;          /* malformed ring records skipped (warned about) */
	int perf_errno;                /* why no sampling event opened (with -HP_ENOPERF) */
	uint32_t adopted;              /* processes perf did not report (its fork record
				        * lost), taken from their preload stream */
	/* processes whose exec raised their privileges (set-user-ID,
	 * set-group-ID, file capabilities): the kernel removed every perf
	 * event from them there, so they are not sampled after it; the
	 * first one's pid */
	uint32_t privileged_execs, privileged_pid;
	/* process images that never mapped opts->preload_lib (--alloc: their
	 * allocations were not tracked), and the first one's pid */
	uint32_t unpreloaded, unpreloaded_pid;
};

/* Run argv under the profiler, writing to st (or to the store on_started
 * gives). Returns 0 when the target ran (whatever its
 * exit status: see res->exit_code) or a negative error: -ENOENT/-EACCES
 * when it cannot be executed, -HP_ENOPERF when no sampling event could be
 * opened (res->perf_errno says why). With opts->nattach: session_attach.
 * With opts->duration_ns, sampling stops then: the target is ended
 * (kill_at_end: SIGTERM, SIGKILL after 2 s) or left running (detached). */
int session_run(const struct hp_session_opts *o, char *const argv[], struct hp_store *st,
		struct hp_session_result *res);

/* What session_run does with opts->nattach: profile the running processes
 * attach_pids (every thread, and the threads and processes they start),
 * from their /proc maps and the perf records, until duration_ns passes,
 * Ctrl-C, or every one of them is gone; then detach (close the events),
 * leaving them running. Returns 0, -ESRCH when a pid does not exist,
 * -EPERM / -EACCES when it may not be traced (res->attach_bad_pid says
 * which), or -HP_ENOPERF. */
int session_attach(const struct hp_session_opts *o, struct hp_store *st,
		   struct hp_session_result *res);

/* Are o's counters read with every sample (PERF_SAMPLE_READ of the
 * group)? Only when one of them is not a software counter: reading the
 * group with each sample of an inherited event stops the kernel's cheap
 * context swap between threads of one process, which tripled the system
 * time of a program switching 100k times a second (docs/offcpu.md). The
 * software counters' per-line values are not worth it: task-clock is the
 * samples, page faults per line come from the page-fault sampler, context
 * switches from --off-cpu. Without per-sample reads the counters give
 * whole-run totals only. */
int session_counters_per_sample(const struct hp_session_opts *o);
/* (o->counters_per_sample forces it.) */

/* CLOCK_MONOTONIC nanoseconds of the session's t = 0: times of other
 * streams (allocation events) are made relative to it. */
uint64_t session_t0(const struct hp_session *s);

/* Convert absolute PCs of pid to store locations, using the session's
 * maps. pcs[i > 0] are return addresses; pcs[0] is one too when
 * first_is_return (an allocation's stack: pcs[0] returns into the caller
 * of malloc), else the exact instruction (a sample's). A return address
 * is looked up and stored as address - 1, inside the call instruction, so
 * that its line is the call's. Returns frames written. */
uint32_t session_locate(struct hp_session *s, uint32_t pid, const uint64_t *pcs, uint32_t n,
			int first_is_return, struct hp_location *out);

/* Kernel addresses (innermost first: the sampled instruction, then
 * return addresses) as "[kernel.kallsyms]" locations, as perf samples'
 * kernel frames are stored. Returns frames written (0: store error). */
uint32_t session_locate_kernel(struct hp_session *s, const uint64_t *ips, uint32_t n,
			       struct hp_location *out);

/* The store the session writes to. */
struct hp_store *session_store(struct hp_session *s);

/* --- no_perf mode: the caller reports what perf records would --- */

/* A process image started (gen counts the execs of pid; ppid is its
 * parent then): read its maps from /proc/PID/maps now, while it lives (a
 * child forked without exec that is already gone gets its parent's), and
 * add it to the process table and the RSS timeline. t_ns is
 * CLOCK_MONOTONIC. Returns 0 or a store error. */
int session_add_process(struct hp_session *s, uint32_t pid, uint32_t ppid, uint32_t gen,
			const char *exe, uint64_t t_ns);

/* A sample whose frames are already store locations (innermost first):
 * the preload agent's samples merged with Python frames (pyfeed.h). */
int session_add_located(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
			const struct hp_location *frames, uint32_t n, int end);

/* A page-fault sample whose frames are store locations: stored with the
 * fault sampler's event (opts fault_event), counted in fault_samples; it
 * stands for period faults (fault_total, no_perf mode). */
int session_add_fault_located(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
			      const struct hp_location *frames, uint32_t n, unsigned period);

/* A process image is over and all its samples were added: exec'd (a
 * later image of pid follows) or gone, when its end time is recorded and
 * its maps dropped. */
void session_end_process(struct hp_session *s, uint32_t pid, uint64_t t_ns, int execed);

/* --- perf mode with the preload stream (--alloc) --- */

/* A process image announced by its preload stream. Perf reports every
 * fork, unless its ring overflowed (a fork storm starves the collector of
 * CPU): a pid perf did not report is adopted - maps and row as
 * session_add_process makes them, counted in res->adopted - so that its
 * allocations still find their code. "Reported" means perf's FORK or exec
 * COMM record gave it its row, never that it has maps: a sample of a
 * process whose fork was lost loads its maps from /proc. A pid perf
 * reported keeps its row; only its maps are restored if its exit dropped
 * them already. Returns 0 or a store error. */
int session_adopt_process(struct hp_session *s, uint32_t pid, uint32_t ppid, uint32_t gen,
			  const char *exe, uint64_t t_ns);
/* The stream of pid ended: an adopted process ends as in
 * session_end_process; another gets this end only when perf's exit record
 * did not give it one. */
void session_adopted_end(struct hp_session *s, uint32_t pid, uint64_t t_ns, int execed);

/* Store one CPU sample of thread tid of pid taken at t_ns
 * (CLOCK_MONOTONIC) as a main-sampler sample: pcs[0] is the interrupted
 * instruction, pcs[1..n) return addresses; end says how the unwinding
 * ended (enum hp_stack_end, HP_STACK_END_UNKNOWN when not known). A thread
 * seen for the first time gets its row. Counts in the result's samples.
 * Returns 0 or a store error (which also stops the run, as in perf mode). */
int session_add_sample(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
		       const uint64_t *pcs, uint32_t n, int end);

#endif

/*
 * run.h - the parts of `hpprof run` (private to cmd_run*.c and run_*.c):
 * its options, the choice of sampler and the preload library's stream
 * (run_sampler.c; the stream itself is collector/streamfeed.c) and the
 * symbol warm-up thread that reads DWARF while the target runs
 * (run_symbols.c).
 */
#ifndef HP_CMD_RUN_H
#define HP_CMD_RUN_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/utsname.h>

#include "collector/cachesim.h"
#include "collector/events.h"
#include "collector/session.h"
#include "common/runfacts.h"

struct hp_store;
struct hp_streamfeed;
struct hp_symbolizer;

enum run_sampler {
	SAMPLER_AUTO,                 /* perf events, else the preload agent */
	SAMPLER_PERF,                 /* --sampler perf: perf events or nothing */
	SAMPLER_PRELOAD,              /* --sampler preload: the agent */
};

/* The MPI rank this run is (run_mpi.c), from the launcher's environment. */
struct run_mpi {
	int64_t rank, size;           /* -1 when unknown (not a rank) */
	const char *rank_from;        /* the variable the rank came from; NULL: not a rank */
	char job[128];                /* the job's id, "" when unknown */
};
#define RUN_MAX_ATTACH 64

struct run_opts;
struct option;

/* A live view of the run (hpprof top, cmd_top.c): its own options beside
 * run's, and what it does around each session. */
struct run_live {
	const char *name;             /* the command, for messages */
	const struct option *opts;    /* its long options (codes >= RUN_OPT_LIVE, or a
				       * letter of shortopts), NULL-ended */
	const char *shortopts;        /* its short options, getopt's way ("i:b") */
	/* One of its options (c), or 'h' for --help: 0, 1 (done: exit 0) or -1 (printed) */
	int (*option)(void *ctx, int c, const char *arg);
	/* Once the options are read and the target is known, before anything
	 * is created: 0, or the exit status after printing why not. */
	int (*check)(void *ctx, const struct run_opts *o);
	/* Before a session writes st: 0, or -1 (printed) to not run it. */
	int (*start)(void *ctx, struct run_opts *o, char **targv, struct hp_store *st);
	/* After it (res: how it ended). */
	void (*stop)(void *ctx, const struct hp_session_result *res);
	void *ctx;
};

struct hp_pyremote;

struct run_opts {
	const struct run_live *live;  /* hpprof top; NULL for run */
	const char *output;           /* -o, after expansion (run_output_expand) */
	struct run_mpi mpi;
	const char *kernel;
	const char *events;           /* -e list (every -e, joined), NULL = default set */
	char *events_joined;          /* owned: the joined lists when -e came more than once */
	const char *sample_event;     /* --sample-event, NULL = cpu-clock */
	int64_t period;               /* -c for the sample event */
	struct hp_session_opts s;
	int alloc;                    /* --alloc */
	int raw_names;                /* --no-demangle */
	int no_cache;                 /* --no-cache */
	int off_cpu;                  /* --off-cpu 1, --no-off-cpu 0, -1 = the default */
	uint32_t attach[RUN_MAX_ATTACH]; /* -p: the running processes to profile */
	unsigned nattach;
	char attach_exe[4096];        /* the first one's executable (the facts' target) */
	int64_t alloc_sample;         /* --alloc-sample BYTES, 0 = every call */
	enum run_sampler sampler;     /* --sampler */
	int agent;                    /* the preload agent samples (s.no_perf) */
	const char *agent_tag;        /* why, short: "--sampler preload", "perf_event_open refused",
				       * RUN_AGENT_PYTHON */
	char agent_why[256];          /* why, with the reason: run_info's `sampling` */
	unsigned agent_fault_period;  /* the agent samples a Python target's page faults (0: no) */
	const char *sampling_opt;     /* the first option given that only sampling uses */
	/* --cache-sim (run_cachesim.c) */
	int cache_sim;                /* simulate under cachegrind instead of sampling */
	int sim_fallback;             /* --cache-sim-fallback: sample when it cannot simulate */
	const char *valgrind;         /* --valgrind PATH */
	const char *sim_out;          /* --cache-sim-out DIR */
	struct hp_cache_geom sim_I1, sim_D1, sim_LL;
	int python;                   /* --python: 1 auto (default), 0 off */
	struct hp_pyremote *pyremote; /* attach: the targets' Python (run_attach_python) */
};

/* Option codes of the --cache-sim options (above every short option). */
enum {
	RUN_OPT_CACHE_SIM = 1000, RUN_OPT_SIM_FALLBACK, RUN_OPT_SIM_OUT, RUN_OPT_VALGRIND,
	RUN_OPT_SIM_I1, RUN_OPT_SIM_D1, RUN_OPT_SIM_LL,
	RUN_OPT_LIVE = 2000,          /* the first of a live view's own options */
};

/* `hpprof run` with argv, and a live view when live is not NULL. */
int run_main(int argc, char **argv, const struct run_live *live);

/* The facts and the text they point to, alive until the last write. */
struct run_record {
	struct hp_run_facts f;
	char command[8192], cwd[PATH_MAX], start_time[64];
	char sampling[sizeof(((struct run_opts *)0)->agent_why) + 64];
	char kernel_samples[256], kernel_frames[320], boot_id[64], off_cpu[768], jit_maps[128];
	char privileged_exec[PATH_MAX + 192], alloc_untracked[PATH_MAX + 192];
	struct utsname uts;
};

/* --- run_output.c --- */

/* Keep an existing profile at path as path.old (*rotated = 1); refuse
 * anything else that exists. Returns -1 after printing why. With defer,
 * an existing path.old is moved aside (path.old.hpprof-del), not removed
 * (removing it costs up to ms of the run's start): the store opened once
 * the program runs removes it (run_create_store's open_store_late), or
 * run_undo_rotation puts it back; only for a run that opens its store so. */
int run_prepare_output(const char *path, int *rotated, int defer);
/* The run never started: path.old goes back to path (and the older
 * profile moved aside to path.old). */
void run_undo_rotation(const char *path);

/* What the session's on_started needs to open the store once the program
 * runs (run_create_store). */
struct run_late_store {
	const char *output;
	struct run_record *rec;        /* the facts of its first commit (run_command_facts) */
	char **targv;
	const struct run_opts *o;
	struct hp_store **st;
	int lock_fd;                   /* the file's writer lock (store_create_file) */
	struct run_clock *clock;
	/* the events, for the views made in the first commit (run_early_views) */
	struct run_events *re;
	const struct hp_session_result *res;
	int err;                       /* it failed after the program started: said */
};
/* The database before the program starts: all of it, with the first
 * commit of the facts known before the run (late->rec), when attaching
 * or for a live view (which reads the store as it starts); else only the
 * file (store_create_file: a full disk fails here, before the program
 * runs), the facts, SQLite's open and the first commit being left to
 * o->s.on_started. Returns 0, or -errno after saying why (nothing left
 * behind, the rotation undone). */
int run_create_store(struct run_opts *o, char **targv, struct run_late_store *late,
		     int rotated, struct hp_store **st);

/* --- cmd_run.c --- */

/* --debug=run:1: the CPU and wall time of each phase of a run, on stderr
 * (cmd_run.c). */
struct run_clock {
	double cpu_ms, wall_ms;
};
void run_phase(struct run_clock *c, const char *what);

/* The facts known before the run: command, target, where, when, settings. */
void run_command_facts(struct run_record *r, char **targv, const struct run_opts *o);

/* --- run_cachesim.c --- */

/* run_cachesim's answer when it could not simulate and --cache-sim-fallback
 * asks for sampling instead. */
#define RUN_SAMPLE_INSTEAD (-1)

/* One --cache-sim option (code c, its argument v) into o; -1 after
 * printing why it is wrong. */
int run_cachesim_option(struct run_opts *o, int c, const char *v);
/* The whole simulated run: valgrind, the output file, its facts, the
 * attach of the costs and the public views. Returns the exit status
 * (the program's, or 1/2 after printing why), or RUN_SAMPLE_INSTEAD. */
int run_cachesim(struct run_opts *o, char **targv);

/* The symbol warm-up: the session reports each module as it first
 * appears and a thread opens it and its debug info (reading and
 * decompressing libc's DWARF alone takes ~40 ms here); the store reports
 * each location as it is first stored and the thread resolves it; so the
 * symbolization at the end finds them ready. The symbolizer is used by
 * that thread only, until warmup_stop() joins it. (Not to be confused with
 * the preload library, the LD_PRELOAD side of --alloc and the agent.) */
#define WARMUP_QUEUE 512

struct warmup_item {
	char *module;                 /* a module to read (owned), or NULL: */
	const char *path;             /* an address of this module (the store's string) */
	uint64_t addr;                /*   to resolve (symbolizer_prefetch) */
};

struct symbol_warmup {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct warmup_item items[WARMUP_QUEUE];
	unsigned head, tail;
	int done, started;
	pthread_t thread;
	struct hp_symbolizer *sym;
};

/* --- run_sampler.c --- */

/* The agent_tag of a Python program sampled by the agent for its Python
 * frames (run_choose_sampler), and whether o's run is one. */
#define RUN_AGENT_PYTHON "Python frames"
int run_agent_python(const struct run_opts *o);

/* Decide the sampler before anything runs (perf events, or the preload
 * agent when perf cannot sample here or --sampler preload). Returns -1
 * when the choice cannot work (the error is printed). */
int run_choose_sampler(struct run_opts *o, const char *target);
/* Whether target is a Python interpreter or a script run by one (#!). */
int run_is_python(const char *target);

/* --- run_symbols.c: JIT maps --- */
struct hp_store;
struct hp_run_facts;
/* Name JIT addresses from /tmp/perf-PID.map (kept in the database); the
 * run_info fact `jit_maps` points into buf. Returns 0 or a store error. */
int run_jit_symbols(struct hp_store *st, struct hp_run_facts *f, char *buf, size_t len);
/* Why the preload agent cannot sample target, or NULL. */
const char *run_agent_unusable(const char *target);
/* The perf session could not open its events (the target never ran):
 * switch to the agent (a new *feed). Returns 0 when the run can be tried
 * again. */
int run_retry_with_agent(struct run_opts *o, struct hp_streamfeed **feed, const char *target,
			 int perf_errno);
/* Set up the preload library's stream (*feed) when --alloc or the agent
 * needs it; *feed stays NULL when neither does. Returns -1 when it cannot
 * (the error is printed). */
int run_feed_setup(struct run_opts *o, struct hp_streamfeed **feed, const char *target);

/* --- run_mpi.c --- */

/* Which MPI rank this is, from OMPI_COMM_WORLD_RANK, PMI_RANK, PMIX_RANK or
 * SLURM_PROCID (the first set), with the job's size and id. */
void run_mpi_detect(struct run_mpi *m);
/* The rank's facts (mpi_rank, mpi_size, mpi_job, mpi_rank_from) into f;
 * nothing when m is not a rank. m must outlive f. */
struct hp_run_facts;
void run_mpi_facts(const struct run_mpi *m, struct hp_run_facts *f);
/* Expand the -o pattern into out[len]: %r the rank, %h the host name, %p
 * hpprof's pid, %% a '%'. Returns 0, or -1 with the error printed (an
 * unknown %x, %r outside an MPI job, a path too long). Warns when a rank
 * of a larger job names a file without %r or %p. */
int run_output_expand(const char *pattern, const struct run_mpi *m, char *out, size_t len);

/* --- run_events.c --- */

/* The counters and sampler of a run: parsed (-e, --sample-event, or the
 * default set), probed, the unavailable ones noticed once per reason. */
struct run_events {
	struct hp_event_set set;
	struct hp_event_set sampler;
	struct hp_session_counter counters[HP_MAX_COUNTERS];
	int counter_event[HP_MAX_COUNTERS];   /* index into set.ev */
	unsigned ncounters;
	int held[HP_MAX_COUNTERS + 2];        /* run_events.c: one event per software type */
	uint64_t held_config[HP_MAX_COUNTERS + 2];
	unsigned nheld;
	struct hp_symbolizer *release_sym;    /* run_release_start: freed by its thread */
	pthread_t releaser;
	int releasing;
};

/* Parse and probe the events into re and point o->s at them; -1 after
 * saying why (a bad -e or --sample-event). */
int run_setup_events(struct run_opts *o, struct run_events *re);
/* Close what run_setup_events opened and free the sets (after joining
 * run_release_start's thread). */
void run_events_release(struct run_events *re);
/* Close the held events and free the symbolizer (warm's) on a thread
 * while the caller closes the store, whose syncs wait on the disk; the
 * symbolizer is not used any more. run_events_release joins it. */
void run_release_start(struct run_events *re, struct symbol_warmup *warm);
/* The events table: 0 = the sampler, 1..N every requested counter
 * (measured or why not), then the fault and off-CPU samplers. */
void run_write_events(struct hp_store *st, const struct run_opts *o, struct run_events *re,
		      const struct hp_session_result *res);
/* The public views over those events as the session opened them (which
 * are measured and how is known then; the totals are not): made in the
 * first commit, beside the program, they are kept by the end's
 * store_create_views when the columns did not change. */
int run_early_views(struct hp_store *st, const struct run_opts *o, struct run_events *re,
		    const struct hp_session_result *res);

/* --- run_offcpu.c (--off-cpu) --- */

struct hp_run_facts;

/* Whether the session records off-CPU time (o->s.off_cpu): --off-cpu,
 * else by default where kernel-mode sampling is allowed, with perf or
 * under the preload agent of a Python program; never by default for a
 * live view. Returns 0. */
int run_offcpu_choose(struct run_opts *o);
/* The events row of the off-CPU intervals (measured, or why not), to cb;
 * returns cb's. */
struct hp_event_info;
int run_offcpu_event(const struct run_opts *o, const struct hp_session_result *res,
		     int (*cb)(void *, const struct hp_event_info *), void *ctx);
/* run_info's off_cpu (text in buf, or a constant; NULL when not asked
 * for) and the interval counts into f; says once why not or what lacks. */
const char *run_offcpu_facts(struct hp_run_facts *f, const struct run_opts *o,
			     const struct hp_session_result *r, char *buf, size_t len);

/* --- run_survivors.c --- */

/* Warn when processes of the program still run after it exited: they were
 * sampled until it exited, not after. */
void run_warn_survivors(struct hp_store *st);
/* Processes the profile lacks a part of: those whose exec raised their
 * privileges (r->privileged_execs: the kernel removed their perf events
 * there) and, with --alloc, process images the preload library never
 * reached (r->unpreloaded). Sets the run's facts privileged_execs,
 * privileged_exec, alloc_untracked and alloc_untracked_first (the first
 * of each, named from its processes row and its file's mode);
 * run_warn_unseen says them. */
void run_unseen_facts(struct hp_store *st, const struct hp_session_result *r,
			  struct run_record *rec);
void run_warn_unseen(const struct run_record *rec);

/* --- run_attach.c (-p) --- */

/* Parse "PID[,PID...]" into o->attach and o->s. Returns -1 (printed) on
 * bad input. */
int run_parse_pids(const char *list, struct run_opts *o);
/* Options that cannot go with -p; -1 (printed) when one is given. */
int run_attach_check(struct run_opts *o, int noperands);
/* What stands for argv in the facts: the first process's executable.
 * Caller frees the array (not the string, in o). */
char **run_attach_argv(struct run_opts *o);
/* Attach with --python auto: what the targets' Python is (o->pyremote:
 * run_info's Python facts, an unreadable Python's note) and the reader of
 * their Python frames (o->s.pyremote), also when none runs Python yet: a
 * target or its child may exec into it. Returns 0 or -ENOMEM. */
int run_attach_python(struct run_opts *o);
/* A launched program sampled with perf events (no agent, no --alloc) with
 * --python auto: the same reader, for its processes that exec into
 * CPython 3.11 (o->s.pyremote). Returns 0 or -ENOMEM. */
int run_launch_python(struct run_opts *o);
/* The one message of a failed attach, with perf_event_open's or the
 * rings' reason (perf_errno, res->perf_errno) when err is -HP_ENOPERF;
 * returns the exit status (1). */
int run_attach_error(int err, int perf_errno, uint32_t pid);

/* --- run_symbols.c --- */

/* One session, with the symbols read alongside by the warm-up thread. */
int run_session(struct run_opts *o, char **targv, struct hp_store *st,
		struct symbol_warmup *warm, struct hp_session_result *res);
/* Stop the thread (when still running) and free the symbolizer. */
void run_symbols_release(struct symbol_warmup *warm);
/* Stop the thread and hand its symbolizer over to *sym (to be freed). */
void run_symbols_release_keep(struct symbol_warmup *warm, struct hp_symbolizer **sym);

#endif

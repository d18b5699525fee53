/*
 * profile.h - the profile model: one run's samples aggregated in memory,
 * over the stack model (stacks.h).
 *
 * profile_load() reads the stack model of a symbolized store, then its
 * samples (optionally only a time range, a thread or a process), sums them
 * per distinct stack with their weights, and aggregates the stacks into
 * functions (self/total), lines (self), threads and processes. The same
 * aggregation is what `run` persists with profile_write_stats(), so the
 * public SQL views and every command agree. Self and total are defined
 * once, in stacks.h; percentages are of all main-sampler samples in the
 * selection (profile_pct).
 *
 * A run simulated instead of sampled (run --cache-sim) has no samples: its
 * "simulated" events are per-line counts (the store's sim_costs) that
 * profile_load adds to lines and functions as self values, after the
 * stacks; they weigh no stack and carry no total.
 *
 * Weights: every stack carries its main-sampler samples and one value per
 * column of events[]: a counter read with the samples (summed deltas), or
 * a second sampler such as page faults (samples x period). Every
 * aggregate - function, line, stack, call-tree node - carries the same
 * columns, so a view or an export weighs by any of them
 * (profile_weight_column, profile_stack_weight); a new per-sample weight
 * (bytes allocated, time off the CPU) is one more column.
 *
 * Runs and ranks: a merged file holds several runs (one per input; for an
 * MPI job, one per rank) and a recorded one a single run. runs[] lists
 * them with their samples and MPI samples (stacks_class: a sample is MPI
 * time when its stack holds an MPI frame). With more than one run, every
 * stack and function also carries its samples per run (rsamples, rself,
 * rtotal: [nruns]), summed by the same aggregation, so the rank dimension
 * (ranks.h: min/mean/max across ranks) needs no second pass; memory grows
 * as stacks x runs. filter.run keeps one run's samples only.
 *
 * Allocation weights: with filter->alloc_weights, the allocation tracking
 * of the run (alloc_stacks) adds five columns of role "alloc" (names in
 * HP_ALLOC_WEIGHTS: allocs, alloc-bytes, leaked-bytes, peak-bytes,
 * temporary), summed per allocating stack like any other column, so the
 * functions, lines, call trees and flame graphs of allocations are the
 * same aggregation over the same stacks. They are of the whole run (a time
 * range does not apply; a process filter does).
 *
 * Off-CPU and wall time (run --off-cpu): the event "off-cpu" (role
 * "offcpu") is a column whose samples weigh the nanoseconds their thread
 * spent off the CPU; "wall" (role "wall", derived) adds the on-CPU time of
 * the main samples (samples x cpu_sample_ns) to it. Their self is charged
 * to the innermost *program* frame (user_leaf), like kernel time to its
 * line: a thread waits in a program's call, not in schedule(). wait_ns
 * splits the off-CPU time by wait class (analyzer/offcpu_class.h).
 *
 * The model owns all its strings (in the stack model's arena) and frees
 * them at once in profile_free.
 */
#ifndef HP_PROFILE_H
#define HP_PROFILE_H

#include <stdint.h>

#include "analyzer/stacks.h"
#include "common/record.h"

struct hp_store;

/* The ids of the derived columns, which have no events row: the wall time
 * (CPU plus off-CPU), and the CPU time of a merge of runs sampled at
 * different rates, whose counter stats schema.sql's wall views read. */
enum { HP_PEVENT_WALL = -16, HP_PEVENT_CPU_TIME = -17 };

/* A column of counter values: a counter event read with samples, or a
 * second sampler such as page faults (value = samples x period). */
struct hp_pevent {
	int id;                       /* events.id */
	const char *name;
	const char *role;             /* "counter", "pagefault", or "simulated" (run
				       * --cache-sim: per-line counts, no stacks) */
	int measured;
	/* 1 when functions, lines and stacks have values of it; 0 for a
	 * counter counted for the whole run only (role "total": not read with
	 * the samples), whose rows must show nothing rather than 0 */
	int rows;
	const char *reason;           /* why not measured, or NULL */
	int64_t total;                /* whole run, -1 when unknown */
	double running_pct;           /* 100 unless multiplexed */
};

struct hp_pfunc {
	uint32_t id;                  /* functions.id */
	const char *name;
	const char *module;           /* path, or NULL */
	const char *file;             /* defining file, or NULL */
	uint64_t self, total;         /* main-sampler samples */
	int64_t *cself, *ctotal;      /* [nevents] counter sums, NULL when nevents = 0 */
	uint64_t *rself, *rtotal;     /* [nruns] per run when nruns > 1, else NULL */
};

struct hp_pline {
	const char *file;             /* NULL when unknown */
	uint32_t file_id;
	uint32_t line;                /* 0 when unknown */
	uint32_t func;                /* index into functions[] */
	uint64_t self;                /* samples with this line innermost of the user frames */
	uint64_t kernel;              /* of self: taken in the kernel this line entered; a
	                               * Python line: in the kernel beneath it, as the
	                               * innermost Python line (not part of its self) */
	int64_t *c;                   /* [nevents], of self */
	uint64_t *rself;              /* [nruns] self per run in a merge of runs at different
				       * rates (cpu_col >= 0: diff's noise), else NULL */
	int64_t kernel_ns;            /* kernel's CPU time (profile_stack_cpu_ns), 0 but in
				       * a merge of runs at different rates */
};

struct hp_pthread {
	uint32_t tid, pid;
	const char *comm;
	uint64_t samples;
	uint64_t first_ns, last_ns;   /* first and last sample */
	uint32_t run;                 /* index into runs[] */
	int64_t off_ns;               /* time off the CPU (run --off-cpu), 0 without */
};

/* A run: the recorded run itself, or one input of a merged file - for an
 * MPI job, one rank (store_each_run). */
struct hp_prun {
	uint32_t id;                  /* runs.id; 0 in a recorded profile */
	const char *path;             /* the merged input, NULL in a recorded profile */
	int64_t rank, size;           /* MPI rank and job size; -1 when not an MPI rank */
	const char *host, *job;       /* NULL when unknown */
	uint32_t pid;                 /* its first process, 0 when unknown */
	int64_t exit_status;          /* -1 when unknown */
	const char *signal;           /* the signal that ended it, or NULL */
	int interrupted;              /* stopped by SIGINT/SIGTERM (an aborted job) */
	uint64_t samples;             /* main-sampler samples in the selection */
	uint64_t mpi_samples;         /* of those, MPI time (HP_STACK_MPI stacks) */
	int64_t duration_ns;          /* as the run recorded it; -1 when unknown */
	int64_t sample_ns;            /* CPU time one of its main samples stands for; 0: none */
};

struct hp_pprocess {
	uint32_t pid, ppid;           /* ppid 0: not known (processes.ppid NULL) */
	const char *comm, *exe;
	uint64_t start_ns, end_ns;
	int exit_code;                /* -1 when unknown */
	int64_t peak_rss;             /* its own peak, bytes; -1 when unknown */
	uint64_t samples;
	int64_t heap_peak;            /* heap in use at its heap peak (--alloc); -1 when not tracked */
};

/* A distinct call stack with its weights. frames[] are the stack model's
 * frames (outermost first, inline frames expanded); func[i] is the index
 * into functions[] of frames[i].func. */
struct hp_pstack {
	uint32_t id;                  /* stack_nodes.id of the innermost node; 0: no stack */
	uint32_t nframes;
	const struct hp_sframe *frames;  /* owned by the stack model */
	uint32_t *func;               /* [nframes] */
	uint64_t samples;             /* main sampler */
	int64_t *c;                   /* [nevents] */
	uint32_t leaf_line;           /* index into lines[] of frames[user_leaf], or UINT32_MAX */
	uint32_t user_leaf;           /* the innermost user frame: kernel frames follow it */
	uint32_t py_line;             /* a kernel sample's innermost Python line (lines[]),
	                               * when it is not leaf_line; else UINT32_MAX */
	uint8_t cls;                  /* enum hp_stack_class */
	uint64_t *rsamples;           /* [nruns] main-sampler samples per run when nruns > 1 */
	int64_t classed_ns;           /* of its off-CPU time: classed by the collector (preempted,
				       * or the system call of a wait found asleep) */
	uint64_t end_outermost;       /* of samples: unwinding reached the outermost frame */
	uint64_t end_cut;             /* of samples: unwinding cut by the stack copy */
	uint64_t end_hole;            /* of samples: stopped where the kernel's copy ended early */
	uint64_t end_joined;          /* of samples: completed from a later sample (stackjoin.h) */
};

struct hp_profile_filter {
	uint64_t t_from, t_to;        /* [from, to) ns; t_to = 0 means no end */
	uint32_t tid;                 /* 0 = all */
	uint32_t pid;                 /* 0 = all */
	uint32_t run;                 /* runs.id (an MPI rank of a merged job); 0 = all */
	int alloc_weights;            /* add the allocation columns (see above) */
};

/* The allocation weight columns, in order (role "alloc"). */
#define HP_ALLOC_NWEIGHTS 5
extern const char *const hp_alloc_weights[HP_ALLOC_NWEIGHTS];
/* 1 when name is one of them. */
int profile_is_alloc_weight(const char *name);

struct hp_profile {
	char **meta_keys, **meta_values;
	uint32_t nmeta;

	struct hp_pevent *events;     /* counter columns */
	uint32_t nevents;

	uint64_t nsamples;            /* main-sampler samples in the selection */
	uint64_t duration_ns;
	uint64_t t_first, t_last;     /* of the selected samples */

	struct hp_pfunc *functions;   /* only functions with samples or counts */
	uint32_t nfunctions;
	struct hp_pline *lines;
	uint32_t nlines;
	struct hp_pthread *threads;
	uint32_t nthreads;
	struct hp_pprocess *processes;
	uint32_t nprocesses;
	struct hp_pstack *stacks;
	uint32_t nstacks;
	struct hp_mem_reading *memory;
	uint32_t nmemory;
	struct hp_prun *runs;         /* at least one */
	uint32_t nruns;
	uint64_t mpi_samples;         /* main-sampler samples in MPI (stacks_class) */
	uint32_t run_filter;          /* filter.run it was loaded with (0: every run) */

	/* off-CPU: columns in events[] of "off-cpu" and "wall", -1 when the
	 * run has none; the CPU time of one main sample (0: unknown, no wall
	 * column); the off-CPU time by wait class (enum hp_wait_class) */
	int offcpu_col, wall_col;
	int64_t cpu_sample_ns;
	/* a merge of runs sampled at different rates (runs[].sample_ns
	 * differ): the column "cpu-time" in events[] sums each main sample's
	 * own run's sample_ns, and shares (profile_share) are of that time,
	 * not of sample counts; -1 otherwise */
	int cpu_col;
	int64_t wait_ns[HP_WAIT_NCLASSES];

	struct hp_stacks *model;      /* names, paths, frames: the stack model */
	void *priv;                   /* lookup tables of the aggregation */
};

/* Load and aggregate. filter may be NULL (everything). *out is owned by the
 * caller (profile_free). Returns 0, -HP_EEMPTY never (an empty profile is
 * valid), or another negative error. */
int profile_load(struct hp_store *st, const struct hp_profile_filter *filter,
		 struct hp_profile **out);
void profile_free(struct hp_profile *p);

/* Value of a run_info key, or NULL. */
const char *profile_meta(const struct hp_profile *p, const char *key);

/* 1 when the run was simulated (run --cache-sim) instead of sampled: its
 * counters are "simulated" events added to lines and functions as self
 * costs, and it has no samples - views leave the sample columns out
 * rather than show 0 for what was not measured. */
int profile_simulated_only(const struct hp_profile *p);

/* r's parent's pid as text in buf[len], "?" when not known (a process
 * that valgrind simulated in a pipeline has no recorded parent); returns buf. */
const char *profile_ppid_text(const struct hp_pprocess *r, char *buf, size_t len);

/* Persist the aggregation as function_stats/line_stats (+ counters) and
 * recreate the public views. */
int profile_write_stats(struct hp_store *st, const struct hp_profile *p);
/* The same without the commit (the caller commits: finish_profile). */
int profile_write_stats_rows(struct hp_store *st, const struct hp_profile *p);

/* Index of the event column named name, or -1. */
int profile_event_index(const struct hp_profile *p, const char *name);

/* n as a percentage of the selection's main-sampler samples (0 when none). */
double profile_pct(const struct hp_profile *p, uint64_t n);
/* The share of a row (function, line, stack, tree node) of n samples with
 * column sums c: profile_pct(p, n), or, in a merge of runs sampled at
 * different rates (p->cpu_col >= 0), its CPU time's share, each sample
 * weighed by the time it stands for (its run's period). */
double profile_share(const struct hp_profile *p, uint64_t n, const int64_t *c);
/* The CPU time of stack s's main samples in a merge of runs sampled at
 * different rates (its "cpu-time" column: each sample its run's period),
 * else 0: what a sum of stacks (a source line's total, an instruction's,
 * a kernel function's) carries beside its samples for profile_time_share. */
int64_t profile_stack_cpu_ns(const struct hp_profile *p, const struct hp_pstack *s);
/* The share of n main samples standing for cpu_ns of CPU time (summed
 * profile_stack_cpu_ns): profile_pct(p, n), or, in a merge of runs sampled
 * at different rates (p->cpu_col >= 0), cpu_ns's share of all the CPU
 * time. profile_share(p, n, c) is profile_time_share(p, n, c[cpu_col]). */
double profile_time_share(const struct hp_profile *p, uint64_t n, int64_t cpu_ns);
/* The CPU time of n main samples of thread t (its run's sample_ns each;
 * 0 when the run has no such time). */
int64_t profile_thread_cpu_ns(const struct hp_profile *p, const struct hp_pthread *t,
			      uint64_t n);
/* Thread t's share: profile_pct of its samples, or, in a merge of runs
 * sampled at different rates, of the CPU time (its run's period each). */
double profile_thread_share(const struct hp_profile *p, const struct hp_pthread *t);

/* " ns (1.254 s)" for a count v of ev in nanoseconds (the software clocks,
 * the off-CPU and wall totals), "" for a count of events; into buf. */
const char *profile_count_unit(const struct hp_pevent *ev, int64_t v, char *buf, size_t len);
/* 1 when ev counts nanoseconds: the software clocks, off-CPU and wall time. */
int profile_event_is_time(const struct hp_pevent *ev);
/* Is a counter of this name a time in nanoseconds (task-clock, off-cpu, ...)? */
int profile_name_is_time(const char *name);
/* A duration in a narrow column, in the report's unit for times (its wall
 * and off-CPU tables): ms with one decimal, "643.6" (the header says ms). */
const char *profile_ms_text(int64_t ns, char *buf, size_t len);
/* A value v of ev in a table cell: profile_ms_text for a time, else the
 * count; and the header of ev's column ("off-cpu ms" for a time, "Faults at" for
 * the sampled page faults; narrow:
 * within 10 columns, "task ms"). */
const char *profile_event_cell(const struct hp_pevent *ev, int64_t v, char *buf, size_t len);
const char *profile_event_header(const struct hp_pevent *ev, int narrow);

/* The weight column named name: -1 for samples (name NULL or "samples"),
 * an index into events[] of a measured event, or -2 when p has none such
 * (a simulated event is no stack weight: -2). */
int profile_weight_column(const struct hp_profile *p, const char *name);
/* Weight of stack s in column col (-1: samples). */
int64_t profile_stack_weight(const struct hp_pstack *s, int col);

/* Each counter column summed over p's stacks into sums[0..nevents): the
 * selected samples' own counts (a filtered profile). Saturating: a file
 * is untrusted (profile_runs.c). */
void profile_stack_sums(const struct hp_profile *p, int64_t *sums);

/* Self and total of function f in run index r (into runs[]). */
uint64_t profile_run_self(const struct hp_profile *p, const struct hp_pfunc *f, uint32_t r);
uint64_t profile_run_total(const struct hp_profile *p, const struct hp_pfunc *f, uint32_t r);
/* What one main sample of run r (an index into runs[]) weighs in CPU
 * time: its period in ms (runs[r].sample_ns / 1e6; 0 when its samples stand
 * for no time). The one weight of a run that diff's noise, the ranks'
 * figures and the shares of a merge of runs at different rates use. */
double profile_run_ms(const struct hp_profile *p, uint32_t r);
/* Index into runs[] of the run with MPI rank `rank`, or -1. */
int profile_rank_index(const struct hp_profile *p, int64_t rank);
/* 1 when any run of p was an MPI rank. */
int profile_has_ranks(const struct hp_profile *p);
/* The rank_stats rows of p (profile_runs.c; profile_write_stats calls it). */
int profile_write_rank_stats(struct hp_store *st, const struct hp_profile *p);

/* Arrays of indices into functions[] / lines[] ordered by self (then
 * total) descending. Caller frees. */
uint32_t *profile_functions_by_self(const struct hp_profile *p);
uint32_t *profile_lines_by_self(const struct hp_profile *p);

#endif

/*
 * runfacts.h - the facts of one run, as one struct: what ran, its
 * settings, what the sampler and the unwinder did, allocation totals.
 *
 * Filled by whoever knows a fact (the run command, the collector's
 * allocation tracker, the analyzer at the end of a run, merge) and written
 * by the store in one go (store_write_facts): each field becomes the
 * run_info row whose key is the field's name (docs/schema.md; the keys
 * are a contract). A field left unset (store_facts_init: NULL, NAN,
 * HP_FACT_UNSET) writes no row, so a fact nobody measured is absent,
 * never 0.
 */
#ifndef HP_RUNFACTS_H
#define HP_RUNFACTS_H

#include <stdint.h>

#define HP_FACT_UNSET INT64_MIN

struct hp_run_facts {
	/* what ran, where, when */
	const char *command;           /* the target and its arguments, space-separated */
	const char *target;            /* the resolved program path */
	const char *cwd;
	const char *start_time;        /* local time, ISO 8601 */
	const char *hostname;
	const char *kernel;            /* uname release */
	const char *kernel_name;       /* -k: the bundled kernel's name */
	const char *hpprof_version;    /* the writer */
	/* settings */
	int64_t frequency;             /* samples per second per thread; 0 when by period */
	const char *call_graph;        /* dwarf, fp, or the agent's unw_backtrace */
	int64_t stack_size;            /* user stack bytes copied per sample */
	int64_t mem_interval_ms;
	int64_t fault_period;          /* 0: no page-fault samples */
	int64_t cpu_sample_ns;         /* CPU time one main sample stands for (cpu-clock's
				        * period, 1e9 / frequency); unset for other samplers */
	/* the sampler */
	const char *sampling;          /* "perf_event cpu-clock" or "preload agent (REASON)" */
	const char *kernel_samples;    /* "yes", or "no (why, and what would allow it)" */
	/* with kernel samples: "yes" (kernel functions as frames), or "no (why,
	 * and what would allow it)": one "[kernel]" frame instead */
	const char *kernel_frames;
	const char *boot_id;           /* of the recording kernel: kernel addresses are valid in it */
	int64_t agent_stood_aside;     /* processes where the agent stepped back (SIGPROF) */
	/* the run */
	int64_t duration_ns;           /* exec to exit */
	int64_t exit_status;           /* exit code, or 128 + signal */
	const char *signal;            /* the signal that killed the target */
	int64_t interrupted;           /* 1: stopped with Ctrl-C / SIGTERM */
	const char *unfinished;        /* set by the reader that finished a run whose hpprof
				        * never did (killed, full disk): what the file lacks */
	int64_t samples;               /* main-sampler samples */
	int64_t complete_stacks;       /* of those, reaching the program entry or a thread start
					* (analyzer/census.h: the one definition) */
	int64_t cut_stacks;            /* of those, not complete: cut off by the stack copy */
	int64_t hole_stacks;           /* of those, not complete: stopped where the kernel's copy
					* ended early (a stack page not touched yet) */
	int64_t joined_stacks;         /* of the complete ones, completed from a later sample of
					* the same frame (collector/stackjoin.h) */
	int64_t entry_stacks;          /* = complete_stacks (the older key, kept for scripts) */
	int64_t unseen_ns;             /* task-clock - (samples + lost) x cpu_sample_ns, >= 0: CPU
					* time the samples did not see (analyzer/unseen.h) */
	int64_t unseen_partial_ns;     /* threads x cpu_sample_ns: the most the threads' last
					* partial periods explain of it */
	int64_t lost_samples;          /* records the kernel dropped */
	const char *lost_count;        /* how: "kernel" (its own counts), or "reported only
				        * (why)": a lower bound; unset without perf rings */
	int64_t privileged_execs;      /* processes whose exec raised their privileges
				        * (set-user-ID, set-group-ID, file capabilities): the
				        * kernel stops perf events there, so they were not
				        * sampled after it; unset when none */
	const char *privileged_exec;   /* the first of them: "NAME (pid N, PATH: why)" */
	int64_t fault_samples;         /* page-fault samples */
	const char *off_cpu;           /* "yes", or "no (why)"; unset when not asked for */
	int64_t offcpu_intervals;      /* off-CPU intervals recorded (samples of event off-cpu) */
	int64_t offcpu_ns;             /* their summed time, all threads */
	int64_t offcpu_no_stack;       /* of the intervals, those whose stack was lost */
	int64_t offcpu_sampled;        /* intervals written with their stack (weighted) */
	int64_t offcpu_unsampled;      /* intervals counted only (stack samplers gated off) */
	int64_t peak_rss_bytes;        /* the target's rusage: the largest peak of it and the
				        * descendants it waited for (/usr/bin/time's figure);
				        * each process's own is in processes.peak_rss */
	double user_s, sys_s;          /* CPU seconds of the target and its reaped children */
	int64_t unwind_ns, symbolize_ns; /* hpprof's own time */
	int64_t symbol_cache_misses;   /* addresses the symbol cache did not answer */
	/* allocation tracking (--alloc) */
	const char *alloc_tracking;    /* "exact" or "sampled" */
	int64_t alloc_count, alloc_frees, alloc_dropped, alloc_unknown_frees;
	int64_t alloc_untracked;       /* process images the preload library never reached
				        * (an environment without LD_PRELOAD, a static program):
				        * their allocations are missing; unset when none */
	const char *alloc_untracked_first; /* the first: "NAME (pid N, PATH)" */
	int64_t alloc_sample_bytes;    /* 0 = every call */
	int64_t heap_peak_bytes, heap_peak_t_ns; /* the largest heap peak of one process */
	int64_t heap_peak_pid;         /* ... and that process */
	int64_t alloc_temporary;       /* frees right after their own allocation (heaptrack's) */
	/* the tracker's own costs (--alloc) */
	int64_t alloc_stream_bytes;    /* stream bytes of the allocation records ... */
	int64_t alloc_stream_events;   /* ... for this many allocation events */
	int64_t alloc_target_bytes;    /* most memory the preload library kept resident in one
				        * target process (its ring window and stack table) */
	int64_t alloc_writer_waits;    /* times the target's allocation hooks found the stream's
				        * ring full and waited for hpprof to read (all processes) */
	int64_t alloc_writer_wait_ns;  /* ... and the CLOCK_MONOTONIC ns they waited, summed */
	int64_t hpprof_peak_rss_bytes; /* hpprof's own peak RSS (collector, stream, tracker) */
	const char *preload_libraries; /* what the preload library loads into the target besides
				        * the C runtime: comma-separated sonames (libunwind...) */
	const char *preload_env;       /* the variables hpprof added to the target's
				        * environment, "K=V" separated by newlines */
	/* cache simulation (run --cache-sim): nothing sampled, counters simulated */
	const char *simulation;        /* "simulated (cachegrind)" */
	const char *sim_tool;          /* "valgrind 3.19.0 --tool=cachegrind" */
	const char *sim_I1, *sim_D1, *sim_LL;  /* the simulated caches: "32768 B, 8-way, 64 B lines" */
	int64_t sim_processes;         /* processes whose simulated costs were read */
	/* Python frames (docs/python.md) */
	const char *python_version;    /* the first CPython sampled, "3.11.2" */
	const char *python_note;       /* "Python frames: not supported for 3.x, native frames only" */
	const char *python_frames;     /* how they were read */
	int64_t python_merged;         /* samples of Python threads with Python frames merged */
	int64_t python_truncated;      /* ... merged on a truncated native stack or from the
					* innermost frames of a deeper Python chain */
	int64_t python_unmerged;       /* ... whose stacks disagreed: native frames only */
	int64_t python_unresolved;     /* ... whose frames could not be read or named */
	int64_t python_native;         /* ... taken while the thread ran no Python */
	int64_t python_backoff;        /* ... whose native stack the agent cut to the interrupted
					* instruction (backing off, agent.c); 0 without it */
	const char *jit_maps;          /* /tmp/perf-PID.map files read at the end of run, and
				        * how many addresses they named */
	/* merge */
	const char *merged_from;       /* the inputs, comma-separated */
	int64_t merged_runs;
	/* MPI (docs/mpi.md): the rank's place in its job, from the launcher's
	 * environment; unset when the run was not an MPI rank */
	int64_t mpi_rank;              /* OMPI_COMM_WORLD_RANK, PMI_RANK, PMIX_RANK or SLURM_PROCID */
	int64_t mpi_size;              /* ranks in the job, when the launcher says */
	const char *mpi_job;           /* the job's id (Open MPI jobid, PMIx namespace, Slurm job.step) */
	const char *mpi_rank_from;     /* the variable the rank was read from */
	const char *mpi_ranks_missing; /* merge: ranks of the job with no input, comma-separated */
};

#endif

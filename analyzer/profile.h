/*
 * profile.h - the profile model: one run's samples aggregated in memory.
 *
 * profile_load() reads a symbolized store and aggregates its samples
 * (optionally only a time range, a thread or a process) into functions
 * (self/total), lines (self), threads, processes, per-stack totals (for call
 * trees and flame graphs) and counter sums. The same aggregation is what
 * `run` persists with profile_write_stats(), so the public SQL views and
 * every command agree. The model owns all its strings (freed by
 * profile_free).
 *
 * Definitions (brief §7): self = samples whose innermost frame (after inline
 * expansion) is this function or line; total = samples whose stack contains
 * the function, counted once per sample. Percentages are of all main-sampler
 * samples in the selection.
 */
#ifndef HP_PROFILE_H
#define HP_PROFILE_H

#include <stdint.h>

#include "common/record.h"

struct hp_store;

/* A column of counter values: a counter event read with samples, or a
 * second sampler such as page faults (value = samples x period). */
struct hp_pevent {
	int id;                       /* events.id */
	const char *name;
	const char *role;             /* "counter" or "pagefault" */
	int measured;
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
};

struct hp_pline {
	const char *file;             /* NULL when unknown */
	uint32_t file_id;
	uint32_t line;                /* 0 when unknown */
	uint32_t func;                /* index into functions[] */
	uint64_t self;
	int64_t *c;                   /* [nevents] */
};

struct hp_pthread {
	uint32_t tid, pid;
	const char *comm;
	uint64_t samples;
	uint64_t first_ns, last_ns;   /* first and last sample */
};

struct hp_pprocess {
	uint32_t pid, ppid;
	const char *comm, *exe;
	uint64_t start_ns, end_ns;
	int exit_code;                /* -1 when unknown */
	int64_t peak_rss;             /* -1 when unknown */
	uint64_t samples;
};

/* A distinct call stack with its totals. frames[] are indices into
 * functions[], outermost first, inline frames expanded; lines[] the
 * matching source line of each frame (0 when unknown). */
struct hp_pstack {
	uint32_t nframes;
	uint32_t *frames;
	uint32_t *lines;
	uint32_t *files;              /* file ids (0 when unknown) */
	uint64_t samples;             /* main sampler */
	int64_t *c;                   /* [nevents] */
	uint32_t leaf_line;           /* index into lines_[] of the innermost frame, or UINT32_MAX */
};

struct hp_profile_filter {
	uint64_t t_from, t_to;        /* [from, to) ns; t_to = 0 means no end */
	uint32_t tid;                 /* 0 = all */
	uint32_t pid;                 /* 0 = all */
};

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

	void *priv;                   /* arena and lookup tables */
};

/* Load and aggregate. filter may be NULL (everything). *out is owned by the
 * caller (profile_free). Returns 0, -HP_EEMPTY never (an empty profile is
 * valid), or another negative error. */
int profile_load(struct hp_store *st, const struct hp_profile_filter *filter,
		 struct hp_profile **out);
void profile_free(struct hp_profile *p);

/* Value of a run_info key, or NULL. */
const char *profile_meta(const struct hp_profile *p, const char *key);

/* Persist the aggregation as function_stats/line_stats (+ counters) and
 * recreate the public views. */
int profile_write_stats(struct hp_store *st, const struct hp_profile *p);

/* Path of a file id (as in hp_pstack.files), or NULL. */
const char *profile_file(const struct hp_profile *p, uint32_t file_id);

/* Index of the event column named name, or -1. */
int profile_event_index(const struct hp_profile *p, const char *name);

/* Sort helpers: arrays of indices into functions[] / lines[] ordered by
 * self (then total) descending. Caller frees. */
uint32_t *profile_functions_by_self(const struct hp_profile *p);
uint32_t *profile_functions_by_total(const struct hp_profile *p);
uint32_t *profile_lines_by_self(const struct hp_profile *p);

#endif

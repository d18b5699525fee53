/*
 * diff.h - what changed between two profiles (`hpprof diff`, the TUI's
 * diff mode).
 *
 * Rows are functions (joined by name and module basename) or source lines
 * (joined by file and line; a line that vanished and a line within +-3
 * lines of the same function and file that appeared are taken for one line
 * that moved, so a small edit above a hot loop does not turn it into
 * gone + new). Each row holds the before and after share of samples (self%,
 * total%), every counter both sides measured (normalized, see
 * hp_diff_norm) and a verdict.
 *
 * Repeated runs: each side may be several profiles of the same program.
 * Values are then the mean over the side's runs, with the run-to-run
 * standard deviation, and a change counts when Welch's t-test says it is
 * beyond the noise (two-sided p < alpha) - with at least two runs per side.
 * With one run on a side, the noise is the sampling noise of a proportion:
 * a change counts when |delta| > 2 standard errors, se^2 = pA(1-pA)/nA +
 * pB(1-pB)/nB over the samples of each side. In both cases a change must
 * also be at least `threshold` percentage points to count.
 *
 * Simulated runs (run --cache-sim) have no samples: their rows compare
 * the sim_* counters (per run by default, see cmd_diff) and are ordered by
 * the change of the first one, sim_Ir; their self% and total% are 0.
 *
 * Verdicts: new (only after), gone (only before), slower (self% grew beyond
 * the noise; or, when self% did not change, total%), faster (shrank), same.
 * "Slower" means a larger share of the run, which for runs of the same work
 * is more time.
 */
#ifndef HP_DIFF_H
#define HP_DIFF_H

#include <stdint.h>
#include <stdio.h>

struct hp_profile;

enum hp_diff_by { HP_DIFF_FUNCTION, HP_DIFF_LINE };

/* How counter values are made comparable between runs of different length. */
enum hp_diff_norm {
	HP_DIFF_PER_SECOND,           /* value / run duration (default) */
	HP_DIFF_PER_SAMPLE,           /* value / main-sampler samples of the run */
	HP_DIFF_PER_RUN,              /* raw totals: for runs doing the same work */
};

enum hp_verdict { HP_VERDICT_SAME, HP_VERDICT_FASTER, HP_VERDICT_SLOWER, HP_VERDICT_NEW,
		  HP_VERDICT_GONE };

struct hp_diff_opts {
	enum hp_diff_by by;
	enum hp_diff_norm norm;
	double threshold;             /* smallest change that counts, percentage points (0.5) */
	double alpha;                 /* significance level of the t-test (0.05) */
};

/* A value over the runs of one side: the mean, and the run-to-run sample
 * standard deviation (0 with one run). */
struct hp_diff_stat {
	double mean, sd;
};

/* A counter column: an event measured by both sides (in every run). */
struct hp_diff_counter {
	const char *name;
	const char *role;             /* "counter" or "pagefault" */
	struct hp_diff_stat before, after;   /* whole-run value, normalized */
};

struct hp_diff_row {
	const char *name;             /* function; for lines, the function holding the line */
	const char *module;           /* module basename, or NULL */
	const char *file;             /* functions: defining file; lines: the line's file; or NULL */
	uint32_t line;                /* lines: the line in the after runs; 0 for functions */
	uint32_t before_line;         /* lines: the line in the before runs (moved when != line) */
	struct hp_diff_stat before_self, after_self;    /* self% */
	struct hp_diff_stat before_total, after_total;  /* total% (lines: = self%) */
	double delta_self, delta_total;                  /* after - before, percentage points */
	double p_value;               /* two-sided p of the self% change, or of the total%
				       * change when self% did not change (functions); 1
				       * when there is no change */
	/* [ncounters] normalized counter values of the row (self: at this
	 * function or line; total: including callees, for functions). */
	struct hp_diff_stat *before_c, *after_c, *before_ct, *after_ct;
	enum hp_verdict verdict;
};

/* A side (before or after) as a whole. */
struct hp_diff_side {
	unsigned runs;
	struct hp_diff_stat duration_s, samples;
	struct hp_diff_stat peak_rss;       /* bytes; mean -1 when unknown */
	struct hp_diff_stat allocs, alloc_bytes;  /* mean -1 unless every run tracked allocations */
};

struct hp_diff {
	struct hp_diff_opts opts;
	struct hp_diff_side before, after;
	struct hp_diff_counter *counters;
	uint32_t ncounters;
	struct hp_diff_row *rows;     /* sorted by |delta_self|, then |delta_total|, descending */
	uint32_t nrows;
	/* of the run time: faster/slower/same - Welch's t-test with repeated
	 * runs, else a change of 5% or more */
	enum hp_verdict verdict;
	int simulated;                /* every run was simulated (run --cache-sim): no samples */
	void *priv;                   /* strings and arrays, freed by diff_free */
};

/* Allocation totals of a run (from the store, outside the profile model);
 * sites 0 when the run did not track allocations. */
struct hp_diff_allocs {
	int64_t sites, allocs, bytes;
};

/* Default options: by function, per second, threshold 0.5, alpha 0.05. */
void diff_opts_init(struct hp_diff_opts *o);

/* Compare profiles before[0..nb) with after[0..na) (each side: repeated
 * runs of one program; nb, na >= 1). allocs_before/after may be NULL, else
 * arrays of nb / na. *out is owned by the caller (diff_free); it does not
 * point into the profiles. Returns 0, -EINVAL, or -ENOMEM. */
int diff_profiles(const struct hp_profile *const *before, unsigned nb,
		  const struct hp_profile *const *after, unsigned na,
		  const struct hp_diff_allocs *allocs_before, const struct hp_diff_allocs *allocs_after,
		  const struct hp_diff_opts *opts, struct hp_diff **out);
/* The common case: one profile each side. */
int diff_pair(const struct hp_profile *before, const struct hp_profile *after,
	      const struct hp_diff_opts *opts, struct hp_diff **out);
void diff_free(struct hp_diff *d);

const char *diff_verdict_name(enum hp_verdict v);      /* "faster", ... */
const char *diff_norm_name(enum hp_diff_norm n);       /* "per second", ... */

/* Output (diff_format.c). */
enum hp_diff_format { HP_DIFF_TEXT, HP_DIFF_CSV, HP_DIFF_JSON };
struct hp_diff_print_opts {
	enum hp_diff_format format;
	unsigned limit;               /* rows; 0 = all */
	/* text: counter columns in the rows, comma-separated names or "all";
	 * NULL = page-faults and cache-misses when measured (sim_Ir and
	 * sim_LLmiss for simulated runs), else the counter that changed most
	 * (task-clock, context-switches, cpu-migrations left out), two at most */
	const char *counters;
	const char *before_name, *after_name;   /* labels, e.g. the file names; may be NULL */
};
int diff_print(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o);

#endif

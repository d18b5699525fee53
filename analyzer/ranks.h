/*
 * ranks.h - the rank dimension of a profile: an MPI job, one run per rank
 * (`mpirun -np N hpprof run -o prof.%r.db`, then `hpprof merge`), seen
 * rank by rank, as HPCToolkit and mpiP show it.
 *
 * Everything here is derived from the profile model (profile.h), which
 * already sums every stack and function per run and splits each run's
 * samples into compute and MPI time with the stack model's per-stack class
 * (stacks_class): no second aggregation. From it:
 *
 *   - each rank's samples, compute and MPI samples (rank_profile);
 *   - the load imbalance: max/mean of the ranks' compute samples (1 is a
 *     balanced job; rank 0 with twice the work of 3 others: 2*4/5 = 1.6);
 *   - per function, the min, mean and max of its samples across ranks and
 *     the rank that holds the max (self and total);
 *   - what is wrong with the job: ranks of [0, mpi_size) that no input
 *     holds (a rank that crashed before writing, or an input left out),
 *     ranks two inputs claim, ranks that ended with a signal or were
 *     interrupted (a job mpirun aborted);
 *   - samples over time per rank, compute and MPI apart (the TUI's ranks
 *     side by side).
 *
 * A profile that is not an MPI job has one run with rank -1: the figures
 * still hold for it, and profile_has_ranks() says whether to show them.
 */
#ifndef HP_RANKS_H
#define HP_RANKS_H

#include <stdint.h>
#include <stdio.h>

struct hp_profile;
struct hp_prun;
struct hp_store;

/* One function across the ranks (samples: self or total). */
struct hp_rank_fstat {
	uint32_t func;                /* index into p->functions[] */
	uint64_t min, max;            /* of its samples over the ranks (0 where it never ran) */
	double mean;                  /* over all ranks */
	uint32_t max_run;             /* index into p->runs[] of the (lowest) rank with the max */
};

struct hp_ranks;

/* min/mean/max (and the max's run) over r's ranks of value(ctx, run),
 * for the function index func. */
struct hp_rank_fstat ranks_fstat(const struct hp_ranks *r, uint32_t func,
				 uint64_t (*value)(const void *ctx, uint32_t run), const void *ctx);

struct hp_ranks {
	/* 1 in a merge of runs sampled at different rates (and a rank diff
	 * with one): every figure across ranks - compute min/mean/max, the
	 * imbalance, the MPI share of all, the functions across ranks - is CPU
	 * time in ms (each run's samples times its own period, rounded),
	 * since samples of different periods do not compare; a rank's own row
	 * (samples, compute, MPI, MPI%) stays its samples. 0: samples. */
	int timed;
	uint32_t n;                   /* ranks: p->nruns */
	uint32_t *order;              /* [n] indices into p->runs[], by rank (no rank last) */
	uint64_t samples, mpi_samples;
	uint64_t compute_min, compute_max;
	double compute_mean;
	uint32_t compute_max_run;     /* index into p->runs[] */
	double imbalance;             /* compute max/mean; 0 when no compute sample */
	int64_t size;                 /* the job's size (largest mpi_size), -1 unknown */
	int64_t *missing;             /* ranks of [0, size) no run holds, ascending */
	uint32_t nmissing;
	int64_t *duplicate;           /* ranks more than one run holds */
	uint32_t nduplicate;
	uint32_t nfailed;             /* runs ended by a signal or non-zero status */
	uint32_t ninterrupted;        /* runs stopped by SIGINT/SIGTERM */
	struct hp_rank_fstat *self;   /* [nfuncs], by max descending (then mean) */
	struct hp_rank_fstat *total;  /* [nfuncs], by max descending */
	uint32_t nfuncs;
};

/* The rank dimension of p. *out is owned by the caller (ranks_free); it
 * refers to p, which must outlive it. Returns 0 or -ENOMEM. */
int ranks_analyze(const struct hp_profile *p, struct hp_ranks **out);
/* The same with the figures across ranks in CPU ms when timed (and every
 * run of p knows its period), else in samples (hp_ranks.timed). */
int ranks_analyze_timed(const struct hp_profile *p, int timed, struct hp_ranks **out);
/* 1 when p is a merge of runs sampled at different rates: its figures
 * across ranks must be times. */
int ranks_need_time(const struct hp_profile *p);
/* What one sample of run (index into p->runs[]) counts for in r: 1, or
 * its period in ms (r->timed: profile_run_ms). */
double ranks_run_weight(const struct hp_profile *p, const struct hp_ranks *r, uint32_t run);
/* n samples of run as r counts them: n, or CPU ms (rounded). */
uint64_t ranks_weigh(const struct hp_profile *p, const struct hp_ranks *r, uint32_t run,
		     uint64_t n);
/* The unit of r's figures across ranks: "samples" or "CPU ms". */
const char *ranks_unit(const struct hp_ranks *r);
void ranks_free(struct hp_ranks *r);

/* "rank 3", or "run 2 (path)" for a run that was no MPI rank, in buf. */
const char *ranks_name(const struct hp_profile *p, uint32_t run, char *buf, size_t len);
/* A run in a rank column: "3", or "run 2" for a run that was no MPI rank. */
const char *ranks_cell(const struct hp_prun *r, char *buf, size_t len);

/* Samples per time bucket for every run, compute and MPI apart. Each run's
 * clock starts at its own start (ranks of one job start together). When
 * every run knows its period, a sample counts that period in us (timed), so
 * that runs sampled at different rates, and two jobs, compare in CPU time;
 * else 1. */
struct hp_rank_timeline {
	uint32_t nruns, nbuckets;     /* rows are p->runs[] indices */
	uint64_t t_end, bucket_ns;
	uint32_t *compute, *mpi;      /* [nruns * nbuckets]: run r, bucket b at r * nbuckets + b */
	int timed;                    /* values are CPU us, else samples */
};
/* Count st's main-sampler samples (the store p was loaded from) into
 * nbuckets buckets. *out is owned by the caller (ranks_timeline_free). */
int ranks_timeline_load(struct hp_store *st, const struct hp_profile *p, uint32_t nbuckets,
			struct hp_rank_timeline **out);
void ranks_timeline_free(struct hp_rank_timeline *tl);

/* --- rendering (ranks_report.c) --- */

/* The rank section of `hpprof report`: the job, the imbalance, one row per
 * rank, what is wrong with the job, and the functions across ranks (limit
 * rows each; 0 = all). */
void ranks_report_text(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
		       unsigned limit);
/* The same as CSV rows (section ranks, rank_functions) and as a JSON
 * member `"ranks": {...}` (written after a comma: the caller's object has
 * members before it). */
void ranks_report_csv(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
		      unsigned limit);
void ranks_report_json(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
		       unsigned limit);
/* One line per problem of the job (missing, duplicate, failed, unfinished and
 * interrupted ranks), each starting with prefix; returns how many. */
unsigned ranks_print_problems(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
			      const char *prefix);
/* The missing ranks as "2,5" in buf ("" when none). */
const char *ranks_missing_list(const struct hp_ranks *r, char *buf, size_t len);

/* --- `hpprof diff` between two jobs (ranks_diff.c, ranks_diff_print.c) --- */

/* The sampling standard error of r's imbalance: each rank's compute
 * samples a binomial count out of its samples (its CPU time, measured),
 * propagated to max/mean by the delta method with the rank of the max
 * held fixed. 0 when there is no noise (no MPI sample) or no imbalance. */
double ranks_imbalance_se(const struct hp_profile *p, const struct hp_ranks *r);

/* One function (joined by name and module basename, diff_function_key)
 * across the ranks of each job: side[0] before, side[1] after; [0] self,
 * [1] total. func and max_run index into that side's profile. */
struct hp_ranks_fdiff {
	const char *name, *module;    /* module: basename, or NULL */
	struct hp_rank_fstat side[2][2];
	int in[2];                    /* it has samples on that side */
};

struct hp_ranks_diff {
	const struct hp_profile *p[2];   /* before, after: not owned */
	struct hp_ranks *r[2];
	double alpha, threshold;      /* as given: significance, smallest change in % */
	/* the imbalance after - before, with the sampling error of each side
	 * (ranks_imbalance_se): a z test, its p-value and the half-width of
	 * the (1 - alpha) interval of delta */
	double imbalance_se[2];
	double delta, ci, p_value;
	int verdict;                  /* -1 better balanced, +1 worse: beyond the noise
				       * (p < alpha) and by threshold % of before or more;
				       * 0 same */
	struct hp_ranks_fdiff *funcs; /* by the larger self max of the two sides */
	uint32_t nfuncs;
	uint32_t *by_total;           /* [nfuncs] indices into funcs by total max */
};

/* The rank comparison of before and after. *out is owned by the caller
 * (ranks_diff_free) and refers to both profiles. 0 or -ENOMEM. */
int ranks_diff(const struct hp_profile *before, const struct hp_profile *after, double alpha,
	       double threshold, struct hp_ranks_diff **out);
void ranks_diff_free(struct hp_ranks_diff *d);
/* "better", "worse", "same". */
const char *ranks_diff_verdict_name(int verdict);
/* The verdict on the imbalance in words, in buf: "better balanced", "worse
 * balanced", "same (within the noise)" or "same (under the threshold of
 * 5%)". */
const char *ranks_diff_verdict_text(const struct hp_ranks_diff *d, char *buf, size_t len);
/* The ranks of the two jobs side by side: the number of rows (the ranks of
 * the job with more), and for row k the index into each side's runs[] of
 * that rank (idx[side], -1 where that job lacks it). */
uint32_t ranks_diff_nrows(const struct hp_ranks_diff *d);
void ranks_diff_row(const struct hp_ranks_diff *d, uint32_t k, int idx[2]);
/* One job's cells of a function in the diff: min, mean, max, max rank,
 * max/mean ("-" where the job has no ranks; rank and ratio "-" where the
 * function ran on no rank of it). side 0 before, 1 after; total 0 self. */
struct hp_ranks_cells {
	char min[24], mean[24], max[24], rank[32], ratio[24];
};
void ranks_diff_cells(const struct hp_ranks_diff *d, const struct hp_ranks_fdiff *f, int side,
		      int total, struct hp_ranks_cells *c);
/* As text (limit function rows, 0 = all) or one JSON object. */
void ranks_diff_print(FILE *out, const struct hp_ranks_diff *d, unsigned limit, int json);

#endif

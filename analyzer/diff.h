/*
 * diff.h - what changed between two profiles (`hpprof diff`, the TUI's
 * diff mode).
 *
 * Rows are functions (joined by name and module basename) or source lines
 * (joined by file and line; a line that vanished and a line within +-3
 * lines of the same function and file that appeared are taken for one line
 * that moved, so a small edit above a hot loop does not turn it into
 * gone + new).
 *
 * Verdicts judge TIME, not shares. Each row's CPU time per run is
 * samples x sampling period (1 / frequency; in a merge of runs sampled at
 * different rates, each sample weighs its own run's period), or the
 * task-clock counter charged to its samples when every run measured it
 * (hp_diff_time_basis);
 * self = in the row itself, total = with callees (functions). Times and
 * counters are normalized per run (default), per second of run time, per
 * unit of work the user counted, or per sample (hp_diff_norm). The shares
 * of the profile (self%, total%) are kept as their own columns: a function
 * whose time stayed put while another got faster has a larger share, not
 * a verdict.
 *
 * The noise: each side may be several runs of one program. With at least
 * two runs on both sides, the run-to-run spread is pooled over the whole
 * diff (hp_diff_pool): the relative spread of the rows' times beyond their
 * sampling error, pooled over the rows of a kind (the program's; the
 * kernel's and [vdso]); a row's variance per run is that plus its own
 * sampling error, combined with its own runs' spread by their degrees of
 * freedom (a moderated, empirical-Bayes variance), and tested with the
 * degrees of freedom that gives (Satterthwaite); a row whose own runs
 * spread beyond that pool (an F test at HP_DIFF_OWN_ALPHA), and the whole
 * run, are tested with Welch's t-test on their per-run times (each run's
 * spread taken no smaller than its sampling error); otherwise with the
 * sampling error alone and a normal test: a row's n samples out of a run's N are a binomial draw (Poisson for small
 * shares), so its time has a relative standard error of sqrt((1 - n/N)/n),
 * and the run's total CPU time, which the sampler measures, has none.
 * A merge of runs sampled at different rates sums samples of different
 * weights w_k (periods): its time T = sum w_k n_k has the variance
 * sum w_k^2 n_k (1 - n_k/N_k) of independent binomials, so the row's
 * relative variance is that over T^2, and it is judged as the effective
 * count of samples with that relative error (diff_judge.c).
 * Run-to-run variation is then NOT in the interval (the output says so).
 * Each change carries its p-value and the confidence interval of the time
 * difference. The rows are tested together: each at alpha / (rows
 * judged), Bonferroni's correction, so that noise alone makes a faster or
 * slower row in at most alpha of the diffs (an A/A comparison shows none);
 * the whole run's time and the gates are single tests at alpha.
 *
 * Verdicts: minor (under min_samples samples per run on both sides: too
 * few to say anything), new (only after), gone (only before), slower /
 * faster (the self time changed beyond the noise, p < alpha, AND by at
 * least `threshold` percent of its before value; or, when self time did
 * not, the total time), same.
 *
 * Simulated runs (run --cache-sim) have no samples and no time: their rows
 * are judged on the simulated instructions, sim_Ir (per run by default,
 * see cmd_diff), which have no sampling error - slower / faster when it
 * changed by `threshold` percent or more - and no row is minor.
 */
#ifndef HP_DIFF_H
#define HP_DIFF_H

#include <stdint.h>
#include <stdio.h>

struct hp_profile;

enum hp_diff_by { HP_DIFF_FUNCTION, HP_DIFF_LINE };

/* How times and counters are made comparable between runs. */
enum hp_diff_norm {
	HP_DIFF_PER_RUN,              /* as measured: for runs doing the same work (default) */
	HP_DIFF_PER_SECOND,           /* per second of run (wall) time: for runs of different
				       * length, e.g. a server profiled for a while */
	HP_DIFF_PER_WORK,             /* per unit of work the user counted (opts.work) */
	HP_DIFF_PER_SAMPLE,           /* per main-sampler sample: shares of the profile */
};

/* What a row's time is made of (the same for every run of a diff). */
enum hp_diff_time_basis {
	HP_DIFF_TIME_TASK_CLOCK,      /* the task-clock counter charged to the samples */
	HP_DIFF_TIME_PERIOD,          /* samples x 1 / sampling frequency */
	HP_DIFF_TIME_SAMPLES,         /* no time known (sampled by a period of another
				       * event, or merged with such a run): sample counts
				       * stand for time */
};

/* The run-to-run spread of one run's CPU time assumed when a side has a
 * single run, percent: 10 pairs of 'xz -6' runs on a loaded 2-core KVM
 * guest spread by 9.3% (sd over 20 runs; docs/realworld.md, wave 17), and
 * without this floor 7 of the 10 identical pairs were judged slower or
 * faster. */
#define HP_DIFF_RUN_NOISE 10.0

/* The machine's code (kernel functions, [vdso]: page zeroing, interrupts,
 * the scheduler) with one run per side: the run-to-run spread assumed is
 * this many times --run-noise (30% at the default). Measured: the kernel
 * rows of 3 + 3 runs spread by 21-66% per run beyond sampling beside a CPU
 * hog; over 446 pairs of identical one-run profiles (xz -6 at load ~6 and
 * beside a hog, a calibration program beside a hog) kernel rows were
 * called slower or faster in 77 pairs at 10%, 25 at 20%, none at 30%
 * (docs/realworld.md, wave 18). */
#define HP_DIFF_MACHINE_NOISE 3.0

enum hp_verdict { HP_VERDICT_SAME, HP_VERDICT_FASTER, HP_VERDICT_SLOWER, HP_VERDICT_NEW,
		  HP_VERDICT_GONE, HP_VERDICT_MINOR, HP_VERDICT_COUNT };

struct hp_diff_opts {
	enum hp_diff_by by;
	enum hp_diff_norm norm;
	double threshold;             /* smallest change that counts, percent of the
				       * before time (default 5) */
	double alpha;                 /* significance level (default 0.05): tests and the
				       * (1 - alpha) confidence intervals */
	double min_samples;           /* rows under this many samples per run on both
				       * sides are minor (default 10; 0: none) */
	double run_noise;             /* a side without repeated runs: the run-to-run
				       * standard deviation of one run's time assumed,
				       * percent of it (default HP_DIFF_RUN_NOISE; 0:
				       * the sampling error alone, `--run-noise 0`) */
	const double *work;           /* HP_DIFF_PER_WORK: work per run, before runs then
				       * after runs (each > 0); not owned */
};

/* A value over the runs of one side: the mean, and the run-to-run sample
 * standard deviation (0 with one run). */
struct hp_diff_stat {
	double mean, sd;
};

/* The run-to-run spread pooled over a diff with repeated runs on both
 * sides (diff_pool_spread; docs/man/hpprof-diff.md, "Noise"). One run's
 * value of a row (a part of the run, n of its N samples) has the relative
 * variance spread_var + (1 - n/N)/n: the run-to-run spread, pooled over
 * the rows of its kind, and its own binomial sampling error (then
 * combined with the row's own runs' spread, diff_judge.c). The kinds:
 * the program's code, and code that runs as the machine's state says
 * (the kernel's, [vdso]: the bracketed modules - page zeroing and
 * interrupts come and go with the neighbours' load), pooled apart. */
enum hp_diff_pool_kind { HP_DIFF_POOL_PROGRAM, HP_DIFF_POOL_MACHINE, HP_DIFF_POOLS };

struct hp_diff_pool {
	int ok;                       /* 1: rows are judged with it */
	double run_var;               /* relative variance of one run's CPU time within a
				       * side, pooled over the two sides */
	double run_df;                /* its degrees of freedom: runs - 2 */
	/* per kind (enum hp_diff_pool_kind): */
	double spread_var[HP_DIFF_POOLS];   /* the relative variance of a row's time beyond
				       * its sampling error: the rows' weighted mean (each
				       * by the inverse variance of its estimate), at
				       * least run_var (what moves the whole run moves its
				       * parts) */
	double spread_var_var[HP_DIFF_POOLS];  /* the variance of that estimate: the rows'
				       * (as if independent) plus run_var's (what they
				       * share); INFINITY without rows */
	double df[HP_DIFF_POOLS];     /* the degrees of freedom of spread_var (2 var^2 /
				       * its variance, Satterthwaite) */
	uint32_t rows[HP_DIFF_POOLS]; /* sides of rows pooled (a row's runs on one side,
				       * two runs or more, is one entry) */
	uint32_t left_out[HP_DIFF_POOLS];  /* sides of rows left out: their self time spreads
				       * beyond the pool (F test at HP_DIFF_OWN_ALPHA) */
};

/* A row whose own runs spread beyond the pool at this level (F test) is
 * judged on its own spread (Welch), as a row that varies more than the
 * others (kernel paths that depend on the machine's state). */
#define HP_DIFF_OWN_ALPHA 0.01

/* A change of one value (after - before) with its noise. */
struct hp_diff_change {
	double delta;                 /* after mean - before mean */
	double ci;                    /* half-width of the (1 - alpha) confidence interval
				       * of delta; 0 when there is no noise estimate */
	double p;                     /* two-sided p-value of delta != 0 (1 when delta = 0) */
	double rel;                   /* delta / before mean, NAN when before is 0 */
	/* the (1 - alpha) interval of rel = after / before - 1, Fieller's for
	 * the ratio of the two means from the same variances and quantile as
	 * ci (so it holds 0 exactly when the test of delta is not significant;
	 * asymmetric: the before mean's own error is in it): rel_lo at least -1
	 * (a time is never negative); rel_hi INFINITY when the before mean's
	 * own interval reaches 0 (then rel_lo is a lower bound, or -1: none);
	 * both rel when there is no noise estimate (ci 0), NAN when before is
	 * 0 or nothing was estimated (diff_ratio_interval) */
	double rel_lo, rel_hi;
	int beyond;                   /* beyond the noise and the threshold */
	int pooled;                   /* tested with the pooled spread (hp_diff_pool) */
};

/* A counter column: an event measured by both sides (in every run). */
struct hp_diff_counter {
	const char *name;
	const char *role;             /* "counter", "pagefault", or "total" when !rows */
	int rows;                     /* 0: a whole-run total in some run (role "total"):
				       * the rows' values of it are NaN (not measured) */
	struct hp_diff_stat before, after;   /* whole-run value, normalized */
};

struct hp_diff_row {
	const char *name;             /* function; for lines, the function holding the line */
	const char *module;           /* module basename, or NULL */
	const char *file;             /* functions: defining file; lines: the line's file; or NULL */
	uint32_t line;                /* lines: the line in the after runs; 0 for functions */
	uint32_t before_line;         /* lines: the line in the before runs (moved when != line) */
	/* time (normalized CPU seconds, or samples with HP_DIFF_TIME_SAMPLES) */
	struct hp_diff_stat before_time, after_time;    /* self */
	struct hp_diff_stat before_ttime, after_ttime;  /* total (lines: = self) */
	struct hp_diff_change self, total;              /* their changes */
	struct hp_diff_stat before_samples, after_samples;  /* total samples per run */
	struct hp_diff_stat before_self_samples, after_self_samples;
	/* the samples the sampling error is of: the samples themselves, or,
	 * for a merge of runs sampled at different rates, the effective count
	 * of the weighted sum (diff_judge.c) - total, then self */
	struct hp_diff_stat before_neff, after_neff, before_self_neff, after_self_neff;
	/* shares of the profile: self%, total% (lines: total = self) */
	struct hp_diff_stat before_self, after_self;
	struct hp_diff_stat before_total, after_total;
	double delta_self, delta_total;                  /* after - before, percentage points */
	int on_total;                 /* the verdict rests on the total time (a caller
				       * whose self time did not change) */
	int in_before, in_after;      /* has samples or counts on that side */
	/* [ncounters] normalized counter values of the row (self: at this
	 * function or line; total: including callees, for functions). */
	struct hp_diff_stat *before_c, *after_c, *before_ct, *after_ct;
	enum hp_verdict verdict;
};

/* A side (before or after) as a whole. */
struct hp_diff_side {
	unsigned runs;
	struct hp_diff_stat duration_s, samples;
	/* the effective samples of all its samples (= samples, unless a run
	 * is a merge of runs at different rates: diff_judge.c) */
	struct hp_diff_stat neff;
	struct hp_diff_stat time;           /* CPU time of every sample, normalized */
	struct hp_diff_stat peak_rss;       /* bytes; mean -1 when unknown */
	struct hp_diff_stat allocs, alloc_bytes;  /* mean -1 unless every run tracked allocations */
};

struct hp_diff {
	struct hp_diff_opts opts;
	enum hp_diff_time_basis basis;
	int welch;                    /* 1: repeated runs on both sides (the pooled spread,
				       * else Welch's t-test); 0: sampling error and the
				       * assumed run noise */
	struct hp_diff_pool pool;
	/* Rows are many tests at once: each is made at row_alpha = alpha /
	 * judged (Bonferroni), so that noise alone gives a faster/slower row in
	 * at most alpha of the diffs; row intervals are (1 - row_alpha). */
	uint32_t judged;              /* rows neither minor nor new/gone */
	double row_alpha;
	struct hp_diff_side before, after;
	/* the whole profile's CPU time, judged like a row; its verdict is the
	 * diff's verdict */
	struct hp_diff_change time;
	enum hp_verdict verdict;
	/* the wall-clock run time: a change with a noise estimate only with
	 * repeated runs (wall_judged); one run each says nothing about it */
	struct hp_diff_change wall;
	int wall_judged;
	enum hp_verdict wall_verdict;
	struct hp_diff_counter *counters;
	uint32_t ncounters;
	/* sorted by |self time change|, then |total time change|, minor rows last */
	struct hp_diff_row *rows;
	uint32_t nrows;
	/* the Python scripts the two sides ran when they are called differently
	 * (julia1.py, julia2.py): their functions and lines were joined as one
	 * script's (diff_join.c); NULL otherwise */
	const char *script_before, *script_after;
	int simulated;                /* every run was simulated (run --cache-sim): no samples */
	int sim_counter;              /* counters[] index of sim_Ir in a simulated diff, else -1 */
	void *priv;                   /* strings and arrays, freed by diff_free */
};

/* Allocation totals of a run (from the store, outside the profile model);
 * sites 0 when the run did not track allocations. */
struct hp_diff_allocs {
	int64_t sites, allocs, bytes;
};

/* Default options: by function, per run, threshold 5%, alpha 0.05,
 * min_samples 10. */
void diff_opts_init(struct hp_diff_opts *o);

/* Compare profiles before[0..nb) with after[0..na) (each side: repeated
 * runs of one program; nb, na >= 1). allocs_before/after may be NULL, else
 * arrays of nb / na. *out is owned by the caller (diff_free); it does not
 * point into the profiles or opts->work. Returns 0, -EINVAL (no runs, or
 * HP_DIFF_PER_WORK without a positive work count per run), or -ENOMEM. */
int diff_profiles(const struct hp_profile *const *before, unsigned nb,
		  const struct hp_profile *const *after, unsigned na,
		  const struct hp_diff_allocs *allocs_before, const struct hp_diff_allocs *allocs_after,
		  const struct hp_diff_opts *opts, struct hp_diff **out);
/* The common case: one profile each side. */
int diff_pair(const struct hp_profile *before, const struct hp_profile *after,
	      const struct hp_diff_opts *opts, struct hp_diff **out);
void diff_free(struct hp_diff *d);

const char *diff_verdict_name(enum hp_verdict v);      /* "faster", ... */
const char *diff_norm_name(enum hp_diff_norm n);       /* "per run", ... */
const char *diff_basis_name(enum hp_diff_time_basis b);  /* "task-clock", ... */
/* The run-to-run spread assumed in d's tests, percent of one run's value:
 * opts.run_noise when a side has a single run, 0 with repeated runs on
 * both sides (Welch measures it) and for simulated counts. */
double diff_run_noise(const struct hp_diff *d);

/* Fieller's interval of after / before - 1 into c->rel_lo, c->rel_hi
 * (struct hp_diff_change): the means b and a, the variances of those
 * means vb and va, and the two-sided critical value q of the test of
 * a - b (q = 0: no noise estimate). The set of ratios t with
 * (a - t b)^2 <= q^2 (va + t^2 vb) (diff_judge.c). */
void diff_ratio_interval(double b, double vb, double a, double va, double q,
			 struct hp_diff_change *c);
/* The interval of a change in percent for display: "±4.1%" when its two
 * sides from the point (rel) differ by a tenth of the wider or less (the
 * wider shown), else its bounds "+240..+520%"; "-94.9..>+999%" past
 * +999%, ">=+108%" with a lower bound only, "unbounded" without a bound,
 * "-" without an interval (ci 0, or nothing before) (diff_text.c). */
void diff_rel_ci_text(char *buf, size_t len, const struct hp_diff_change *c);

/* The time basis a diff of these runs uses: task-clock when every run
 * measured it with its samples, else the sampling period when every run
 * sampled at a known frequency, else sample counts. */
enum hp_diff_time_basis diff_pick_basis(const struct hp_profile *const *runs, unsigned n);
/* The time of `samples` samples of p that carry the counter sums c[]
 * (p's event columns; may be NULL unless the basis is task-clock):
 * seconds, or samples with HP_DIFF_TIME_SAMPLES. Not normalized. */
double diff_time_of(const struct hp_profile *p, enum hp_diff_time_basis b, uint64_t samples,
		    const int64_t *c);

/* The key that joins function f of p with the same function of another
 * profile: its name and module basename, the profiled program itself
 * under one name whatever its file is called, and so the functions of the
 * Python script a Python run ran (diff_script: julia1.py against
 * julia2.py) (diff_join.c). */
struct hp_pfunc;
void diff_function_key(const struct hp_profile *p, const struct hp_pfunc *f, char *buf,
		       size_t len);
/* The name module (a basename) joins by: "\001program" for the profiled
 * binary, "\001script" for the run's script when python (a Python
 * function's file), else module itself. */
const char *diff_join_module(const struct hp_profile *p, const char *module, int python);
/* The basename of the Python script p ran (the first argument of its
 * command after the interpreter that ends in .py; none after -m or -c), in
 * buf, or NULL (not a Python run, no script). */
const char *diff_script(const struct hp_profile *p, char *buf, size_t len);

/* --- regression gates (diff_gate.c): `--fail-if 'total>+3%'` --- */

enum hp_gate_subject { HP_GATE_TOTAL, HP_GATE_WALL, HP_GATE_FUNCTION, HP_GATE_FUNCTION_SELF,
		       HP_GATE_IMBALANCE };

struct hp_diff_gate {
	char text[256];               /* the condition as written */
	enum hp_gate_subject subject;
	char name[200];               /* HP_GATE_FUNCTION*: the function */
	int greater;                  /* 1: '>' (slower than), 0: '<' (faster than) */
	double bound;                 /* the limit: a fraction (0.03) or seconds */
	int relative;                 /* 1: bound is a fraction of the before value */
	/* evaluation (diff_gate_eval) */
	int evaluated;                /* 0: the subject is in neither side */
	double before, after;         /* the subject's time, normalized */
	struct hp_diff_change change;
	int failed;                   /* the change is beyond the noise and its whole
				       * confidence interval is past the bound */
};

/* Parse one condition: SUBJECT OP LIMIT, SUBJECT = total (the CPU time of
 * every sample), wall (run time), imbalance (two MPI jobs' load imbalance,
 * ranks.h; a percentage only), a function name (its total time, with
 * callees) or self:NAME (its self time); OP = > or <; LIMIT = a signed
 * percentage (+3%) or a time (+20ms, 0.5s, 300us). Returns 0 or -EINVAL
 * with *why set to a static explanation. */
int diff_gate_parse(const char *text, struct hp_diff_gate *g, const char **why);

/* Evaluate g on d (a diff by function). Returns 0, or -ENOENT when a
 * function subject is in neither side (g->evaluated stays 0). An
 * imbalance gate is left as it is: diff_gate_eval_imbalance decides it. */
int diff_gate_eval(const struct hp_diff *d, struct hp_diff_gate *g);
/* Evaluate an imbalance gate on the imbalance before and after and its
 * change (delta, half-width ci of its (1 - alpha) interval, p-value). */
void diff_gate_eval_imbalance(struct hp_diff_gate *g, double before, double after, double delta,
			      double ci, double p, double alpha);

/* One line about g (no newline): the condition, the change with its
 * interval, and "failed" / "passed". */
void diff_gate_describe(const struct hp_diff *d, const struct hp_diff_gate *g, char *buf,
			size_t len);

/* --- output (diff_format.c, diff_text.c) --- */
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
	const struct hp_diff_gate *gates;       /* evaluated, shown with the result; may be NULL */
	unsigned ngates;
	/* json: writes more members of the top object, each as ",\n\"name\":
	 * value" (the rank comparison of two MPI jobs); NULL: none */
	void (*json_more)(FILE *out, void *ctx);
	void *json_more_ctx;
};
int diff_print(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o);

/* Check a --counters list (names, or "all") against d's counters: 0, or
 * -EINVAL with why into buf (a name neither profile has, with the ones
 * they have; a counter counted for the whole run only, which has no value
 * per row: its change is in the header). */
int diff_check_counters(const struct hp_diff *d, const char *spec, char *why, size_t len);

#endif

/*
 * stat.h - the parts of `hpprof stat` (private to cmd_stat.c and
 * stat_print.c): its options, and the result of the runs as the printers
 * take it. The counting itself is collector/counting.c, the statistics
 * analyzer/stats.c, the ratios analyzer/metrics.c.
 */
#ifndef HP_CMD_STAT_H
#define HP_CMD_STAT_H

#include <stdio.h>

#include "collector/cachesim.h"
#include "collector/events.h"

struct hp_metric;

/* --cache-sim: one more run, under valgrind's cachegrind (stat_sim.c). */
#define STAT_SIM_MAX 32
struct stat_sim_opts {
	int on;                       /* --cache-sim */
	int fallback;                 /* --cache-sim-fallback: count natively only when it cannot */
	const char *valgrind;         /* --valgrind PATH */
	struct hp_cache_geom I1, D1, LL;
};

/* What the simulated run counted (whole run, every process). */
struct stat_sim {
	int done;                     /* simulated: the fields below are set */
	char tool[96];                /* "valgrind 3.19.0 --tool=cachegrind" */
	char caches[3][96];           /* I1, D1, LL: "32768 B, 8-way, 64 B lines", or "" */
	double elapsed_s;             /* the simulated run, under valgrind */
	int exit_code;
	unsigned nevents;             /* hp_sim_events */
	uint64_t total[STAT_SIM_MAX];
	int counted[STAT_SIM_MAX];
};

struct stat_opts {
	const char *events;           /* -e LIST (every -e, joined); NULL: the default set */
	char *events_joined;          /* owned: the joined lists when -e came more than once */
	int repeat;                   /* -r N */
	int json;                     /* --json */
	const char *sep;              /* -x SEP: CSV with this separator; NULL: the table */
	const char *output;           /* -o FILE; NULL: standard error */
	struct stat_sim_opts sim;     /* --cache-sim */
	char **argv;                  /* PROGRAM [ARGS], NULL-terminated */
};

/* stat_opts.c: parse argv into o. Returns 0 to go on, or the exit status
 * (-1: exit 0 after --help). */
int stat_parse_args(int argc, char **argv, struct stat_opts *o);

/* A value over the runs that measured it. */
struct stat_value {
	unsigned n;                   /* runs with a value */
	double mean, sd;              /* sd: run-to-run sample stddev (0 for one run) */
};

/* What the runs measured for one event of the set. */
struct stat_event {
	struct stat_value v;          /* the count (ns for task-clock and cpu-clock) */
	double running_pct;           /* mean share of the time it counted */
	double running_ns;            /* mean time it counted */
	const struct hp_metric *metric;  /* the ratio beside it, NULL when none */
	double ratio;                 /* its value, when metric */
	int user_only;                /* counted in user space only though its name asks for
				       * the kernel too (not permitted here): shown NAME:u */
};

struct stat_result {
	const struct stat_opts *o;
	const struct hp_event_set *set;
	struct stat_event *ev;        /* set->n */
	const double *per_run;        /* [run * set->n + i]: each run's count, NAN where none */
	int runs;                     /* completed (or interrupted) runs */
	int interrupted;              /* a stop signal ended the runs */
	struct stat_value elapsed, user, sys;   /* seconds */
	long max_rss_kib;             /* the largest over the runs */
	int exit_status;              /* first non-zero target status, as a shell reports it */
	int failed_run;               /* 1-based run that set exit_status, 0 */
	int failed_wstatus;           /* its wait status */
	const struct stat_sim *sim;   /* --cache-sim: the simulated counts, or NULL */
};

/* --- stat_sim.c --- */

/* One --cache-sim option into o (code c: STAT_OPT_*); -1 after printing why. */
enum { STAT_OPT_CACHE_SIM = 300, STAT_OPT_SIM_FALLBACK, STAT_OPT_VALGRIND, STAT_OPT_SIM_I1,
       STAT_OPT_SIM_D1, STAT_OPT_SIM_LL };
int stat_sim_option(struct stat_sim_opts *o, int c, const char *v);
/* Run argv (argv[0] resolved) once under cachegrind into *out. Returns 0
 * (out->done tells whether it simulated: not with --cache-sim-fallback
 * when it could not), or hpprof's exit status after printing why. */
int stat_simulate(const struct stat_sim_opts *o, char **argv, struct stat_sim *out);
/* The simulated counts in each output format, after the measured ones. */
void stat_sim_print_table(FILE *f, const struct stat_sim *s);
void stat_sim_print_csv(FILE *f, const struct stat_sim *s, const char *sep, int repeat);
void stat_sim_print_json(FILE *f, const struct stat_sim *s);

/* --- stat_print.c --- */

/* The table perf stat prints, the CSV of -x, or the JSON object of --json. */
void stat_print_table(FILE *f, const struct stat_result *r);
void stat_print_csv(FILE *f, const struct stat_result *r);
void stat_print_json(FILE *f, const struct stat_result *r);
/* The relative stddev of the mean of v, in percent (0 for one run). */
double stat_rel_stddev(const struct stat_value *v);
/* 1 for task-clock and cpu-clock: shown in msec; they count all CPU time,
 * user and kernel, whatever their modifiers say. */
int stat_is_clock(const struct hp_event *ev);

#endif

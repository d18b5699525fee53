/*
 * cmd_stat.c - `hpprof stat`: counting mode, like `perf stat -r N`.
 *
 * Runs the program N times. Each run forks it gated (collector/launch),
 * opens every available event on the child (pid = child, cpu = -1,
 * inherit, enable_on_exec: counting needs no ring), lets it exec, reaps it
 * with wait4() for its rusage, and reads the scaled counts
 * (collector/events). Prints the mean of each event with the relative
 * stddev of the mean, perf's derived ratios (CPUs utilized, IPC, miss
 * rates), elapsed/user/sys seconds and max RSS, as a table or as JSON.
 * Events that cannot open here are shown as <not supported> or n/a with
 * their reason once below the table — never as 0.
 *
 * Writes no database. Exit status: the target's (see usage()).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/report.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "collector/events.h"
#include "collector/launch.h"
#include "common/error.h"
#include "common/log.h"

#define MAX_REPEAT 100000

struct stat_opts {
	const char *events;      /* -e LIST; NULL: the default set */
	int repeat;              /* -r N */
	int json;                /* --json */
	const char *output;      /* -o FILE; NULL: stdout */
	char **argv;             /* PROGRAM [ARGS], NULL-terminated */
};

/* Mean and stddev of the mean of a series (Welford, as perf stat). */
struct stat_acc {
	size_t n;
	double mean, m2;
};

/* What the runs measured for one event of the set. */
struct stat_event {
	struct stat_acc acc;     /* over runs where the event ran */
	double running_pct;      /* mean share of time the counter ran */
	double *per_run;         /* repeat values; NAN where not counted */
};

struct stat_run {
	int status;              /* wait status */
	double elapsed_s;
	struct rusage ru;
};

struct stat_ctx {
	struct stat_opts o;
	char path[PATH_MAX];     /* PROGRAM resolved */
	char **argv;             /* o.argv with argv[0] = path */
	struct hp_event_set set;
	struct stat_event *ev;   /* set.n */
	int *fds;                /* set.n, one run's counters */
	struct stat_acc elapsed, user, sys;
	long max_rss_kib;
	int runs;                /* completed (or interrupted) runs */
	int exit_status;         /* first non-zero target status, as a shell reports it */
	int failed_run;          /* 1-based run that set exit_status, 0 */
	int failed_wstatus;      /* its wait status */
	FILE *out;
};

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hpprof stat [-e LIST] [-r N] [--json] [-o FILE] [--] PROGRAM [ARGS...]\n"
		"\n"
		"Run PROGRAM and count events, like `perf stat -r N`: each event's mean over\n"
		"the runs with the relative standard deviation of the mean, derived ratios,\n"
		"elapsed, user and sys seconds and the maximum resident set size.\n"
		"\n"
		"  -e, --event LIST   comma-separated event names (see `hpprof list`); default:\n"
		"                     task-clock,context-switches,cpu-migrations,page-faults,\n"
		"                     cycles,instructions,cache-references,cache-misses,\n"
		"                     branch-misses\n"
		"  -r, --repeat N     run PROGRAM N times (default 1, at most %d)\n"
		"      --json         print the result as one JSON object\n"
		"  -o, --output FILE  write the result to FILE instead of stdout\n"
		"  -h, --help         show this help\n"
		"\n"
		"Events that cannot be measured here print as <not supported> or n/a, with the\n"
		"reason once below the table. Ctrl-C stops the runs and prints what was counted.\n"
		"Exit status: PROGRAM's (128+N when signal N killed it; the first failing run's\n"
		"with -r), 127 when PROGRAM is not found, 126 when it cannot be executed,\n"
		"2 for usage errors, 1 when hpprof fails.\n", MAX_REPEAT);
}

static int parse_repeat(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > MAX_REPEAT)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* Returns 0 to go on, or the exit status (0 for --help). */
static int parse_args(int argc, char **argv, struct stat_opts *o)
{
	enum { OPT_JSON = 256 };
	static const struct option longopts[] = {
		{ "event",  required_argument, NULL, 'e' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "json",   no_argument,       NULL, OPT_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->repeat = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:e:r:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o->events = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case 'h': usage(stdout); return -1;
		case 'r':
			if (parse_repeat(optarg, &o->repeat) < 0) {
				hp_err("invalid repeat count '%s': expected 1..%d", optarg, MAX_REPEAT);
				return 2;
			}
			break;
		default: return cmd_option_error(argv, longopts);
		}
	}
	if (optind >= argc) {
		hp_err("no program to run");
		usage(stderr);
		return 2;
	}
	o->argv = argv + optind;
	return 0;
}

/* ---- statistics ---- */

static void acc_add(struct stat_acc *a, double x)
{
	double d = x - a->mean;
	a->n++;
	a->mean += d / (double)a->n;
	a->m2 += d * (x - a->mean);
}

/* Relative stddev of the mean, in percent; 0 for fewer than 2 values. */
static double acc_rel_stddev(const struct stat_acc *a)
{
	if (a->n < 2 || a->mean == 0)
		return 0;
	double var = a->m2 / (double)(a->n - 1);
	return 100.0 * sqrt(var / (double)a->n) / fabs(a->mean);
}

/* ---- signals: forward to the child, stop repeating ---- */

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t got_signal;

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	got_signal = sig;
	/* A terminal's Ctrl-C reached the child already (same process group):
	 * forward only what was sent to hpprof alone (kill, sigqueue). */
	if (child_pid > 0 && si->si_code <= 0)
		kill((pid_t)child_pid, sig);
}

/* A signal ignored when hpprof started (nohup, `cmd &` in a script) stays
 * ignored, for hpprof and for the program. */
static void signals_install(struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++) {
		sigaction(forwarded[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(forwarded[i], &sa, NULL);
	}
}

static void signals_restore(const struct sigaction *old)
{
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &old[i], NULL);
}

/* ---- one run ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void open_counters(struct stat_ctx *c, pid_t pid)
{
	const unsigned flags = HP_EVOPEN_DISABLED | HP_EVOPEN_ENABLE_ON_EXEC | HP_EVOPEN_INHERIT;
	for (size_t i = 0; i < c->set.n; i++) {
		struct hp_event *ev = &c->set.ev[i];
		c->fds[i] = -1;
		if (!ev->available)
			continue;
		int fd = events_open(ev, pid, -1, -1, HP_EVENTS_READ_FORMAT, flags);
		if (fd < 0)
			events_mark_failed(ev, fd);
		else
			c->fds[i] = fd;
	}
}

static void close_counters(struct stat_ctx *c)
{
	for (size_t i = 0; i < c->set.n; i++) {
		if (c->fds[i] >= 0)
			close(c->fds[i]);
		c->fds[i] = -1;
	}
}

static void read_counters(struct stat_ctx *c, int run)
{
	for (size_t i = 0; i < c->set.n; i++) {
		struct stat_event *se = &c->ev[i];
		struct hp_count cnt;
		se->per_run[run] = NAN;
		if (c->fds[i] < 0)
			continue;
		int ret = events_read(c->fds[i], &cnt);
		if (ret < 0) {
			events_mark_failed(&c->set.ev[i], ret);
			continue;
		}
		if (!cnt.counted)
			continue;
		se->running_pct += (cnt.running_pct - se->running_pct) / (double)(se->acc.n + 1);
		acc_add(&se->acc, cnt.value);
		se->per_run[run] = cnt.value;
	}
}

static int wait_child(pid_t pid, int *status, struct rusage *ru)
{
	while (wait4(pid, status, 0, ru) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Keep the first failing run's status; warn once. */
static void note_exit(struct stat_ctx *c, int run, int status)
{
	int code = launch_exit_code(status);
	if (!code || c->exit_status)
		return;
	if (WIFSIGNALED(status))
		hp_warn("'%s' was killed by signal %d (%s) in run %d", c->o.argv[0],
			WTERMSIG(status), strsignal(WTERMSIG(status)), run + 1);
	else
		hp_warn("'%s' exited with status %d in run %d", c->o.argv[0], code, run + 1);
	c->exit_status = code;
	c->failed_run = run + 1;
	c->failed_wstatus = status;
}

static void record_run(struct stat_ctx *c, int run, const struct stat_run *r)
{
	acc_add(&c->elapsed, r->elapsed_s);
	acc_add(&c->user, (double)r->ru.ru_utime.tv_sec + r->ru.ru_utime.tv_usec / 1e6);
	acc_add(&c->sys, (double)r->ru.ru_stime.tv_sec + r->ru.ru_stime.tv_usec / 1e6);
	if (r->ru.ru_maxrss > c->max_rss_kib)
		c->max_rss_kib = r->ru.ru_maxrss;
	note_exit(c, run, r->status);
}

/* Exit status for a program that cannot start, as a shell gives it. */
static int cannot_execute(const char *prog, int err)
{
	hp_err("cannot execute '%s': %s", prog, strerror(-err));
	return err == -ENOENT ? 127 : 126;
}

/* One run. Returns 0; -1 when a signal came before the program started
 * (the run is dropped); or hpprof's exit status when the program could not
 * be run (after saying why). */
static int run_once(struct stat_ctx *c, int run)
{
	struct hp_launch l = { .pid = -1, .gate_fd = -1, .err_fd = -1 };
	struct stat_run r;
	int status = 0;
	int ret = launch_prepare(&l, c->argv);
	if (ret < 0) {
		hp_err("cannot start '%s': %s", c->o.argv[0], strerror(-ret));
		return 1;
	}
	open_counters(c, l.pid);
	child_pid = l.pid;
	if (got_signal) {             /* it may have missed the signal while gated */
		launch_abort(&l);
		status = -1;
		goto out_close;
	}
	double t0 = now_s();
	ret = launch_release(&l);
	if (ret < 0) {                /* exec failed; launch_release reaped the child */
		status = cannot_execute(c->o.argv[0], ret);
		goto out_close;
	}
	ret = wait_child(l.pid, &r.status, &r.ru);
	r.elapsed_s = now_s() - t0;
	if (ret < 0) {
		hp_err("cannot wait for '%s': %s", c->o.argv[0], strerror(-ret));
		status = 1;
		goto out_close;
	}
	child_pid = 0;
	read_counters(c, run);
	record_run(c, run, &r);
out_close:
	child_pid = 0;
	close_counters(c);
	return status;
}

/* ---- derived ratios (data) ---- */

enum ratio_base { BASE_EVENT, BASE_ELAPSED };

struct stat_ratio {
	uint32_t type;              /* the event the ratio is shown beside */
	uint64_t config;
	enum ratio_base base;
	uint32_t btype;             /* the denominator event, for BASE_EVENT */
	uint64_t bconfig;
	double scale;
	const char *unit;           /* NULL: a rate per second, K/M/G-prefixed */
};

#define HW(x)  PERF_TYPE_HARDWARE, PERF_COUNT_HW_##x
#define SW(x)  PERF_TYPE_SOFTWARE, PERF_COUNT_SW_##x
#define CACHE_READ(u, r) PERF_TYPE_HW_CACHE, \
	(PERF_COUNT_HW_CACHE_##u | PERF_COUNT_HW_CACHE_OP_READ << 8 | \
	 (uint64_t)PERF_COUNT_HW_CACHE_RESULT_##r << 16)

static const struct stat_ratio ratios[] = {
	{ SW(TASK_CLOCK),       BASE_ELAPSED, 0, 0,             1e-9, "CPUs utilized" },
	{ SW(CPU_CLOCK),        BASE_ELAPSED, 0, 0,             1e-9, "CPUs utilized" },
	{ SW(CONTEXT_SWITCHES), BASE_EVENT,   SW(TASK_CLOCK),   1e9,  NULL },
	{ SW(CPU_MIGRATIONS),   BASE_EVENT,   SW(TASK_CLOCK),   1e9,  NULL },
	{ SW(PAGE_FAULTS),      BASE_EVENT,   SW(TASK_CLOCK),   1e9,  NULL },
	{ SW(PAGE_FAULTS_MIN),  BASE_EVENT,   SW(TASK_CLOCK),   1e9,  NULL },
	{ SW(PAGE_FAULTS_MAJ),  BASE_EVENT,   SW(TASK_CLOCK),   1e9,  NULL },
	{ HW(CPU_CYCLES),       BASE_EVENT,   SW(TASK_CLOCK),   1,    "GHz" },
	{ HW(INSTRUCTIONS),     BASE_EVENT,   HW(CPU_CYCLES),   1,    "insn per cycle" },
	{ HW(CACHE_REFERENCES), BASE_EVENT,   SW(TASK_CLOCK),   1e9,  NULL },
	{ HW(CACHE_MISSES),     BASE_EVENT,   HW(CACHE_REFERENCES), 100, "% of all cache refs" },
	{ HW(BRANCH_INSTRUCTIONS), BASE_EVENT, SW(TASK_CLOCK),  1e9,  NULL },
	{ HW(BRANCH_MISSES),    BASE_EVENT,   HW(BRANCH_INSTRUCTIONS), 100, "% of all branches" },
	{ CACHE_READ(LL, MISS), BASE_EVENT,   CACHE_READ(LL, ACCESS), 100,
	  "% of all LL-cache accesses" },
	{ CACHE_READ(L1D, MISS), BASE_EVENT,  CACHE_READ(L1D, ACCESS), 100,
	  "% of all L1-dcache accesses" },
	{ CACHE_READ(DTLB, MISS), BASE_EVENT, CACHE_READ(DTLB, ACCESS), 100,
	  "% of all dTLB cache accesses" },
};

#define NRATIOS (sizeof(ratios) / sizeof(ratios[0]))

static int is_event(const struct hp_event *ev, uint32_t type, uint64_t config)
{
	/* Hybrid PMUs put a PMU type in config's upper 32 bits: ignore it. */
	return ev->attr.type == type && (ev->attr.config & 0xffffffffu) == config;
}

/* Mean of the first measured event of the set matching type/config. */
static int find_mean(const struct stat_ctx *c, uint32_t type, uint64_t config, double *mean)
{
	for (size_t i = 0; i < c->set.n; i++) {
		if (c->set.ev[i].available && c->ev[i].acc.n &&
		    is_event(&c->set.ev[i], type, config)) {
			*mean = c->ev[i].acc.mean;
			return 1;
		}
	}
	return 0;
}

/* The ratio shown beside event i: value and unit, or 0 when none. */
static int event_ratio(const struct stat_ctx *c, size_t i, double *value, const char **unit)
{
	const struct hp_event *ev = &c->set.ev[i];
	for (size_t r = 0; r < NRATIOS; r++) {
		const struct stat_ratio *rt = &ratios[r];
		double base;
		if (!is_event(ev, rt->type, rt->config))
			continue;
		if (rt->base == BASE_ELAPSED)
			base = c->elapsed.mean;
		else if (!find_mean(c, rt->btype, rt->bconfig, &base))
			return 0;
		if (base <= 0)
			return 0;
		*value = c->ev[i].acc.mean * rt->scale / base;
		*unit = rt->unit;
		return 1;
	}
	return 0;
}

/* A per-second rate with perf's K/M/G prefixes. */
static const char *rate_unit(double *v)
{
	if (*v >= 1e9) { *v /= 1e9; return "G/sec"; }
	if (*v >= 1e6) { *v /= 1e6; return "M/sec"; }
	if (*v >= 1e3) { *v /= 1e3; return "K/sec"; }
	return "/sec";
}

/* ---- output: table ---- */

static int is_clock(const struct hp_event *ev)
{
	return ev->attr.type == PERF_TYPE_SOFTWARE &&
	       (ev->attr.config == PERF_COUNT_SW_TASK_CLOCK ||
		ev->attr.config == PERF_COUNT_SW_CPU_CLOCK);
}

/* The displayed value: clocks in msec, others as counts. */
static double shown(const struct hp_event *ev, double v)
{
	return is_clock(ev) ? v / 1e6 : v;
}

static int unsupported_errno(int err)
{
	return err == ENOENT || err == EOPNOTSUPP || err == ENODEV;
}

static void print_header(const struct stat_ctx *c, int interrupted)
{
	FILE *f = c->out;
	fprintf(f, "\n Performance counter stats for '");
	for (char **a = c->o.argv; *a; a++)
		fprintf(f, "%s%s", a == c->o.argv ? "" : " ", *a);
	fprintf(f, "'");
	if (interrupted)
		fprintf(f, " (interrupted after %d of %d runs)", c->runs, c->o.repeat);
	else if (c->o.repeat > 1)
		fprintf(f, " (%d runs)", c->runs);
	fprintf(f, ":\n\n");
}

/* Append to a row being built; rows are printed without trailing blanks. */
static void row_add(char *row, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void row_add(char *row, size_t len, const char *fmt, ...)
{
	size_t used = strlen(row);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(row + used, len - used, fmt, ap);
	va_end(ap);
}

static void row_print(FILE *f, char *row)
{
	size_t n = strlen(row);
	while (n && row[n - 1] == ' ')
		row[--n] = '\0';
	fprintf(f, "%s\n", row);
}

static void row_ratio(const struct stat_ctx *c, size_t i, char *row, size_t len)
{
	double v;
	const char *unit;
	if (!event_ratio(c, i, &v, &unit)) {
		row_add(row, len, "  %-36s", "");
		return;
	}
	if (!unit)
		unit = rate_unit(&v);
	row_add(row, len, "  # %8.3f %-25s", v, unit);
}

static void print_event_row(const struct stat_ctx *c, size_t i)
{
	const struct hp_event *ev = &c->set.ev[i];
	const struct stat_event *se = &c->ev[i];
	char row[512] = "";

	if (!ev->available)
		row_add(row, sizeof(row), "%18s      %s",
			unsupported_errno(ev->err) ? "<not supported>" : "n/a", ev->name);
	else if (!se->acc.n)
		row_add(row, sizeof(row), "%18s      %s", "<not counted>", ev->name);
	else if (is_clock(ev))
		row_add(row, sizeof(row), "%18.2f msec %-28s", shown(ev, se->acc.mean), ev->name);
	else
		row_add(row, sizeof(row), "%18.0f      %-28s", se->acc.mean, ev->name);
	if (ev->available && se->acc.n) {
		row_ratio(c, i, row, sizeof(row));
		if (c->runs > 1)
			row_add(row, sizeof(row), "  ( +- %5.2f%% )", acc_rel_stddev(&se->acc));
		if (se->running_pct < 99.995)
			row_add(row, sizeof(row), "  (%.2f%%)", se->running_pct);
	}
	row_print(c->out, row);
}

/* Each distinct reason once, with the names it applies to. */
static void print_reasons(const struct stat_ctx *c)
{
	int heading = 0;
	for (size_t i = 0; i < c->set.n; i++) {
		const struct hp_event *ev = &c->set.ev[i];
		size_t j;
		if (ev->available)
			continue;
		for (j = 0; j < i; j++)
			if (!c->set.ev[j].available && !strcmp(c->set.ev[j].reason, ev->reason))
				break;
		if (j < i)
			continue;         /* reason already printed */
		if (!heading++)
			fprintf(c->out, "\n Not measured:\n");
		fprintf(c->out, "   ");
		for (j = i; j < c->set.n; j++)
			if (!c->set.ev[j].available && !strcmp(c->set.ev[j].reason, ev->reason))
				fprintf(c->out, "%s%s", j == i ? "" : ", ", c->set.ev[j].name);
		fprintf(c->out, ": %s\n", ev->reason);
	}
}

static void print_footer(const struct stat_ctx *c)
{
	FILE *f = c->out;
	if (c->runs > 1)
		fprintf(f, "\n %14.6f +- %.6f seconds time elapsed  ( +- %5.2f%% )\n",
			c->elapsed.mean, c->elapsed.mean * acc_rel_stddev(&c->elapsed) / 100,
			acc_rel_stddev(&c->elapsed));
	else
		fprintf(f, "\n %14.6f seconds time elapsed\n", c->elapsed.mean);
	fprintf(f, "\n %14.6f seconds user\n", c->user.mean);
	fprintf(f, " %14.6f seconds sys\n", c->sys.mean);
	fprintf(f, " %14ld KiB maximum resident set size\n", c->max_rss_kib);
	if (c->exit_status && WIFSIGNALED(c->failed_wstatus))
		fprintf(f, "\n command was killed by signal %d (%s) in run %d\n",
			WTERMSIG(c->failed_wstatus), strsignal(WTERMSIG(c->failed_wstatus)),
			c->failed_run);
	else if (c->exit_status)
		fprintf(f, "\n command exited with status %d in run %d\n", c->exit_status,
			c->failed_run);
	fprintf(f, "\n");
}

static void print_table(const struct stat_ctx *c, int interrupted)
{
	print_header(c, interrupted);
	for (size_t i = 0; i < c->set.n; i++)
		print_event_row(c, i);
	print_reasons(c);
	print_footer(c);
}

/* ---- output: JSON ---- */


static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.15g", v);
	else
		fprintf(f, "null");
}

static void json_event(const struct stat_ctx *c, size_t i)
{
	const struct hp_event *ev = &c->set.ev[i];
	const struct stat_event *se = &c->ev[i];
	FILE *f = c->out;
	double ratio;
	const char *unit;

	fprintf(f, "    {\"name\": ");
	report_json_string(f, ev->name);
	fprintf(f, ", \"unit\": \"%s\", \"measured\": %s", is_clock(ev) ? "msec" : "",
		ev->available && se->acc.n ? "true" : "false");
	if (!ev->available) {
		const char *ename = strerrorname_np(ev->err);
		fprintf(f, ", \"value\": null, \"errno\": ");
		report_json_string(f, ename ? ename : "");
		fprintf(f, ", \"reason\": ");
		report_json_string(f, ev->reason);
		fprintf(f, "}");
		return;
	}
	fprintf(f, ", \"value\": ");
	json_num(f, se->acc.n ? shown(ev, se->acc.mean) : NAN);
	fprintf(f, ", \"stddev_pct\": ");
	json_num(f, se->acc.n > 1 ? acc_rel_stddev(&se->acc) : NAN);
	fprintf(f, ", \"running_pct\": ");
	json_num(f, se->acc.n ? se->running_pct : NAN);
	fprintf(f, ", \"per_run\": [");
	for (int r = 0; r < c->runs; r++) {
		fprintf(f, "%s", r ? ", " : "");
		json_num(f, shown(ev, se->per_run[r]));
	}
	fprintf(f, "]");
	if (se->acc.n && event_ratio(c, i, &ratio, &unit)) {
		fprintf(f, ", \"ratio\": ");
		json_num(f, ratio);
		fprintf(f, ", \"ratio_unit\": ");
		report_json_string(f, unit ? unit : "/sec");
	}
	fprintf(f, "}");
}

static void print_json(const struct stat_ctx *c, int interrupted)
{
	FILE *f = c->out;
	fprintf(f, "{\n  \"command\": [");
	for (char **a = c->o.argv; *a; a++) {
		fprintf(f, "%s", a == c->o.argv ? "" : ", ");
		report_json_string(f, *a);
	}
	fprintf(f, "],\n  \"runs\": %d,\n  \"runs_requested\": %d,\n"
		"  \"interrupted\": %s,\n  \"exit_status\": %d,\n  \"events\": [\n",
		c->runs, c->o.repeat, interrupted ? "true" : "false", c->exit_status);
	for (size_t i = 0; i < c->set.n; i++) {
		json_event(c, i);
		fprintf(f, "%s\n", i + 1 < c->set.n ? "," : "");
	}
	fprintf(f, "  ],\n  \"elapsed_s\": ");
	json_num(f, c->elapsed.mean);
	fprintf(f, ",\n  \"elapsed_stddev_pct\": ");
	json_num(f, c->runs > 1 ? acc_rel_stddev(&c->elapsed) : NAN);
	fprintf(f, ",\n  \"user_s\": ");
	json_num(f, c->user.mean);
	fprintf(f, ",\n  \"sys_s\": ");
	json_num(f, c->sys.mean);
	fprintf(f, ",\n  \"max_rss_kib\": %ld\n}\n", c->max_rss_kib);
}

/* ---- setup ---- */

static int setup_events(struct stat_ctx *c)
{
	unsigned plm = events_default_plm();
	int ret = c->o.events ? events_parse(&c->set, c->o.events, plm)
			      : events_default(&c->set, plm);
	if (ret < 0) {
		hp_err("%s", c->set.error[0] ? c->set.error : hp_strerror(ret));
		return ret;
	}
	if (!events_probe(&c->set))
		hp_warn("none of the events can be measured here");
	return 0;
}

static int setup_results(struct stat_ctx *c)
{
	size_t n = c->set.n;
	c->ev = calloc(n ? n : 1, sizeof(*c->ev));
	c->fds = calloc(n ? n : 1, sizeof(*c->fds));
	if (!c->ev || !c->fds)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		c->ev[i].per_run = malloc((size_t)c->o.repeat * sizeof(double));
		if (!c->ev[i].per_run)
			return -ENOMEM;
	}
	return 0;
}

static void release_results(struct stat_ctx *c)
{
	for (size_t i = 0; c->ev && i < c->set.n; i++)
		free(c->ev[i].per_run);
	free(c->ev);
	free(c->fds);
}

/* argv for launch_prepare: argv[0] is the resolved path. */
static char **target_argv(struct stat_ctx *c)
{
	size_t n = 0;
	while (c->o.argv[n])
		n++;
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	v[0] = c->path;
	for (size_t i = 1; i < n; i++)
		v[i] = c->o.argv[i];
	return v;
}

static int open_output(struct stat_ctx *c)
{
	c->out = stdout;
	if (!c->o.output)
		return 0;
	c->out = fopen(c->o.output, "we");
	if (!c->out) {
		hp_err("cannot open output '%s': %s", c->o.output, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Flush (and close a -o file); a write error is hpprof's failure. */
static int close_output(struct stat_ctx *c)
{
	int bad = c->out == stdout ? fflush(stdout) != 0 : fclose(c->out) != 0;
	if (bad) {
		hp_err("cannot write output '%s': %s", c->o.output ? c->o.output : "<stdout>",
		       strerror(errno));
		return -EIO;
	}
	return 0;
}

/* Run the program up to repeat times. Returns 0, or hpprof's exit status
 * when a run could not happen. */
static int run_all(struct stat_ctx *c)
{
	struct sigaction old[NFORWARDED];
	int status = 0;
	got_signal = 0;
	signals_install(old);
	for (int run = 0; run < c->o.repeat && !got_signal; run++) {
		status = run_once(c, run);
		if (status)
			break;
		c->runs++;
	}
	if (status < 0)
		status = 0;               /* interrupted between runs */
	signals_restore(old);
	return status;
}

int cmd_stat(int argc, char **argv)
{
	struct stat_ctx c;
	int status;

	memset(&c, 0, sizeof(c));
	events_init(&c.set);
	status = parse_args(argc, argv, &c.o);
	if (status)
		return status < 0 ? 0 : status;

	int ret = launch_resolve(c.o.argv[0], c.path, sizeof(c.path));
	if (ret < 0)
		return cannot_execute(c.o.argv[0], ret);
	status = 2;
	if (setup_events(&c) < 0)
		goto out_events;
	status = 1;
	if (setup_results(&c) < 0 || !(c.argv = target_argv(&c))) {
		hp_err("out of memory");
		goto out_results;
	}
	if (open_output(&c) < 0)
		goto out_argv;

	status = run_all(&c);
	if (c.runs) {                 /* what was counted, even if a later run failed */
		if (c.o.json)
			print_json(&c, got_signal != 0);
		else
			print_table(&c, got_signal != 0);
		if (!status)
			status = c.exit_status;
	}
	if (!status && got_signal)
		status = 128 + got_signal;   /* stopped by the user */
	if (close_output(&c) < 0 && !status)
		status = 1;
out_argv:
	free(c.argv);
out_results:
	release_results(&c);
out_events:
	events_release(&c.set);
	return status;
}

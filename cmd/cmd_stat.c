/*
 * cmd_stat.c - `hpprof stat`: counting mode, like `perf stat -r N`.
 *
 * Runs the program N times with every available event counting on it
 * (collector/counting.c), reduces each event's counts over the runs to a
 * mean and a relative stddev of the mean (analyzer/stats.c), adds the
 * ratio perf stat shows beside it (analyzer/metrics.c), and prints the
 * table, CSV (-x) or JSON (stat_print.c) to standard error, as perf stat
 * does, or to -o FILE: standard output stays the program's. Events that
 * cannot open here are shown as <not supported> or n/a with their reason
 * - never as 0.
 *
 * Writes no database. Exit status: the target's (see stat_opts.c, usage()).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "analyzer/metrics.h"
#include "analyzer/stats.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/stat.h"
#include "collector/counting.h"
#include "collector/events.h"
#include "collector/launch.h"
#include "common/error.h"
#include "common/log.h"

struct stat_ctx {
	struct stat_opts o;
	char path[PATH_MAX];          /* PROGRAM resolved */
	char **argv;                  /* o.argv with argv[0] = path */
	struct hp_event_set set;
	/* per run: [run * set.n + i] for events, [run] for the times */
	double *value, *running_pct, *running_ns;
	double *elapsed, *user, *sys;
	double *scratch;              /* repeat values being reduced */
	struct stat_event *ev;
	struct stat_result res;
	struct stat_sim sim;          /* --cache-sim */
	FILE *out;                    /* -o FILE (its temporary file) or stderr */
	struct hp_outfile file;       /* -o FILE */
	int uncounted;                /* runs whose counts missed most of the program */
};

/* ---- the runs ---- */

/* Keep the first failing run's status; warn once. */
static void note_exit(struct stat_ctx *c, int run, int status)
{
	int code = launch_exit_code(status);
	if (!code || c->res.exit_status)
		return;
	if (WIFSIGNALED(status))
		hp_warn("'%s' was killed by signal %d (%s) in run %d", c->o.argv[0],
			WTERMSIG(status), strsignal(WTERMSIG(status)), run + 1);
	else
		hp_warn("'%s' exited with status %d in run %d", c->o.argv[0], code, run + 1);
	c->res.exit_status = code;
	c->res.failed_run = run + 1;
	c->res.failed_wstatus = status;
}

/* task-clock's count of a run over the program's CPU time by its rusage
 * (it and the children it reaped), or -1 when task-clock did not count or
 * the program used under 10 ms. The two agree but for each process's time
 * after the kernel detached its events at its exit (a shell running
 * /bin/true 300 times: 89%, julia 99.98%); far less means the kernel
 * removed the events of a process whose exec raised its privileges. */
static double counted_share(const struct stat_ctx *c, const double *value, double cpu_s)
{
	for (size_t i = 0; i < c->set.n; i++) {
		const struct hp_event *ev = &c->set.ev[i];
		if (ev->available && ev->attr.type == PERF_TYPE_SOFTWARE &&
		    ev->attr.config == PERF_COUNT_SW_TASK_CLOCK && !isnan(value[i]))
			return cpu_s >= 0.01 ? value[i] / 1e9 / cpu_s : -1;
	}
	return -1;
}

/* Counts that saw less than half of the program's CPU time after its exec
 * are not its counts: shown as not counted, and said once. The child's
 * time before its exec is not the program's and no counter runs then: on a
 * loaded machine it was half of `sleep`'s 12 ms (CI, stat_sigint). */
static void check_counted(struct stat_ctx *c, int run, double exec_cpu_s)
{
	double *value = c->value + (size_t)run * c->set.n;
	double cpu = fmax(c->user[run] + c->sys[run] - exec_cpu_s, 0);
	double share = counted_share(c, value, cpu);
	char why[160];
	if (share < 0 || share >= 0.5)
		return;
	for (size_t i = 0; i < c->set.n; i++)
		value[i] = NAN;
	if (c->uncounted++)
		return;
	cmd_setid_of(c->path, why, sizeof(why));
	if (why[0])
		hp_warn("'%s'%s: run %d counted %.1f ms of its %.1f ms of CPU time after its"
			" exec (its rusage), the kernel stops perf events at an exec that raises privileges; the run's"
			" counts are not shown. To count it, " CMD_SETID_FIX, c->o.argv[0], why,
			run + 1, share * cpu * 1e3, cpu * 1e3);
	else
		hp_warn("run %d counted %.1f ms of the program's %.1f ms of CPU time after its exec"
			" (its rusage):"
			" a process whose exec raised its privileges (set-user-ID, set-group-ID,"
			" file capabilities) was not counted, the kernel stops perf events at such an"
			" exec; the run's counts are not shown. To count it, " CMD_SETID_FIX,
			run + 1, share * cpu * 1e3, cpu * 1e3);
}

static void record_run(struct stat_ctx *c, int run, const struct hp_count_run *r)
{
	c->elapsed[run] = r->elapsed_s;
	c->user[run] = (double)r->ru.ru_utime.tv_sec + r->ru.ru_utime.tv_usec / 1e6;
	c->sys[run] = (double)r->ru.ru_stime.tv_sec + r->ru.ru_stime.tv_usec / 1e6;
	if (r->ru.ru_maxrss > c->res.max_rss_kib)
		c->res.max_rss_kib = r->ru.ru_maxrss;
	note_exit(c, run, r->wstatus);
	check_counted(c, run, r->exec_cpu_s);
}

/* Run the program up to repeat times. Returns 0, or hpprof's exit status
 * when a run could not happen (after saying why). */
static int run_all(struct stat_ctx *c)
{
	struct hp_count_signals saved;
	size_t n = c->set.n;
	int status = 0;
	counting_signals_install(&saved);
	for (int run = 0; run < c->o.repeat && !counting_stop_signal(); run++) {
		struct hp_count_run r = { .value = c->value + (size_t)run * n,
					  .running_pct = c->running_pct + (size_t)run * n,
					  .running_ns = c->running_ns + (size_t)run * n };
		enum hp_count_step step;
		int err = counting_run(&c->set, c->argv, c->o.argv[0], &r, &step);
		if (err == -EINTR)
			break;            /* a signal before the program started: no run */
		if (err) {
			if (step == HP_COUNT_EXEC)
				status = cmd_cannot_execute(c->o.argv[0], err);
			else
				hp_err("cannot %s '%s': %s", step == HP_COUNT_WAIT ? "wait for" : "start",
				       c->o.argv[0], strerror(-err));
			status = status ? status : 1;
			break;
		}
		record_run(c, run, &r);
		c->res.runs++;
	}
	c->res.interrupted = counting_stop_signal() != 0;
	counting_signals_restore(&saved);
	return status;
}

/* ---- the statistics ---- */

/* Mean and stddev of the runs' values v[run * stride] that are numbers. */
static struct stat_value reduce(struct stat_ctx *c, const double *v, size_t stride)
{
	struct stat_value s = { 0, 0, 0 };
	for (int run = 0; run < c->res.runs; run++)
		if (!isnan(v[(size_t)run * stride]))
			c->scratch[s.n++] = v[(size_t)run * stride];
	stats_mean_sd(c->scratch, s.n, 1, &s.mean, &s.sd);
	return s;
}

/* Mean of the first event of the set that is den and was measured. */
static int find_mean(const struct stat_ctx *c, const struct hp_metric_event *den, double *mean)
{
	for (size_t i = 0; i < c->set.n; i++) {
		const struct hp_event *ev = &c->set.ev[i];
		if (ev->available && c->ev[i].v.n &&
		    metrics_event_is(den, ev->attr.type, ev->attr.config)) {
			*mean = c->ev[i].v.mean;
			return 1;
		}
	}
	return 0;
}

/* The ratio shown beside event i, when its inputs were measured. */
static void event_ratio(struct stat_ctx *c, size_t i)
{
	const struct hp_event *ev = &c->set.ev[i];
	struct stat_event *se = &c->ev[i];
	const struct hp_metric *m = metrics_for_event(ev->attr.type, ev->attr.config);
	double base = c->res.elapsed.mean;
	se->metric = NULL;
	if (!m || !ev->available || !se->v.n)
		return;
	if (m->base == HP_METRIC_PER_EVENT && !find_mean(c, &m->den, &base))
		return;
	if (metrics_value(m, se->v.mean, base, &se->ratio))
		se->metric = m;
}

static void summarize(struct stat_ctx *c)
{
	size_t n = c->set.n;
	c->res.elapsed = reduce(c, c->elapsed, 1);
	c->res.user = reduce(c, c->user, 1);
	c->res.sys = reduce(c, c->sys, 1);
	for (size_t i = 0; i < n; i++) {
		c->ev[i].v = reduce(c, c->value + i, n);
		c->ev[i].running_pct = reduce(c, c->running_pct + i, n).mean;
		c->ev[i].running_ns = reduce(c, c->running_ns + i, n).mean;
	}
	for (size_t i = 0; i < n; i++)
		event_ratio(c, i);
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

/* Events that count user space only because the kernel is not permitted
 * here, though their names carry no :u: the same list resolved with the
 * kernel allowed differs for them. The clocks count all CPU time either way. */
static void mark_user_only(struct stat_ctx *c)
{
	const unsigned both = HP_EV_USER | HP_EV_KERNEL;
	struct hp_event_set all;
	if (events_default_plm() & HP_EV_KERNEL)
		return;
	events_init(&all);
	int ret = c->o.events ? events_parse(&all, c->o.events, both) : events_default(&all, both);
	for (size_t i = 0; !ret && i < c->set.n && i < all.n; i++) {
		const struct hp_event *ev = &c->set.ev[i];
		c->ev[i].user_only = ev->available && !stat_is_clock(ev) &&
				     ev->attr.exclude_kernel && !all.ev[i].attr.exclude_kernel;
	}
	events_release(&all);
}

static int setup(struct stat_ctx *c)
{
	size_t n = c->set.n ? c->set.n : 1, runs = (size_t)c->o.repeat, argc = 0;
	double **per_event[] = { &c->value, &c->running_pct, &c->running_ns };
	double **per_run[] = { &c->elapsed, &c->user, &c->sys, &c->scratch };
	for (size_t k = 0; k < sizeof(per_event) / sizeof(per_event[0]); k++)
		if (!(*per_event[k] = calloc(runs * n, sizeof(double))))
			return -ENOMEM;
	for (size_t k = 0; k < sizeof(per_run) / sizeof(per_run[0]); k++)
		if (!(*per_run[k] = calloc(runs, sizeof(double))))
			return -ENOMEM;
	c->ev = calloc(n, sizeof(*c->ev));
	while (c->o.argv[argc])
		argc++;
	c->argv = calloc(argc + 1, sizeof(*c->argv));
	if (!c->ev || !c->argv)
		return -ENOMEM;
	c->argv[0] = c->path;              /* argv[0] resolved: exec'd, valgrind's */
	for (size_t i = 1; i < argc; i++)
		c->argv[i] = c->o.argv[i];
	c->res = (struct stat_result){ .o = &c->o, .set = &c->set, .ev = c->ev,
				       .per_run = c->value };
	return 0;
}

static void release(struct stat_ctx *c)
{
	void *arrays[] = { c->value, c->running_pct, c->running_ns, c->elapsed, c->user,
			   c->sys, c->scratch, c->ev, c->argv };
	for (size_t k = 0; k < sizeof(arrays) / sizeof(arrays[0]); k++)
		free(arrays[k]);
	free(c->o.events_joined);
	events_release(&c->set);
}

/* --cache-sim: no valgrind, no runs (unless --cache-sim-fallback says to
 * count without it). Returns 0 to go on, or the exit status. */
static int check_valgrind(struct stat_ctx *c)
{
	char path[PATH_MAX], why[1024];
	if (!cachesim_find_valgrind(c->o.sim.valgrind, path, sizeof(path), why, sizeof(why)))
		return 0;
	if (c->o.sim.fallback) {
		hp_warn("cannot simulate '%s': %s; counting without a simulation"
			" (--cache-sim-fallback)", c->o.argv[0], why);
		c->o.sim.on = 0;
		return 0;
	}
	hp_err("cannot simulate '%s': %s; install valgrind (Debian: apt-get install valgrind) or"
	       " simulate with --valgrind PATH (or HPPROF_VALGRIND=PATH); --cache-sim-fallback"
	       " counts without a simulation", c->o.argv[0], why);
	return 1;
}

/* ---- output: -o FILE or standard error ---- */

static int open_output(struct stat_ctx *c)
{
	c->out = stderr;
	if (!c->o.output)
		return 0;
	if (cmd_output_open(&c->file, c->o.output, "cannot open output"))
		return -1;
	c->out = c->file.f;
	return 0;
}

/* Flush (and put a -o file in place: written beside it, renamed when
 * complete); a write error is hpprof's failure. */
static int close_output(struct stat_ctx *c, int ok)
{
	if (!c->out)
		return 0;
	if (c->out != stderr)
		return cmd_output_close(&c->file, ok) ? -EIO : 0;
	if (fflush(stderr) != 0) {
		hp_err("cannot write output '<stderr>': %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

static void print_result(const struct stat_ctx *c)
{
	if (c->o.json)
		stat_print_json(c->out, &c->res);
	else if (c->o.sep)
		stat_print_csv(c->out, &c->res);
	else
		stat_print_table(c->out, &c->res);
}

int cmd_stat(int argc, char **argv)
{
	struct stat_ctx c;
	int status;

	memset(&c, 0, sizeof(c));
	events_init(&c.set);
	status = stat_parse_args(argc, argv, &c.o);
	if (status)
		return status < 0 ? 0 : status;

	int ret = launch_resolve(c.o.argv[0], c.path, sizeof(c.path));
	if (ret < 0)
		return cmd_cannot_execute(c.o.argv[0], ret);
	status = 2;
	if (setup_events(&c) < 0)
		goto out;
	status = 1;
	if (setup(&c) < 0) {
		hp_err("out of memory");
		goto out;
	}
	mark_user_only(&c);
	if (open_output(&c) < 0)
		goto out;
	if (c.o.sim.on && (status = check_valgrind(&c)))
		goto out_close;
	status = run_all(&c);
	if (c.o.sim.on && c.res.runs && !c.res.interrupted) {
		int sim_status = stat_simulate(&c.o.sim, c.argv, &c.sim);
		if (c.sim.done)
			c.res.sim = &c.sim;
		if (sim_status && !status)
			status = sim_status;
	}
	if (c.res.runs) {             /* what was counted, even if a later run failed */
		summarize(&c);
		print_result(&c);
		if (!status)
			status = c.res.exit_status;
	}
	if (!status && c.res.interrupted)
		status = 128 + counting_stop_signal();   /* stopped by the user */
out_close:
	if (close_output(&c, c.res.runs > 0) < 0 && !status)
		status = 1;
out:
	release(&c);
	return status;
}

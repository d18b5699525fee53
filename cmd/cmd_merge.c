/*
 * cmd_merge.c - `hpprof merge`: one database from several runs.
 *
 * The store copies the runs (store_merge: ids remapped, identical code
 * shared, each run kept apart in the runs table and threads/processes.run);
 * this command sets the run_info totals of the merged file (samples and
 * durations summed), writes its statistics and views like `run` does, and
 * checks that no sample was lost on the way.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "common/error.h"
#include "common/log.h"
#include "common/outfile.h"
#include "common/satarith.h"
#include "common/store.h"

static const char usage_text[] =
	"usage: hpprof merge [OPTIONS] -o OUT.db A.db B.db...\n"
	"\n"
	"Combine the profiles A.db, B.db, ... into one database. Every sample is\n"
	"kept (sample counts add up) and each run stays distinguishable: the runs\n"
	"table lists the inputs, and threads.run / processes.run say which run a\n"
	"thread or process came from. Identical binaries share their functions,\n"
	"so report, diff and export see one profile of all the runs.\n"
	"\n"
	"For an MPI job (one database per rank: run -o prof.%r.db) each rank stays\n"
	"a run of its own (rank_profile view, report --ranks); merge warns about\n"
	"ranks of the job that no input holds, and ranks that failed.\n"
	"\n"
	"  -o, --output FILE    the merged database (required)\n"
	"      --force          replace FILE when it exists\n"
	"  -q, --quiet          no notes or progress on stderr (warnings and errors stay)\n"
	"  -h, --help           this help\n";

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "force",  no_argument,       NULL, 'F' },
	{ "quiet",  no_argument,       NULL, 'q' },
	{ "help",   no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct merge_cmd {
	const char *output;
	int force;
	const char *const *inputs;
	unsigned n;
};

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int parse(int argc, char **argv, struct merge_cmd *o)
{
	int c;
	while ((c = getopt_long(argc, argv, "o:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case 'F': o->force = 1; break;
		case 'q': hp_quiet = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return cmd_option_error(argv, long_opts);
		}
	}
	o->inputs = (const char *const *)argv + optind;
	o->n = (unsigned)(argc - optind);
	if (!o->output || !o->n) {
		hp_err("merge needs -o OUT.db and at least one database to merge");
		return 2;
	}
	for (unsigned i = 0; i < o->n; i++)
		if (same_file(o->inputs[i], o->output)) {
			hp_err("cannot merge '%s' into itself: choose another -o", o->inputs[i]);
			return 2;
		}
	for (unsigned i = 0; i < o->n; i++)     /* a glob and a name, or a typo: say so */
		for (unsigned j = 0; j < i; j++)
			if (same_file(o->inputs[i], o->inputs[j])) {
				hp_warn("'%s' is given twice (inputs %u and %u): its samples count"
					" twice", o->inputs[i], j + 1, i + 1);
				break;
			}
	return -1;
}

/* run_info facts that add up over the inputs (the off-CPU, allocation and
 * Python counts) or are the largest input's. They used to be the first
 * input's: a merge of two --alloc runs said the first run's calls, and a
 * run without --alloc merged first hid the others' allocations ("not
 * tracked") while alloc_sites held them. Inputs without the fact are left
 * out; no input with it writes no row. */
enum { FACT_SUM, FACT_MAX };
#define FSUM(f) { #f, offsetof(struct hp_run_facts, f), FACT_SUM }
#define FMAX(f) { #f, offsetof(struct hp_run_facts, f), FACT_MAX }
static const struct { const char *key; size_t off; int op; } merged_facts[] = {
	FSUM(offcpu_intervals), FSUM(offcpu_ns), FSUM(offcpu_no_stack), FSUM(offcpu_sampled),
	FSUM(offcpu_unsampled), FSUM(alloc_count), FSUM(alloc_frees), FSUM(alloc_dropped),
	FSUM(alloc_unknown_frees), FSUM(alloc_temporary), FSUM(alloc_stream_bytes),
	FSUM(alloc_stream_events), FSUM(alloc_writer_waits), FSUM(alloc_writer_wait_ns),
	FMAX(alloc_sample_bytes), FMAX(alloc_target_bytes), FMAX(hpprof_peak_rss_bytes),
	FSUM(python_merged), FSUM(python_truncated), FSUM(python_unmerged),
	FSUM(python_unresolved), FSUM(python_native), FSUM(python_backoff),
	FSUM(agent_stood_aside), FSUM(unwind_ns), FSUM(symbolize_ns), FSUM(symbol_cache_misses),
	FSUM(privileged_execs), FSUM(alloc_untracked), FSUM(unseen_ns), FSUM(unseen_partial_ns),
};
#define NMERGED (sizeof(merged_facts) / sizeof(merged_facts[0]))

/* What ran where (run_info target, cwd, kernel_name, hostname): the
 * inputs' distinct values, so that the merged file says them all when
 * they differ instead of the first input's alone. */
#define WHERE_MAX 8                   /* values named; more are counted */
struct where {
	const char *key, *what;       /* run_info key; "targets", "directories"... */
	char *v[WHERE_MAX];
	unsigned n;                   /* distinct values (named or not) */
	int missing;                  /* an input had none */
	char text[1024];
};
enum { W_TARGET, W_CWD, W_KERNEL, W_HOST, NWHERE };

/* Sums and agreements over the inputs' run_info. */
struct totals {
	struct where where[NWHERE];
	char *start_first, *start_last;   /* the earliest and the latest start_time */
	int64_t start_first_s, start_last_s;
	unsigned starts;              /* inputs with a start_time */
	int64_t fact[NMERGED];        /* merged_facts, HP_FACT_UNSET until an input has it */
	int64_t heap_peak, heap_peak_pid, heap_peak_t_ns;  /* the largest process heap peak */
	unsigned heap_peak_run;       /* ... of input (runs.id; 0: of a merged input) */
	unsigned out_runs;            /* runs of the inputs read so far (a merged one: its runs) */
	int64_t cpu_sample_ns;        /* the first input's, or HP_FACT_UNSET */
	int cpu_sample_differs;       /* an input's differs (or is absent): no one figure */
	int cpu_sample_missing;       /* an input's is absent: its samples are counts */
	unsigned alloc_runs;          /* inputs with allocation tracking */
	char *alloc_mode;             /* their alloc_tracking, combined */
	int64_t duration_ns, lost, fault_samples, complete, cut, hole, joined, entry, peak_rss,
		frequency;
	unsigned lost_kernel, lost_reported;  /* inputs whose lost_count is "kernel", "reported only" */
	int64_t fault_period;
	double user_s, sys_s;         /* summed; NAN once an input lacks them */
	int frequency_differs, fault_period_differs, command_differs;
	char *command;
	int64_t longest_ns;           /* the longest input's duration */
	int ranks;                    /* inputs that are ranks of the first input's MPI job */
	char *job;                    /* that job's id */
	int64_t exit_status;          /* the first input's, or the first that failed */
	char *signal;                 /* ... and the signal that ended it */
	int64_t interrupted;          /* an input was stopped with Ctrl-C / SIGTERM */
	unsigned failed;              /* inputs whose program failed (status != 0) */
	unsigned unfinished;          /* inputs whose hpprof never finished them */
};

/* The merged exit status is the first input's, or the first failure's: a
 * merge whose second run died of SIGSEGV said "exit status: 0". Each run's
 * own stays in the runs table; merge warns about the failed ones. */
static int add_exit(struct hp_store *st, struct totals *t, const char *path, unsigned i)
{
	int64_t status = store_get_meta_int(st, "exit_status", HP_FACT_UNSET);
	char *sig = NULL;
	if (store_get_meta_int(st, "interrupted", 0) > 0)
		t->interrupted = 1;
	char *u = NULL;
	if (!store_get_meta(st, "unfinished", &u) && u)
		t->unfinished++;
	free(u);
	if (!i)
		t->exit_status = status;
	if (status == HP_FACT_UNSET || !status)
		return 0;
	int err = store_get_meta(st, "signal", &sig);
	if (store_get_meta_int(st, "mpi_rank", -1) < 0)   /* a rank's: rank_notes says it */
		hp_warn("'%s': its program %s %lld%s%s%s", path, sig ? "ended with status" :
			"exited with status", (long long)status, sig ? " (" : "", sig ? sig : "",
			sig ? ")" : "");
	if (t->failed++) {
		free(sig);
		return err;
	}
	t->exit_status = status;
	t->signal = sig;
	return err;
}

/* Count the input if it is a rank of the job of the first rank seen. */
static void note_rank(struct hp_store *st, struct totals *t)
{
	char *job = NULL;
	if (store_get_meta_int(st, "mpi_rank", -1) < 0 || store_get_meta(st, "mpi_job", &job) || !job)
		return;
	if (!t->job)
		t->job = job;
	else if (strcmp(t->job, job))
		t->ranks = -(int)UINT16_MAX;   /* ranks of different jobs: sum as unrelated runs */
	if (job != t->job)
		free(job);
	t->ranks++;
}

/* An input whose `hpprof run` never finished (the profiler was killed
 * with its rank): finish it as report would, so its samples are merged. */
static struct hp_store *open_finished(const char *path)
{
	struct hp_store *st = cmd_open_db(path, 0);
	if (!st || store_is_symbolized(st) || !store_has_locations(st))
		return st;
	store_close(st);
	profile_free(cmd_load_profile(path, NULL, NULL));
	return cmd_open_db(path, 0);
}

/* A run_info value in seconds, NAN when absent or not a number. */
static double meta_seconds(struct hp_store *st, const char *key)
{
	char *v = NULL, *end;
	double s = NAN;
	if (!store_get_meta(st, key, &v) && v) {
		s = strtod(v, &end);
		if (end == v || *end)
			s = NAN;
	}
	free(v);
	return s;
}

static void add_facts(struct hp_store *st, struct totals *t, unsigned run)
{
	for (size_t k = 0; k < NMERGED; k++) {
		int64_t v = store_get_meta_int(st, merged_facts[k].key, HP_FACT_UNSET);
		if (v == HP_FACT_UNSET)
			continue;
		if (t->fact[k] == HP_FACT_UNSET)
			t->fact[k] = v;
		else if (merged_facts[k].op == FACT_SUM)
			t->fact[k] = hp_add_sat(t->fact[k], v);
		else if (v > t->fact[k])
			t->fact[k] = v;
	}
	int64_t peak = store_get_meta_int(st, "heap_peak_bytes", -1);
	if (peak > t->heap_peak) {
		t->heap_peak = peak;
		t->heap_peak_pid = store_get_meta_int(st, "heap_peak_pid", HP_FACT_UNSET);
		t->heap_peak_t_ns = store_get_meta_int(st, "heap_peak_t_ns", HP_FACT_UNSET);
		t->heap_peak_run = run;
	}
}

/* How an input counted its lost samples (run_info lost_count). */
static void add_lost_count(struct hp_store *st, struct totals *t)
{
	char *how = NULL;
	if (store_get_meta(st, "lost_count", &how) < 0 || !how)
		return;
	if (!strcmp(how, "kernel"))
		t->lost_kernel++;
	else if (!strncmp(how, "reported", 8))
		t->lost_reported++;
	free(how);
}

/* The merged lost_count: a lower bound when an input's was one, the
 * kernel's count when every input's was, else unsaid (inputs written
 * before run_info had it). */
static const char *lost_count_text(const struct totals *t, unsigned n, char *buf, size_t len)
{
	if (t->lost_reported) {
		snprintf(buf, len, "reported only (%u of %u merged runs counted only the losses their"
			 " rings reported)", t->lost_reported, n);
		return buf;
	}
	return t->lost_kernel == n ? "kernel" : NULL;
}

/* The inputs' alloc_tracking ("exact", "sampled", or "... incomplete" when
 * tracking stopped) as one: theirs when they agree, else the incomplete
 * one, else "sampled" (some totals are estimates). */
static int add_alloc_mode(struct hp_store *st, struct totals *t)
{
	char *mode = NULL;
	if (store_get_meta(st, "alloc_tracking", &mode) || !mode)
		return 0;
	char *part = strstr(mode, "; in ");   /* a merged input's "; in K of N merged runs" */
	if (part)
		*part = '\0';
	t->alloc_runs++;
	if (!t->alloc_mode || strstr(mode, "incomplete")) {
		free(t->alloc_mode);
		t->alloc_mode = mode;
		return 0;
	}
	if (strcmp(mode, t->alloc_mode) && !strstr(t->alloc_mode, "incomplete")) {
		free(t->alloc_mode);
		t->alloc_mode = strdup("sampled");
	}
	free(mode);
	return t->alloc_mode ? 0 : -ENOMEM;
}

/* CPU time per sample: one figure for the merged file, or none. Each run
 * of the input counts: a merged input of runs at different rates has no
 * figure of its own, its runs have theirs (run_meta). */
struct cpu_sample_ctx { struct totals *t; int first, merged; unsigned n; };

static int on_run_cpu_sample(void *ctx, const struct hp_run_row *r)
{
	struct cpu_sample_ctx *k = ctx;
	int64_t ns = r->cpu_sample_ns > 0 ? r->cpu_sample_ns : HP_FACT_UNSET;
	k->t->cpu_sample_missing |= ns == HP_FACT_UNSET;
	if (k->first)
		k->t->cpu_sample_ns = ns;
	else if (ns != k->t->cpu_sample_ns)
		k->t->cpu_sample_differs = 1;
	k->first = 0;
	k->merged |= r->id > 0;
	k->n++;
	return 0;
}

/* Input i's periods, and the runs.id its run will have in the merged file
 * (*run; 0 for a merged input, whose runs stay runs of their own). */
static int read_runs(struct hp_store *st, struct totals *t, unsigned i, unsigned *run)
{
	struct cpu_sample_ctx k = { t, !i, 0, 0 };
	int err = store_each_run(st, on_run_cpu_sample, &k);
	*run = k.merged ? 0 : t->out_runs + 1;
	t->out_runs += k.n;
	return err;
}

static void add_where(struct hp_store *st, struct where *w)
{
	char *v = NULL;
	if (store_get_meta(st, w->key, &v) || !v) {
		w->missing = 1;
		return;
	}
	for (unsigned i = 0; i < w->n && i < WHERE_MAX; i++)
		if (!strcmp(w->v[i], v)) {
			free(v);
			return;
		}
	if (w->n < WHERE_MAX)
		w->v[w->n] = v;
	else
		free(v);              /* counted only (it may repeat: "at least") */
	w->n++;
}

/* An ISO 8601 start_time ("2026-12-06T04:28:00+0000") in seconds since
 * the epoch; 0 when it does not parse. */
static int64_t start_seconds(const char *v)
{
	struct tm tm = { 0 };
	const char *end = strptime(v, "%Y-%m-%dT%H:%M:%S%z", &tm);
	long off = tm.tm_gmtoff;
	time_t s = end ? timegm(&tm) : (time_t)-1;
	return s == (time_t)-1 ? 0 : (int64_t)s - off;
}

static void add_start(struct hp_store *st, struct totals *t)
{
	char *v = NULL;
	if (store_get_meta(st, "start_time", &v) || !v)
		return;
	int64_t s = start_seconds(v);
	if (!t->starts++ || s < t->start_first_s) {
		free(t->start_first);
		t->start_first = strdup(v);
		t->start_first_s = s;
	}
	if (t->starts == 1 || s > t->start_last_s) {
		free(t->start_last);
		t->start_last = strdup(v);
		t->start_last_s = s;
	}
	free(v);
}

static void init_where(struct totals *t)
{
	static const char *const keys[NWHERE][2] = {
		{ "target", "targets" }, { "cwd", "directories" }, { "kernel_name", "kernels" },
		{ "hostname", "hosts" },
	};
	for (int i = 0; i < NWHERE; i++) {
		t->where[i].key = keys[i][0];
		t->where[i].what = keys[i][1];
	}
}

/* "3 targets: /bin/a, /bin/b, /bin/c" when the inputs differ, else NULL
 * (the first input's value, copied with its run_info, holds for all). */
static const char *where_text(struct where *w)
{
	size_t n = 0;
	if (w->n < 2 && !(w->n == 1 && w->missing))
		return NULL;
	n = (size_t)snprintf(w->text, sizeof(w->text), "%s%u %s%s:", w->n > WHERE_MAX ?
			     "at least " : "", w->n > WHERE_MAX ? WHERE_MAX + 1 : w->n, w->what,
			     w->missing ? " (and runs without one)" : "");
	for (unsigned i = 0; i < w->n && i < WHERE_MAX && n < sizeof(w->text); i++)
		n += (size_t)snprintf(w->text + n, sizeof(w->text) - n, "%s %s", i ? "," : "",
				      w->v[i]);
	if (w->n > WHERE_MAX && n < sizeof(w->text))
		snprintf(w->text + n, sizeof(w->text) - n, ", ...");
	return w->text;
}

static void free_totals(struct totals *t)
{
	for (int i = 0; i < NWHERE; i++)
		for (unsigned k = 0; k < t->where[i].n && k < WHERE_MAX; k++)
			free(t->where[i].v[k]);
	free(t->start_first);
	free(t->start_last);
	free(t->command);
	free(t->job);
	free(t->alloc_mode);
	free(t->signal);
}

static int read_totals(const struct merge_cmd *o, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	init_where(t);
	for (size_t k = 0; k < NMERGED; k++)
		t->fact[k] = HP_FACT_UNSET;
	t->heap_peak = -1;
	for (unsigned i = 0; i < o->n; i++) {
		struct hp_store *st = open_finished(o->inputs[i]);
		char *cmd = NULL, *sim = NULL;
		if (!st)
			return -1;
		if (!store_is_symbolized(st) && store_has_locations(st)) {
			/* open_finished could not finish it (said why): say what to do */
			hp_err("cannot merge '%s': its run did not finish and it cannot be finished"
			       " here; `hpprof report %s` by a user who may write it finishes it (or"
			       " copy it, with its -wal file, where you may write)", o->inputs[i],
			       o->inputs[i]);
			store_close(st);
			return -1;
		}
		store_get_meta(st, "simulation", &sim);
		if (sim) {            /* its counts are per line, not samples to pool */
			hp_err("cannot merge '%s': it was simulated (run --cache-sim), not sampled;"
			       " merge pools the samples of sampled runs", o->inputs[i]);
			free(sim);
			store_close(st);
			return -1;
		}
		int64_t freq = store_get_meta_int(st, "frequency", 0);
		int64_t fp = store_get_meta_int(st, "fault_period", 0);
		int64_t rss = store_get_meta_int(st, "peak_rss_bytes", -1);
		t->user_s += meta_seconds(st, "user_s");       /* CPU time adds up */
		t->sys_s += meta_seconds(st, "sys_s");
		/* run_info values come from the files: sums saturate (satarith.h) */
		int64_t d = store_get_meta_int(st, "duration_ns", 0);
		t->duration_ns = hp_add_sat(t->duration_ns, d);
		t->longest_ns = d > t->longest_ns ? d : t->longest_ns;
		note_rank(st, t);
		if (add_exit(st, t, o->inputs[i], i)) {
			store_close(st);
			return -1;
		}
		t->lost = hp_add_sat(t->lost, store_get_meta_int(st, "lost_samples", 0));
		add_lost_count(st, t);
		t->fault_samples = hp_add_sat(t->fault_samples,
					      store_get_meta_int(st, "fault_samples", 0));
		t->complete = hp_add_sat(t->complete, store_get_meta_int(st, "complete_stacks", 0));
		t->cut = hp_add_sat(t->cut, store_get_meta_int(st, "cut_stacks", 0));
		t->hole = hp_add_sat(t->hole, store_get_meta_int(st, "hole_stacks", 0));
		t->joined = hp_add_sat(t->joined, store_get_meta_int(st, "joined_stacks", 0));
		t->entry = hp_add_sat(t->entry, store_get_meta_int(st, "entry_stacks", 0));
		t->peak_rss = rss > t->peak_rss ? rss : t->peak_rss;
		unsigned run;
		if (read_runs(st, t, i, &run) || add_alloc_mode(st, t)) {
			store_close(st);
			return -1;
		}
		add_facts(st, t, run);
		for (int k = 0; k < NWHERE; k++)
			add_where(st, &t->where[k]);
		add_start(st, t);
		t->frequency_differs |= i && freq != t->frequency;
		t->fault_period_differs |= i && fp != t->fault_period;
		t->frequency = freq;
		t->fault_period = i ? t->fault_period : fp;
		store_get_meta(st, "command", &cmd);
		if (!i)
			t->command = cmd;
		else {
			t->command_differs |= !cmd || !t->command || strcmp(cmd, t->command);
			free(cmd);
		}
		store_close(st);
	}
	return 0;
}

/* The runs' start: the earliest start_time, followed by the latest when
 * they differ ("... .. ... (3 runs)"; the value still begins with a
 * parseable time), or NULL when one input's holds. */
static const char *start_text(const struct totals *t, unsigned n, char *buf, size_t len)
{
	if (!t->start_first || !t->start_last || !strcmp(t->start_first, t->start_last))
		return t->starts > 0 && t->starts < n && t->start_first ? t->start_first : NULL;
	snprintf(buf, len, "%s .. %s (%u runs)", t->start_first, t->start_last, n);
	return buf;
}

static int write_meta(struct hp_store *st, const struct merge_cmd *o, struct totals *t,
		      uint64_t samples)
{
	char buf[4096] = "", cmd[4200], mode[256], unf[160], start[256], lost_how[160];
	struct hp_run_facts f;
	for (unsigned i = 0; i < o->n; i++) {
		strncat(buf, i ? ", " : "", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, o->inputs[i], sizeof(buf) - strlen(buf) - 1);
	}
	store_facts_init(&f);
	if (t->command_differs) {
		snprintf(cmd, sizeof(cmd), "merge of %u runs: %s", o->n, buf);
		f.command = cmd;
	}
	f.merged_from = buf;
	f.merged_runs = o->n;
	/* what ran where and when: all of the inputs' when they differ */
	f.target = where_text(&t->where[W_TARGET]);
	f.cwd = where_text(&t->where[W_CWD]);
	f.kernel_name = where_text(&t->where[W_KERNEL]);
	f.hostname = where_text(&t->where[W_HOST]);
	f.start_time = start_text(t, o->n, start, sizeof(start));
	f.samples = (int64_t)samples;
	/* The ranks of one MPI job ran side by side: the job lasted as long as
	 * its longest rank. Unrelated runs ran one after the other. */
	f.duration_ns = t->ranks == (int)o->n ? t->longest_ns : t->duration_ns;
	f.lost_samples = t->lost;
	f.lost_count = lost_count_text(t, o->n, lost_how, sizeof(lost_how));
	if (t->failed) {             /* the first failure's, not the first input's success */
		f.exit_status = t->exit_status;
		f.signal = t->signal;
	}
	if (t->interrupted)
		f.interrupted = 1;
	if (t->unfinished) {          /* not the first input's words alone */
		snprintf(unf, sizeof(unf), "%u of %u merged runs were not finished by hpprof"
			 " (killed, or a full disk): their exit status is unknown", t->unfinished, o->n);
		f.unfinished = unf;
	}
	f.fault_samples = t->fault_samples;
	f.complete_stacks = t->complete;
	f.cut_stacks = t->cut;
	f.hole_stacks = t->hole;
	f.joined_stacks = t->joined;
	f.entry_stacks = t->entry;
	if (t->peak_rss >= 0)
		f.peak_rss_bytes = t->peak_rss;
	f.user_s = t->user_s;        /* NAN (an input without it): the first input's */
	f.sys_s = t->sys_s;
	if (t->frequency_differs)
		f.frequency = 0;
	f.hpprof_version = HPPROF_VERSION;
	for (size_t k = 0; k < NMERGED; k++)
		*(int64_t *)((char *)&f + merged_facts[k].off) = t->fact[k];
	if (t->heap_peak >= 0) {
		f.heap_peak_bytes = t->heap_peak;
		f.heap_peak_pid = t->heap_peak_pid;   /* as the merged file numbers it */
		if (t->heap_peak_pid != HP_FACT_UNSET &&
		    store_run_heap_peak_pid(st, t->heap_peak_run, t->heap_peak_pid, t->heap_peak,
					    &f.heap_peak_pid))
			f.heap_peak_pid = t->heap_peak_pid;
		f.heap_peak_t_ns = t->heap_peak_t_ns;
	}
	if (t->alloc_mode && t->alloc_runs < o->n) {
		snprintf(mode, sizeof(mode), "%s; in %u of %u merged runs", t->alloc_mode,
			 t->alloc_runs, o->n);
		f.alloc_tracking = mode;
	} else {
		f.alloc_tracking = t->alloc_mode;
	}
	int err = store_write_facts(st, &f);
	/* Samples of runs at different rates stand for different CPU times:
	 * no one figure converts them (wall_profile's on-CPU columns are NULL,
	 * as for a sampler other than cpu-clock). */
	if (!err && t->cpu_sample_differs)
		err = store_unset_meta(st, "cpu_sample_ns");
	return err;
}

/* An MPI job: warn about ranks that are missing (run_info
 * mpi_ranks_missing), held twice, failed or interrupted. */
static int rank_notes(struct hp_store *st, const struct hp_profile *p)
{
	struct hp_ranks *r;
	struct hp_run_facts f;
	char list[512];
	int err;
	if (!profile_has_ranks(p))
		return 0;
	if ((err = ranks_analyze(p, &r)))
		return err;
	ranks_print_problems(stderr, p, r, "hpprof: warning: ");
	store_facts_init(&f);
	if (r->nmissing)
		f.mpi_ranks_missing = ranks_missing_list(r, list, sizeof(list));
	err = store_write_facts(st, &f);
	ranks_free(r);
	return err;
}

/* Aggregate the merged samples into the statistics and views, as `run` does. */
static int write_stats(struct hp_store *st, uint64_t *nsamples)
{
	struct hp_profile *p;
	int err = profile_load(st, NULL, &p);
	if (err)
		return err;
	*nsamples = p->nsamples;
	err = profile_write_stats(st, p);
	if (!err)
		err = rank_notes(st, p);
	profile_free(p);
	return err;
}

static int merge(const struct merge_cmd *o, struct hp_store *st, struct totals *t)
{
	uint64_t *per_run = calloc(o->n, sizeof(*per_run)), sum = 0, merged = 0;
	unsigned bad = 0;
	int err = per_run ? store_merge(st, o->inputs, o->n, per_run, &bad) : -ENOMEM;
	if (err) {
		hp_err("cannot merge '%s': %s", o->inputs[bad],
		       err == -HP_ENOSYMS ? "it has no symbolization (was `hpprof run` interrupted?"
					    " `hpprof report` on it finishes it)" : hp_strerror(err));
		goto out;
	}
	for (unsigned i = 0; i < o->n; i++)
		sum += per_run[i];
	if ((err = write_meta(st, o, t, sum)) || (err = store_flush(st)) ||
	    (err = write_stats(st, &merged))) {
		hp_err("cannot write '%s': %s", o->output, hp_strerror(err));
		goto out;
	}
	if (merged != sum) {
		hp_err("merged '%s' holds %llu samples, the inputs %llu", o->output,
		       (unsigned long long)merged, (unsigned long long)sum);
		err = -HP_ECORRUPT;
		goto out;
	}
	if (t->out_runs != o->n)        /* a merged input brought its runs */
		hp_info("merged %u inputs (%u runs) into '%s': %llu samples", o->n, t->out_runs,
			o->output, (unsigned long long)sum);
	else
		hp_info("merged %u run%s into '%s': %llu samples", o->n, o->n == 1 ? "" : "s",
			o->output, (unsigned long long)sum);
out:
	free(per_run);
	return err;
}

/* May the merged file go to o->output? New, or (with --force) an hpprof
 * database to replace; never a device, FIFO, directory or another file. */
static int check_output(const struct merge_cmd *o, char *dest, size_t len)
{
	enum hp_outfile_kind kind;
	struct hp_store *old;
	const char *why = cmd_output_refusal(o->output, &(int){ 0 });
	int err = why ? 0 : outfile_resolve(o->output, dest, len, &kind, NULL);
	if (!why && err)
		why = hp_strerror(err);
	if (!why && kind == HP_OUT_REGULAR && !o->force)
		why = "it exists (use --force to replace it)";
	if (!why && kind == HP_OUT_REGULAR && store_write_locked(dest))
		why = "a run in progress is writing it; not replacing it (--force included)";
	if (!why && kind == HP_OUT_REGULAR) {
		if ((err = store_open(dest, 0, &old)))
			why = "it exists and is not an hpprof database; not replacing it";
		store_close(err ? NULL : old);
	}
	if (why) {
		hp_err("cannot write '%s': %s", o->output, why);
		return -1;
	}
	return 0;
}

/* The merged database is written to a temporary file beside the output
 * and renamed into place only when complete: a failed merge leaves the
 * output as it was (with --force too). */
int cmd_merge(int argc, char **argv)
{
	struct merge_cmd o = { 0 };
	struct totals t;
	struct hp_store *st;
	char dest[PATH_MAX], tmp[PATH_MAX];
	int rc = parse(argc, argv, &o), err, fd;
	if (rc >= 0)
		return rc;
	if (check_output(&o, dest, sizeof(dest)))
		return 1;
	if (read_totals(&o, &t)) {
		free_totals(&t);
		return 1;
	}
	if (t.fault_period_differs)
		hp_warn("the runs sampled page faults with different periods; the merged file"
			" weighs them all with the first run's (%lld)", (long long)t.fault_period);
	if (t.cpu_sample_differs && t.cpu_sample_missing)
		hp_warn("the runs' samples stand for different things (a run sampled another"
			" event than CPU time): the merged file has no on-CPU time in nanoseconds"
			" (wall_profile), only sample counts");
	else if (t.cpu_sample_differs)
		hp_info("the runs were sampled at different rates: each sample weighs its own"
			" run's period (runs.id's run_meta cpu_sample_ns), so shares are of CPU"
			" time, as each run has them alone");
	if ((fd = outfile_temp(dest, tmp, sizeof(tmp))) >= 0) {
		close(fd);
		unlink(tmp);            /* store_create makes it, complete, in its place */
	}
	if (fd >= 0)
		outfile_guard(tmp, 1);       /* Ctrl-C leaves no partial database */
	if (fd < 0 || (err = store_create(tmp, &st))) {
		outfile_unguard();
		hp_err("cannot create '%s': %s", o.output, hp_strerror(fd < 0 ? fd : err));
		free_totals(&t);
		return 1;
	}
	err = merge(&o, st, &t);
	if ((rc = store_close(st)) && !err) {
		hp_err("cannot write '%s': %s", o.output, hp_strerror(rc));
		err = rc;
	}
	if (!err && (err = outfile_rename(tmp, dest, o.force)))
		hp_err("cannot write '%s': %s", o.output, hp_strerror(err));
	if (err)
		store_unlink(tmp);
	outfile_unguard();
	free_totals(&t);
	return err ? 1 : 0;
}

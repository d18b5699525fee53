/*
 * cmd_diff.c - `hpprof diff`: what changed between two profiles, or two
 * sets of repeated runs (analyzer/diff.h).
 *
 * Profiles are loaded in parallel, one thread per database (each with its
 * own SQLite connection), since loading is most of the work.
 */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "analyzer/unseen.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/ranks_util.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"

static const char usage_text[] =
	"usage: hpprof diff [OPTIONS] BEFORE.db AFTER.db\n"
	"       hpprof diff [OPTIONS] BEFORE1.db BEFORE2.db... -- AFTER1.db AFTER2.db...\n"
	"\n"
	"Compare two profiles by function or by source line. Verdicts judge CPU\n"
	"time (samples x sampling period, or task-clock): a row is faster or slower\n"
	"when its time changed beyond the noise and by --threshold or more. With\n"
	"one run per side the noise is the sampling error of the sample counts\n"
	"plus an assumed run-to-run spread (--run-noise);\n"
	"with repeated runs on each side (split by --) it is Welch's t-test over the\n"
	"runs. Shares of the profile (self%, total%) are shown beside.\n"
	"\n"
	"  -b, --by WHAT        function (default) or line (lines that moved by up to\n"
	"                       3 lines within a function are paired)\n"
	"  -f, --format FMT     text (default), csv or json\n"
	"  -n, --limit N        rows to print (default 20 for text, all for csv and\n"
	"                       json; 0 = all)\n"
	"      --norm HOW       run (default: as measured, for runs of the same work),\n"
	"                       time (per second of run time), work (per unit of\n"
	"                       --work) or sample (per sample: shares)\n"
	"      --work N[,N...]  the work each run did (iterations, requests...): one\n"
	"                       count for every run, one per side, or one per database\n"
	"                       in order; implies --norm work\n"
	"      --threshold PCT  smallest time change that counts, in percent of the\n"
	"                       before time (default 5)\n"
	"      --alpha P        significance level of the tests, and 1 - the\n"
	"                       confidence of the intervals (default 0.05)\n"
	"      --min-samples N  rows under N samples per run on both sides are minor:\n"
	"                       counted, not judged (default 10; 0 = none)\n"	"      --run-noise PCT  one run per side: the run-to-run spread of a run's\n"
	"                       time assumed, in percent (default 10; 0 = the\n"
	"                       sampling error alone); repeated runs measure it\n"
	"      --fail-if COND   exit 3 when a regression beyond the noise passes COND:\n"
	"                       'total>+3%' (CPU time of all samples), 'wall>+5%',\n"
	"                       'NAME>+5%' (a function with its callees),\n"
	"                       'self:NAME>+10ms', 'imbalance>+10%' (two MPI jobs'\n"
	"                       load imbalance); may be repeated (docs/ci.md)\n"
	"      --counters LIST  text: counter columns of the rows, comma-separated, or\n"
	"                       all (default: page-faults, cache-misses or the counter\n"
	"                       that changed most, when it changed by half or more)\n"
	"      --ranks          MPI jobs: compare the ranks only: the load imbalance\n"
	"                       (judged against the sampling error), MPI share, each\n"
	"                       rank's compute and MPI samples, and per function its\n"
	"                       min/mean/max across ranks and the rank of the max,\n"
	"                       before and after (-n rows); text or json. The text\n"
	"                       diff of two jobs ends with this comparison\n"
	"  -q, --quiet          no notes or progress on stderr (warnings and errors stay)\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0, 1 when a profile cannot be read, 2 for a usage error, 3 when\n"
	"a --fail-if condition failed.\n";

#define MAX_GATES 32

static const struct option long_opts[] = {
	{ "by",          required_argument, NULL, 'b' },
	{ "format",      required_argument, NULL, 'f' },
	{ "limit",       required_argument, NULL, 'n' },
	{ "norm",        required_argument, NULL, 'N' },
	{ "work",        required_argument, NULL, 'W' },
	{ "threshold",   required_argument, NULL, 'T' },
	{ "alpha",       required_argument, NULL, 'A' },
	{ "min-samples", required_argument, NULL, 'M' },
	{ "run-noise",   required_argument, NULL, 'S' },
	{ "fail-if",     required_argument, NULL, 'G' },
	{ "counters",    required_argument, NULL, 'C' },
	{ "ranks",       no_argument,       NULL, 'R' },
	{ "quiet",       no_argument,       NULL, 'q' },
	{ "help",        no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct diff_cmd {
	struct hp_diff_opts d;
	struct hp_diff_print_opts p;
	int limit_set, norm_set;
	int ranks;                    /* --ranks */
	char **before, **after;
	unsigned nb, na;
	double *work;                 /* as given: nwork counts */
	unsigned nwork;
	double *work_per_run;         /* [nb + na] */
	struct hp_diff_gate gates[MAX_GATES];
	unsigned ngates;
};

/* --work N[,N...]: positive numbers. */
static int parse_work(struct diff_cmd *o, const char *arg)
{
	const char *s = arg;
	free(o->work);
	o->work = NULL;
	o->nwork = 0;
	for (;;) {
		char *end;
		double v = strtod(s, &end);
		double *w = realloc(o->work, (o->nwork + 1) * sizeof(*w));
		if (!w)
			return hp_err("out of memory"), -1;
		o->work = w;
		if (end == s || !(v > 0) || !isfinite(v) || (*end && *end != ','))
			return hp_err("invalid --work '%s': use positive counts, comma-separated", arg),
			       -1;
		o->work[o->nwork++] = v;
		if (!*end)
			break;
		s = end + 1;
	}
	if (!o->norm_set)
		o->d.norm = HP_DIFF_PER_WORK;
	return 0;
}

static int parse_gate(struct diff_cmd *o, const char *arg)
{
	const char *why;
	if (o->ngates >= MAX_GATES)
		return hp_err("too many --fail-if conditions (at most %d)", MAX_GATES), -1;
	if (diff_gate_parse(arg, &o->gates[o->ngates], &why))
		return hp_err("invalid --fail-if '%s': %s", arg, why), -1;
	o->ngates++;
	return 0;
}

static int parse_norm(struct diff_cmd *o, const char *arg)
{
	if (!strcmp(arg, "run") || !strcmp(arg, "total"))
		o->d.norm = HP_DIFF_PER_RUN;
	else if (!strcmp(arg, "time") || !strcmp(arg, "second") || !strcmp(arg, "seconds"))
		o->d.norm = HP_DIFF_PER_SECOND;
	else if (!strcmp(arg, "work"))
		o->d.norm = HP_DIFF_PER_WORK;
	else if (!strcmp(arg, "sample") || !strcmp(arg, "samples"))
		o->d.norm = HP_DIFF_PER_SAMPLE;
	else
		return hp_err("invalid --norm '%s': use run, time, work or sample", arg), -1;
	o->norm_set = 1;
	return 0;
}

static int parse_option(struct diff_cmd *o, int c, const char *arg)
{
	int64_t n;
	switch (c) {
	case 'b':
		if (!strcmp(arg, "function") || !strcmp(arg, "func"))
			o->d.by = HP_DIFF_FUNCTION;
		else if (!strcmp(arg, "line"))
			o->d.by = HP_DIFF_LINE;
		else
			return hp_err("invalid --by '%s': use function or line", arg), -1;
		return 0;
	case 'f':
		if (!strcmp(arg, "text"))
			o->p.format = HP_DIFF_TEXT;
		else if (!strcmp(arg, "csv"))
			o->p.format = HP_DIFF_CSV;
		else if (!strcmp(arg, "json"))
			o->p.format = HP_DIFF_JSON;
		else
			return hp_err("invalid --format '%s': use text, csv or json", arg), -1;
		return 0;
	case 'n':
		if ((n = cmd_parse_size("--limit", arg)) < 0)
			return -1;
		o->p.limit = (unsigned)n;
		o->limit_set = 1;
		return 0;
	case 'N': return parse_norm(o, arg);
	case 'W': return parse_work(o, arg);
	case 'T': return cmd_parse_number("--threshold", arg, 0, 1e6, &o->d.threshold);
	case 'A': return cmd_parse_number("--alpha", arg, 1e-9, 0.5, &o->d.alpha);
	case 'M': return cmd_parse_number("--min-samples", arg, 0, 1e12, &o->d.min_samples);
	case 'S': return cmd_parse_number("--run-noise", arg, 0, 1000, &o->d.run_noise);
	case 'G': return parse_gate(o, arg);
	case 'C': o->p.counters = arg; return 0;
	case 'R': o->ranks = 1; return 0;
	default:  return -1;
	}
}

/* The work of each run from --work: one count for all, one per side, or
 * one per database. */
static int expand_work(struct diff_cmd *o)
{
	unsigned n = o->nb + o->na;
	if (o->d.norm != HP_DIFF_PER_WORK)
		return 0;
	if (!o->nwork) {
		hp_err("--norm work needs --work N[,N...] (the work each run did)");
		return -1;
	}
	if (o->nwork != 1 && o->nwork != 2 && o->nwork != n) {
		hp_err("--work has %u counts for %u databases: give 1, 2 (before, after) or %u",
		       o->nwork, n, n);
		return -1;
	}
	if (!(o->work_per_run = calloc(n, sizeof(*o->work_per_run))))
		return hp_err("out of memory"), -1;
	for (unsigned i = 0; i < n; i++)
		o->work_per_run[i] = o->nwork == n ? o->work[i]
				   : o->nwork == 1 ? o->work[0] : o->work[i < o->nb ? 0 : 1];
	o->d.work = o->work_per_run;
	return 0;
}

/* Options may appear anywhere; a "--" separates the before databases from
 * the after ones. getopt stops at "--", so it is swapped for a marker that
 * reads as a database name, and the names are split at the marker after
 * option parsing (getopt keeps the order of the names). */
static const char split_marker[] = "\001--";

static int split_names(struct diff_cmd *o, char **names, int n)
{
	int split = -1;
	for (int i = 0; i < n; i++)
		if (names[i] == split_marker) {
			if (split >= 0) {
				hp_err("diff takes one -- (BEFORE... -- AFTER...)");
				return 2;
			}
			split = i;
		}
	if (split >= 0) {
		o->before = names;
		o->nb = (unsigned)split;
		o->after = names + split + 1;
		o->na = (unsigned)(n - split - 1);
	} else if (n == 2) {
		o->before = names;
		o->after = names + 1;
		o->nb = o->na = 1;
	}
	if (!o->nb || !o->na) {
		hp_err("diff needs a before and an after database (BEFORE.db AFTER.db, or"
		       " BEFORE... -- AFTER...)");
		return 2;
	}
	return -1;
}

/* Returns -1 to go on, else an exit status. */
static int parse(int argc, char **argv, struct diff_cmd *o)
{
	int c, rc;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			argv[i] = (char *)split_marker;
	while ((c = getopt_long(argc, argv, "b:f:n:qh", long_opts, NULL)) != -1) {
		if (c == 'q') {
			hp_quiet = 1;
			continue;
		}
		if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		}
		if (c == '?')
			return cmd_option_error(argv, long_opts);
		if (parse_option(o, c, optarg))
			return 2;
	}
	if ((rc = split_names(o, argv + optind, argc - optind)) >= 0)
		return rc;
	if (o->ranks && (o->nb != 1 || o->na != 1)) {
		hp_err("--ranks compares one job with another: give BEFORE.db AFTER.db");
		return 2;
	}
	if (o->ranks && o->p.format == HP_DIFF_CSV) {
		hp_err("--ranks prints text or json (-f json), not csv");
		return 2;
	}
	if (expand_work(o))
		return 2;
	if (!o->limit_set)
		o->p.limit = o->p.format == HP_DIFF_TEXT ? 20 : 0;
	return -1;
}

/* --- loading in parallel --- */

struct load_job {
	pthread_t thread;
	const char *path;
	struct hp_profile *p;
	struct hp_diff_allocs allocs;
	int started;
};

static void *load_one(void *arg)
{
	struct load_job *j = arg;
	struct hp_store *st;
	struct hp_alloc_totals t;
	j->p = cmd_load_profile(j->path, NULL, &st);
	if (!j->p)
		return NULL;
	if (!store_alloc_totals(st, &t))
		j->allocs = (struct hp_diff_allocs){ t.sites, t.allocs, t.bytes };
	store_close(st);
	return NULL;
}

static int load_all(struct load_job *jobs, unsigned n)
{
	int ok = 1;
	for (unsigned i = 0; i < n; i++)
		jobs[i].started = !pthread_create(&jobs[i].thread, NULL, load_one, &jobs[i]);
	for (unsigned i = 0; i < n; i++) {
		if (jobs[i].started)
			pthread_join(jobs[i].thread, NULL);
		else
			load_one(&jobs[i]);
		ok &= jobs[i].p != NULL;
	}
	return ok ? 0 : -1;
}

/* The imbalance gates ('imbalance>+10%') of two MPI jobs, from their rank
 * comparison. Returns 0, 1 on an error, 2 when the profiles are no jobs. */
static int eval_imbalance_gates(struct diff_cmd *o, const struct hp_profile **p)
{
	struct hp_ranks_diff *rd = NULL;
	unsigned n = 0;
	for (unsigned i = 0; i < o->ngates; i++)
		n += o->gates[i].subject == HP_GATE_IMBALANCE;
	if (!n)
		return 0;
	if (o->nb != 1 || o->na != 1 || !profile_has_ranks(p[0]) || !profile_has_ranks(p[1])) {
		hp_err("invalid --fail-if: an imbalance condition compares two MPI jobs"
		       " (merged files, BEFORE.db AFTER.db)");
		return 2;
	}
	if (ranks_diff(p[0], p[1], o->d.alpha, o->d.threshold, &rd)) {
		hp_err("cannot compare the ranks of the two jobs");
		return 1;
	}
	for (unsigned i = 0; i < o->ngates; i++)
		if (o->gates[i].subject == HP_GATE_IMBALANCE)
			diff_gate_eval_imbalance(&o->gates[i], rd->r[0]->imbalance,
						 rd->r[1]->imbalance, rd->delta, rd->ci, rd->p_value,
						 o->d.alpha);
	ranks_diff_free(rd);
	return 0;
}

/* Evaluate the gates on a diff by function (d itself, or one made for
 * them when d is by line). Returns 0, or 2 when a subject is in neither
 * profile. */
static int eval_gates(struct diff_cmd *o, const struct hp_profile **p, const struct hp_diff *d,
		      const struct hp_diff_allocs *allocs)
{
	struct hp_diff *byf = NULL;
	int rc = 0;
	if (!o->ngates)
		return 0;
	if (d->opts.by != HP_DIFF_FUNCTION) {
		struct hp_diff_opts fo = o->d;
		fo.by = HP_DIFF_FUNCTION;
		if (diff_profiles(p, o->nb, p + o->nb, o->na, allocs, allocs + o->nb, &fo, &byf)) {
			hp_err("cannot compare the profiles by function for --fail-if");
			return 1;
		}
		d = byf;
	}
	for (unsigned i = 0; i < o->ngates; i++)
		if (diff_gate_eval(d, &o->gates[i])) {
			hp_err("invalid --fail-if '%s': no function '%s' in either profile",
			       o->gates[i].text, o->gates[i].name);
			rc = 2;
		}
	diff_free(byf);
	return rc ? rc : eval_imbalance_gates(o, p);
}

/* Failed gates on stderr (CI logs), and the exit status they ask for. */
static int report_gates(const struct diff_cmd *o, const struct hp_diff *d)
{
	char line[1024];
	int failed = 0;
	for (unsigned i = 0; i < o->ngates; i++)
		if (o->gates[i].failed) {
			diff_gate_describe(d, &o->gates[i], line, sizeof(line));
			hp_err("%s: fail-if %s", o->gates[i].greater ? "regression" : "condition met",
			       line);
			failed = 1;
		}
	if (o->ngates && !d->welch)
		hp_info("--fail-if with one run per side judges the sampling error and an "
			"assumed run-to-run spread of %g%% (--run-noise); in CI, compare repeated "
			"runs (BEFORE... -- AFTER...; docs/ci.md)", diff_run_noise(d));
	return failed ? 3 : 0;
}

/* The "ranks" member of the JSON diff of two MPI jobs. */
struct ranks_json { const struct hp_profile *a, *b; const struct diff_cmd *o; int err; };

static void ranks_json_member(FILE *out, void *ctx)
{
	struct ranks_json *k = ctx;
	fputs(",\n\"ranks\":", out);
	k->err = cmd_ranks_diff(out, k->a, k->b, &k->o->d, k->o->p.limit, 1);
}

static int compare(struct diff_cmd *o, struct load_job *jobs)
{
	unsigned n = o->nb + o->na;
	const struct hp_profile **p = calloc(n, sizeof(*p));
	struct hp_diff_allocs *allocs = calloc(n, sizeof(*allocs));
	struct hp_diff *d = NULL;
	char why[1536];
	int rc = 0, err = p && allocs ? 0 : -ENOMEM;
	int simulated = 1;
	for (unsigned i = 0; i < n && !err; i++) {
		p[i] = jobs[i].p;
		allocs[i] = jobs[i].allocs;
		simulated &= profile_simulated_only(p[i]);
		if (unseen_note(p[i], why, sizeof(why)))   /* its times are low by that */
			hp_info("note: %s: %s", jobs[i].path, why);
	}
	/* simulated counts are the same for the same work, however slowly
	 * valgrind ran it: compare them per run, not per second */
	if (simulated && !o->norm_set)
		o->d.norm = HP_DIFF_PER_RUN;
	if (!err && o->ranks)
		err = cmd_ranks_diff(stdout, p[0], p[o->nb], &o->d, o->p.limit,
				     o->p.format == HP_DIFF_JSON);
	else if (!err)
		err = diff_profiles(p, o->nb, p + o->nb, o->na, allocs, allocs + o->nb, &o->d, &d);
	if (err) {
		hp_err("cannot compare the profiles: %s", hp_strerror(err));
		rc = 1;
	} else if (o->ranks) {
		rc = fflush(stdout) ? 1 : 0;
	} else if (o->p.counters && diff_check_counters(d, o->p.counters, why, sizeof(why))) {
		hp_err("invalid --counters '%s': %s", o->p.counters, why);
		rc = 2;
	} else if (!(rc = eval_gates(o, p, d, allocs))) {
		o->p.before_name = o->nb == 1 ? o->before[0] : "before";
		o->p.after_name = o->na == 1 ? o->after[0] : "after";
		o->p.gates = o->gates;
		o->p.ngates = o->ngates;
		/* the verdict first: it must survive a reader that stops early */
		int gate_rc = report_gates(o, d);
		cmd_closed_pipe_status = gate_rc;
		/* two MPI jobs: the text ends with their ranks side by side, the
		 * JSON has them as "ranks" */
		int mpi_jobs = o->nb == 1 && o->na == 1 &&
			   (profile_has_ranks(p[0]) || profile_has_ranks(p[1]));
		struct ranks_json rj = { p[0], p[1], o, 0 };
		if (mpi_jobs && o->p.format == HP_DIFF_JSON) {
			o->p.json_more = ranks_json_member;
			o->p.json_more_ctx = &rj;
		}
		if (diff_print(stdout, d, &o->p) || rj.err ||
		    (o->p.format == HP_DIFF_TEXT && mpi_jobs &&
		     cmd_ranks_diff(stdout, p[0], p[1], &o->d, o->p.limit, 0)) || fflush(stdout)) {
			hp_err("cannot write the diff");
			rc = 1;
		} else {
			rc = gate_rc;
		}
	}
	diff_free(d);
	free(p);
	free(allocs);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_cmd o = { 0 };
	diff_opts_init(&o.d);                  /* run noise for one run a side: docs/realworld.md */
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		goto out;
	unsigned n = o.nb + o.na;
	struct load_job *jobs = calloc(n, sizeof(*jobs));
	if (!jobs) {
		hp_err("out of memory");
		rc = 1;
		goto out;
	}
	for (unsigned i = 0; i < n; i++)
		jobs[i].path = i < o.nb ? o.before[i] : o.after[i - o.nb];
	rc = load_all(jobs, n) ? 1 : compare(&o, jobs);
	for (unsigned i = 0; i < n; i++)
		profile_free(jobs[i].p);
	free(jobs);
out:
	free(o.work);
	free(o.work_per_run);
	return rc;
}

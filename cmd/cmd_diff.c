/*
 * cmd_diff.c - `hpprof diff`: what changed between two profiles, or two
 * sets of repeated runs (analyzer/diff.h).
 *
 * Profiles are loaded in parallel, one thread per database (each with its
 * own SQLite connection), since loading is most of the work.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/profile.h"
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
	"Compare two profiles by function or by source line: share of samples\n"
	"before and after (self%, total%), counters both runs measured, peak RSS,\n"
	"and a verdict per row (faster, slower, new, gone, same). With repeated\n"
	"runs on each side (split by --), values are means with their run-to-run\n"
	"standard deviation and a change must pass Welch's t-test.\n"
	"\n"
	"  -b, --by WHAT        function (default) or line (lines that moved by up to\n"
	"                       3 lines within a function are paired)\n"
	"  -f, --format FMT     text (default), csv or json\n"
	"  -n, --limit N        rows to print (default 20 for text, all for csv and\n"
	"                       json; 0 = all)\n"
	"      --norm HOW       counters per second of run (default), per sample, or\n"
	"                       per run (raw totals, for runs that do the same work)\n"
	"      --threshold PCT  smallest change in points of self% that counts\n"
	"                       (default 0.5)\n"
	"      --alpha P        significance level of the t-test (default 0.05)\n"
	"      --counters LIST  text: counter columns of the rows, comma-separated, or\n"
	"                       all (default: the two that changed most)\n"
	"      --ranks          MPI jobs: compare the ranks only (imbalance, MPI share,\n"
	"                       each rank's compute and MPI samples), text or json;\n"
	"                       the text diff of two jobs ends with this comparison\n"
	"  -h, --help           this help\n";

static const struct option long_opts[] = {
	{ "by",        required_argument, NULL, 'b' },
	{ "format",    required_argument, NULL, 'f' },
	{ "limit",     required_argument, NULL, 'n' },
	{ "norm",      required_argument, NULL, 'N' },
	{ "threshold", required_argument, NULL, 'T' },
	{ "alpha",     required_argument, NULL, 'A' },
	{ "counters",  required_argument, NULL, 'C' },
	{ "ranks",     no_argument,       NULL, 'R' },
	{ "help",      no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct diff_cmd {
	struct hp_diff_opts d;
	struct hp_diff_print_opts p;
	int limit_set;
	int ranks;                    /* --ranks */
	char **before, **after;
	unsigned nb, na;
};

static int parse_number(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= lo && v <= hi)) {
		hp_err("invalid value '%s' for %s", s, opt);
		return -1;
	}
	*out = v;
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
	case 'N':
		if (!strcmp(arg, "second") || !strcmp(arg, "seconds"))
			o->d.norm = HP_DIFF_PER_SECOND;
		else if (!strcmp(arg, "sample") || !strcmp(arg, "samples"))
			o->d.norm = HP_DIFF_PER_SAMPLE;
		else if (!strcmp(arg, "run") || !strcmp(arg, "total"))
			o->d.norm = HP_DIFF_PER_RUN;
		else
			return hp_err("invalid --norm '%s': use second, sample or run", arg), -1;
		return 0;
	case 'T': return parse_number("--threshold", arg, 0, 100, &o->d.threshold);
	case 'A': return parse_number("--alpha", arg, 0, 1, &o->d.alpha);
	case 'C': o->p.counters = arg; return 0;
	case 'R': o->ranks = 1; return 0;
	default:  return -1;
	}
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
	while ((c = getopt_long(argc, argv, "b:f:n:h", long_opts, NULL)) != -1) {
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

static int compare(struct diff_cmd *o, struct load_job *jobs)
{
	unsigned n = o->nb + o->na;
	const struct hp_profile **p = calloc(n, sizeof(*p));
	struct hp_diff_allocs *allocs = calloc(n, sizeof(*allocs));
	struct hp_diff *d = NULL;
	int err = p && allocs ? 0 : -ENOMEM;
	for (unsigned i = 0; i < n && !err; i++) {
		p[i] = jobs[i].p;
		allocs[i] = jobs[i].allocs;
	}
	if (!err && o->ranks)
		err = cmd_ranks_diff(stdout, p[0], p[o->nb], o->p.format == HP_DIFF_JSON);
	else if (!err)
		err = diff_profiles(p, o->nb, p + o->nb, o->na, allocs, allocs + o->nb, &o->d, &d);
	if (err) {
		hp_err("cannot compare the profiles: %s", hp_strerror(err));
	} else if (o->ranks) {
		if (fflush(stdout))
			err = -EIO;
	} else {
		o->p.before_name = o->nb == 1 ? o->before[0] : "before";
		o->p.after_name = o->na == 1 ? o->after[0] : "after";
		if (diff_print(stdout, d, &o->p) ||
		    (o->p.format == HP_DIFF_TEXT && o->nb == 1 && o->na == 1 &&
		     (profile_has_ranks(p[0]) || profile_has_ranks(p[1])) &&
		     cmd_ranks_diff(stdout, p[0], p[1], 0)) || fflush(stdout)) {
			hp_err("cannot write the diff");
			err = -EIO;
		}
	}
	diff_free(d);
	free(p);
	free(allocs);
	return err ? 1 : 0;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_cmd o = { 0 };
	diff_opts_init(&o.d);
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	unsigned n = o.nb + o.na;
	struct load_job *jobs = calloc(n, sizeof(*jobs));
	if (!jobs) {
		hp_err("out of memory");
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		jobs[i].path = i < o.nb ? o.before[i] : o.after[i - o.nb];
	rc = load_all(jobs, n) ? 1 : compare(&o, jobs);
	for (unsigned i = 0; i < n; i++)
		profile_free(jobs[i].p);
	free(jobs);
	return rc;
}

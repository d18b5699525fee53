/*
 * cmd_report.c - `hpprof report`: the profile as text, CSV or JSON.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/columns.h"
#include "analyzer/memreport.h"
#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "analyzer/report.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/ranks_util.h"
#include "common/log.h"
#include "common/store.h"

static const char usage_text[] =
	"usage: hpprof report [OPTIONS] [DB]\n"
	"\n"
	"Print the hot functions, hot lines, threads and processes of a profile\n"
	"(DB defaults to hpprof.db).\n"
	"\n"
	"  -n, --limit N        rows per table (default 20; 0 = all)\n"
	"  -f, --format FMT     text (default), csv or json\n"
	"  -s, --sort COLUMN    order functions and lines by this column id (self,\n"
	"                       total, or a counter read with the samples, such as\n"
	"                       page-faults:sampled)\n"
	"      --columns LIST   text: the columns of the function and line tables, by\n"
	"                       id, comma-separated (e.g. self_pct,function,page-faults);\n"
	"                       default: the numbers, the names, then the counters that\n"
	"                       fit in 100 columns\n"
	"  -w, --wide           text: every measured counter, names unshortened\n"
	"      --tid TID        only samples of this thread (one without samples: error)\n"
	"      --pid PID        only samples of this process (one not in DB: error)\n"
	"      --from SEC       only samples at or after SEC seconds into the run\n"
	"      --to SEC         only samples before SEC seconds into the run\n"
	"      --rank N         only samples of MPI rank N (a merged job, docs/mpi.md)\n"
	"      --ranks          the MPI rank report only (a merged file): each rank's\n"
	"                       compute and MPI samples, the load imbalance, missing or\n"
	"                       failed ranks, and per function the min/mean/max across\n"
	"                       ranks\n"
	"  -m, --memory         the memory report (text): RSS timeline per process\n"
	"                       (start, peak, end, growth phases), the lines that grew\n"
	"                       RSS, allocation sites and leaks (with run --alloc)\n"
	"      --weight W       text: cpu (default: on-CPU samples), off (time off the\n"
	"                       CPU: locks, I/O, sleep...) or wall (both), for runs\n"
	"                       recorded with `run --off-cpu` (docs/offcpu.md)\n"
	"      --kernel         the operating-system kernel's part (text): time in\n"
	"                       kernel functions, the user lines that entered them\n"
	"  -h, --help           this help\n";

static const struct option long_opts[] = {
	{ "limit",  required_argument, NULL, 'n' },
	{ "format", required_argument, NULL, 'f' },
	{ "sort",   required_argument, NULL, 's' },
	{ "tid",    required_argument, NULL, 'T' },
	{ "pid",    required_argument, NULL, 'P' },
	{ "from",   required_argument, NULL, 'A' },
	{ "to",     required_argument, NULL, 'B' },
	{ "memory", no_argument,       NULL, 'm' },
	{ "rank",   required_argument, NULL, 'R' },
	{ "ranks",  no_argument,       NULL, 'Q' },
	{ "kernel", no_argument,       NULL, 'K' },
	{ "columns", required_argument, NULL, 'C' },
	{ "wide",   no_argument,       NULL, 'w' },
	{ "weight", required_argument, NULL, 'W' },
	{ "help",   no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_format(const char *s, enum hp_report_format *f)
{
	if (!strcmp(s, "text"))
		*f = HP_REPORT_TEXT;
	else if (!strcmp(s, "csv"))
		*f = HP_REPORT_CSV;
	else if (!strcmp(s, "json"))
		*f = HP_REPORT_JSON;
	else
		return -1;
	return 0;
}

/* "MPI rank 2, thread 1234, 0.500 s to 1.200 s" */
static void describe_filter(const struct hp_profile_filter *f, int64_t rank, char *buf,
			    size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	if (rank >= 0)
		n += (size_t)snprintf(buf + n, len - n, "MPI rank %lld", (long long)rank);
	if (f->tid && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%sthread %u", n ? ", " : "", f->tid);
	if (f->pid && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%sprocess %u", n ? ", " : "", f->pid);
	if ((f->t_from || f->t_to) && n < len) {
		n += (size_t)snprintf(buf + n, len - n, "%s%.3f s to ", n ? ", " : "",
				      (double)f->t_from / 1e9);
		if (n < len)
			snprintf(buf + n, len - n, f->t_to ? "%.3f s" : "the end",
				 (double)f->t_to / 1e9);
	}
}

static int check_columns(const struct hp_profile *p, const char *list)
{
	char bad[128], valid[2048], why[512];
	if (!report_check_columns(p, list, bad, sizeof(bad), valid, sizeof(valid)))
		return 0;
	if (columns_counter_why(p, bad, why, sizeof(why)))
		hp_err("invalid --columns id '%s': %s", bad, why);
	else
		hp_err("invalid --columns id '%s' (this profile has: %s)", bad, valid);
	return -1;
}

static int check_sort(const struct hp_profile *p, const char *id)
{
	char why[512];
	if (!report_check_sort(p, id, why, sizeof(why)))
		return 0;
	hp_err("invalid --sort '%s': %s", id, why);
	return -1;
}

/* --ranks compares the runs of a merged file (the ranks of an MPI job, or
 * runs merged by hand); one run that is no MPI rank has nothing to compare. */
static int not_a_job(const struct hp_profile *p, const char *db)
{
	if (p->nruns > 1 || (p->nruns == 1 && p->runs[0].rank >= 0))
		return 0;
	hp_err("'%s' is one run, not an MPI job: --ranks compares the ranks (or runs) of a"
	       " merged file (docs/mpi.md)", db);
	return -1;
}

/* A thread or process id (decimal, 1 .. 2^32-1: a merged file renumbers
 * them above Linux's 2^22). */
static int parse_id(const char *opt, const char *value, uint32_t *out)
{
	double v;
	if (cmd_parse_number(opt, value, 1, 4294967295.0, &v))
		return -1;
	if (v != (double)(uint32_t)v) {
		hp_err("invalid value '%s' for %s", value, opt);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* A --pid that is no process of the profile, or a --tid without a single
 * sample in it (and no time window that could explain it), is a mistake:
 * say so rather than print an empty report. */
static int selection_missing(const struct hp_profile *p, const struct hp_profile_filter *f,
			     const char *db)
{
	int known = 0;
	uint64_t tid_samples = 0;
	for (uint32_t i = 0; f->tid && i < p->nthreads; i++)
		if (p->threads[i].tid == f->tid)
			tid_samples += p->threads[i].samples + (p->threads[i].off_ns > 0);
	for (uint32_t i = 0; f->pid && i < p->nprocesses; i++)
		known |= p->processes[i].pid == f->pid;
	if (f->pid && !known && p->nprocesses) {
		hp_err("'%s' has no process %u (the Processes table of `hpprof report %s` lists"
		       " them)", db, f->pid, db);
		return -1;
	}
	if (f->tid && !tid_samples && !f->t_from && !f->t_to) {
		hp_err("'%s' has no samples of thread %u (the Threads table of `hpprof report %s`"
		       " lists them)", db, f->tid, db);
		return -1;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct hp_report_opts o = { .format = HP_REPORT_TEXT, .limit = 20 };
	struct hp_profile_filter f = { 0 };
	int c, filtered = 0, memory = 0, ranks = 0, to_set = 0;
	int64_t n, rank = -1;
	char selection[160] = "";

	while ((c = getopt_long(argc, argv, "n:f:s:mwh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if ((n = cmd_parse_size("--limit", optarg)) < 0)
				return 2;
			o.limit = (unsigned)n;
			break;
		case 'f':
			if (parse_format(optarg, &o.format)) {
				hp_err("invalid --format '%s': use text, csv or json", optarg);
				return 2;
			}
			break;
		case 's': o.sort = optarg; break;
		case 'm': memory = 1; break;
		case 'Q': ranks = 1; break;
		case 'R':
			if (cmd_parse_rank(optarg, &rank))
				return 2;
			filtered = 1;
			break;
		case 'K': o.kernel = 1; break;
		case 'C': o.columns = optarg; break;
		case 'w': o.wide = 1; break;
		case 'W':
			if (!strcmp(optarg, "cpu") || !strcmp(optarg, "off") ||
			    !strcmp(optarg, "off-cpu") || !strcmp(optarg, "wall")) {
				o.weight = !strcmp(optarg, "off") ? "off-cpu" : optarg;
				break;
			}
			hp_err("invalid --weight '%s': use cpu, off or wall", optarg);
			return 2;
		case 'T':
		case 'P':
			if (parse_id(c == 'T' ? "--tid" : "--pid", optarg, c == 'T' ? &f.tid : &f.pid))
				return 2;
			filtered = 1;
			break;
		case 'A':
		case 'B':
			if (cmd_parse_seconds(c == 'A' ? "--from" : "--to", optarg,
					  c == 'A' ? &f.t_from : &f.t_to))
				return 2;
			to_set |= c == 'B';
			filtered = 1;
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return cmd_option_error(argv, long_opts);
		}
	}
	if (argc - optind > 1) {
		hp_err("report takes one database");
		return 2;
	}
	if (to_set && f.t_to <= f.t_from) {     /* --to 0 too: t_to 0 means "no end" */
		hp_err("--to must be after --from (%.3f s)", (double)f.t_from / 1e9);
		return 2;
	}
	if (o.weight && strcmp(o.weight, "cpu") && (memory || o.kernel ||
						     o.format != HP_REPORT_TEXT)) {
		hp_err("--weight %s prints text, without --memory or --kernel", o.weight);
		return 2;
	}
	if (o.kernel && (memory || o.format != HP_REPORT_TEXT)) {
		hp_err("--kernel prints text, without --memory");
		return 2;
	}
	if (memory && (ranks || o.format != HP_REPORT_TEXT)) {
		hp_err("--memory prints text, without --ranks (the data as CSV or JSON: `hpprof"
		       " export -f json` has the views memory_timeline, process_profile and"
		       " alloc_sites)");
		return 2;
	}
	const char *db = optind < argc ? argv[optind] : "hpprof.db";
	struct hp_store *st = NULL;
	if (rank >= 0 && cmd_rank_filter(db, rank, &f))
		return 1;
	f.alloc_weights = memory;             /* the callers of the allocation sites */
	struct hp_profile *p = cmd_load_profile(db, filtered || memory ? &f : NULL, &st);
	if (!p)
		return 1;
	if (o.weight && strcmp(o.weight, "cpu") &&
	    (!strcmp(o.weight, "wall") ? p->wall_col : p->offcpu_col) < 0) {
		hp_err("'%s' has no %s time: record it with `hpprof run --off-cpu`%s", db, o.weight,
		       p->offcpu_col >= 0 ? " and the cpu-clock sampler" : "");
		profile_free(p);
		store_close(st);
		return 1;
	}
	if ((o.columns && check_columns(p, o.columns)) || (o.sort && check_sort(p, o.sort))) {
		profile_free(p);
		store_close(st);
		return 2;
	}
	if ((ranks && not_a_job(p, db)) || selection_missing(p, &f, db)) {
		profile_free(p);
		store_close(st);
		return 1;
	}
	if (filtered) {
		describe_filter(&f, rank, selection, sizeof(selection));
		o.selection = selection;
	}
	int err = memory ? memreport_print(stdout, p, st, o.limit)
		: ranks ? report_print_ranks(stdout, p, &o) : report_print(stdout, p, &o);
	profile_free(p);
	store_close(st);
	if (fflush(stdout) || err) {
		hp_err("cannot write the report");
		return 1;
	}
	return 0;
}

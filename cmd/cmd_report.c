/*
 * cmd_report.c - `hpprof report`: the profile as text, CSV or JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	"  -s, --sort COLUMN    order functions and lines by this column id\n"
	"                       (self, total, or a counter name such as page-faults)\n"
	"      --tid TID        only samples of this thread\n"
	"      --pid PID        only samples of this process\n"
	"      --from SEC       only samples at or after SEC seconds into the run\n"
	"      --to SEC         only samples before SEC seconds into the run\n"
	"      --rank N         only samples of MPI rank N (a merged job, docs/mpi.md)\n"
	"      --ranks          the MPI rank report only: each rank's compute and MPI\n"
	"                       samples, the load imbalance, missing or failed ranks,\n"
	"                       and per function the min/mean/max across ranks\n"
	"  -m, --memory         the memory report: RSS timeline per process (start,\n"
	"                       peak, end, growth phases), the lines that grew RSS,\n"
	"                       allocation sites and leaks (with run --alloc)\n"
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
	{ "ranks",  no_argument,       NULL, 'K' },
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

int cmd_report(int argc, char **argv)
{
	struct hp_report_opts o = { HP_REPORT_TEXT, 20, NULL };
	struct hp_profile_filter f = { 0 };
	int c, filtered = 0, memory = 0, ranks = 0;
	int64_t n, rank = -1;

	while ((c = getopt_long(argc, argv, "n:f:s:mh", long_opts, NULL)) != -1) {
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
		case 'K': ranks = 1; break;
		case 'R':
			if (cmd_parse_rank(optarg, &rank))
				return 2;
			filtered = 1;
			break;
		case 'T': f.tid = (uint32_t)atoi(optarg); filtered = 1; break;
		case 'P': f.pid = (uint32_t)atoi(optarg); filtered = 1; break;
		case 'A': f.t_from = (uint64_t)(atof(optarg) * 1e9); filtered = 1; break;
		case 'B': f.t_to = (uint64_t)(atof(optarg) * 1e9); filtered = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return cmd_option_error(argv, long_opts);
		}
	}
	if (argc - optind > 1) {
		hp_err("report takes one database");
		return 2;
	}
	const char *db = optind < argc ? argv[optind] : "hpprof.db";
	struct hp_store *st = NULL;
	if (rank >= 0 && cmd_rank_filter(db, rank, &f))
		return 1;
	struct hp_profile *p = cmd_load_profile(db, filtered ? &f : NULL, &st);
	if (!p)
		return 1;
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

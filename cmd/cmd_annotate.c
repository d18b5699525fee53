/*
 * cmd_annotate.c - `hpprof annotate [DB] FUNCTION`: the function's source
 * with per-line samples, like line_profiler's output.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/annotate.h"
#include "analyzer/columns.h"
#include "analyzer/profile.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "common/log.h"

static const char usage_text[] =
	"usage: hpprof annotate [OPTIONS] [DB] FUNCTION\n"
	"\n"
	"Print FUNCTION's source with, per line, the share of samples spent on the\n"
	"line itself (Self%), on the line including its callees (Total%), and the\n"
	"measured counters. DB defaults to hpprof.db. A profile simulated with\n"
	"`hpprof run --cache-sim` has no samples: its lines show the simulated\n"
	"counters (sim_Ir, sim_D1mr, ...) instead, labelled SIMULATED.\n"
	"\n"
	"  -c, --counters   also print the counter columns\n"
	"  -h, --help       this help\n";

/* A line has counts when it has samples, or (simulated: no samples)
 * any count at all. */
static int has_counts(const struct hp_profile *p, const struct hp_annotated_line *l)
{
	if (l->self)
		return 1;
	for (uint32_t e = 0; l->c && e < p->nevents; e++)
		if (l->c[e])
			return 1;
	return 0;
}

static void print_line(const struct hp_profile *p, const struct hp_annotated_line *l,
		       int counters, int sampled)
{
	if (sampled && (l->self || l->total))
		printf("%7.2f %7.2f %8" PRIu64 " ", profile_pct(p, l->self),
		       profile_pct(p, l->total), l->total);
	else if (sampled)
		printf("%7s %7s %8s ", "", "", "");
	for (uint32_t e = 0; counters && e < p->nevents; e++) {
		if (!columns_event_shown(p, e))
			continue;
		if (has_counts(p, l))
			printf("%12" PRId64 " ", l->c[e]);
		else
			printf("%12s ", "");
	}
	printf("%6u  %s\n", l->line, l->text ? l->text : "");
}

int cmd_annotate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "counters", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hp_annotation *a;
	int c, counters = 0;
	while ((c = getopt_long(argc, argv, "ch", opts, NULL)) != -1) {
		if (c == 'c') {
			counters = 1;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else {
			return cmd_option_error(argv, opts);
		}
	}
	int nargs = argc - optind;
	if (nargs < 1 || nargs > 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	const char *db = nargs == 2 ? argv[optind] : "hpprof.db";
	const char *fn = argv[argc - 1];
	struct hp_profile *p = cmd_load_profile(db, NULL, NULL);
	if (!p)
		return 1;
	int fi = annotate_find_function(p, fn), err;
	if (fi < 0) {
		hp_err("no function '%s' in '%s' (see `hpprof report`)", fn, db);
		profile_free(p);
		return 1;
	}
	if ((err = annotate_function(p, (uint32_t)fi, &a))) {
		hp_err("no line information for '%s' (built without -g?)", fn);
		profile_free(p);
		return 1;
	}
	int sampled = !profile_simulated_only(p);
	if (sampled)
		printf("%s  (%s)  total %.2f%% of %" PRIu64 " samples\n", a->function,
		       a->file ? a->file : "unknown file",
		       profile_pct(p, a->function_total),
		       p->nsamples);
	else
		printf("%s  (%s)  SIMULATED by cachegrind: nothing was sampled\n", a->function,
		       a->file ? a->file : "unknown file");
	if (a->source_missing)
		printf("(source file not found: showing line numbers only)\n");
	if (!sampled)
		counters = 1;         /* the simulated counts are all there is */
	if (sampled)
		printf("%7s %7s %8s ", "Self%", "Total%", "Samples");
	for (uint32_t e = 0; counters && e < p->nevents; e++)
		if (columns_event_shown(p, e))
			printf("%12.12s ", p->events[e].name);
	printf("%6s  %s\n", "Line", "Source");
	for (uint32_t i = 0; i < a->nlines; i++)
		print_line(p, &a->lines[i], counters, sampled);
	annotate_free(a);
	profile_free(p);
	return 0;
}

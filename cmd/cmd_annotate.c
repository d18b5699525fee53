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
#include "analyzer/profile.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "common/log.h"
#include "common/textsafe.h"

static const char usage_text[] =
	"usage: hpprof annotate [OPTIONS] [DB] FUNCTION\n"
	"\n"
	"Print FUNCTION's source with, per line, the share of samples spent on the\n"
	"line itself (Self%), on the line including its callees (Total%), and the\n"
	"measured counters. DB defaults to hpprof.db.\n"
	"\n"
	"  -c, --counters   also print the counter columns\n"
	"  -h, --help       this help\n";

static void print_line(const struct hp_profile *p, const struct hp_annotated_line *l,
		       int counters)
{
	if (l->self || l->total)
		printf("%7.2f %7.2f %8" PRIu64 " ", profile_pct(p, l->self),
		       profile_pct(p, l->total), l->total);
	else
		printf("%7s %7s %8s ", "", "", "");
	for (uint32_t e = 0; counters && e < p->nevents; e++) {
		if (!p->events[e].measured)
			continue;
		if (l->self)
			printf("%12" PRId64 " ", l->c[e]);
		else
			printf("%12s ", "");
	}
	printf("%6u  ", l->line);
	textsafe_fputs(l->text, 1, stdout);      /* source text, escaped but for its tabs */
	putchar('\n');
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
	char sf[1024], sp[4096], sw[512];
	printf("%s  (%s)  total %.2f%% of %" PRIu64 " samples\n",
	       textsafe(a->function, sf, sizeof(sf)),
	       a->file ? textsafe(a->file, sp, sizeof(sp)) : "unknown file",
	       profile_pct(p, a->function_total),
	       p->nsamples);
	if (a->source_missing && (!a->file || !strcmp(a->source_why, strerror(ENOENT))))
		printf("(source file not found: showing line numbers only)\n");
	else if (a->source_missing)       /* a device, FIFO, directory, unreadable */
		printf("(source file not shown, %s: showing line numbers only)\n",
		       textsafe(a->source_why, sw, sizeof(sw)));
	printf("%7s %7s %8s ", "Self%", "Total%", "Samples");
	for (uint32_t e = 0; counters && e < p->nevents; e++)
		if (p->events[e].measured)
			printf("%12.12s ", textsafe(p->events[e].name, sw, sizeof(sw)));
	printf("%6s  %s\n", "Line", "Source");
	for (uint32_t i = 0; i < a->nlines; i++)
		print_line(p, &a->lines[i], counters);
	annotate_free(a);
	profile_free(p);
	return 0;
}

/*
 * cmd_annotate.c - `hpprof annotate [DB] FUNCTION`: the function's source
 * with per-line samples, like line_profiler's output. When the source file
 * is not on this machine, one line says so and only the lines that carry
 * samples or counts are listed (not every line number of the function).
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
	"line itself (Self%), on the line including its callees (Total%), in the\n"
	"kernel entered from the line (Kern%, part of Self%; shown when a line\n"
	"entered the kernel), and the measured counters. DB defaults to hpprof.db.\n"
	"\n"
	"  -c, --counters   also print the counter columns\n"
	"  -h, --help       this help\n";

static void print_line(const struct hp_profile *p, const struct hp_annotated_line *l,
		       int counters, int kernel)
{
	/* without its text, a line with counts only would read blank */
	const char *text = l->text ? l->text : !l->self && !l->total && !counters
			   ? "(counts only: -c shows them)" : "";
	if (l->self || l->total)
		printf("%7.2f %7.2f ", profile_pct(p, l->self), profile_pct(p, l->total));
	else
		printf("%7s %7s ", "", "");
	if (kernel && l->kernel)
		printf("%7.2f ", profile_pct(p, l->kernel));
	else if (kernel)
		printf("%7s ", "");
	if (l->self || l->total)
		printf("%8" PRIu64 " ", l->total);
	else
		printf("%8s ", "");
	for (uint32_t e = 0; counters && e < p->nevents; e++) {
		if (!p->events[e].measured)
			continue;
		if (l->self || (l->c && l->c[e]))
			printf("%12" PRId64 " ", l->c[e]);
		else
			printf("%12s ", "");
	}
	printf("%6u  ", l->line);
	textsafe_fputs(text, 1, stdout);         /* source text, escaped but for its tabs */
	putchar('\n');
}

/* Does line l carry anything: samples, or a measured counter? */
static int has_cost(const struct hp_profile *p, const struct hp_annotated_line *l)
{
	if (l->self || l->total)
		return 1;
	for (uint32_t e = 0; l->c && e < p->nevents; e++)
		if (p->events[e].measured && l->c[e])
			return 1;
	return 0;
}

/* The one-line reason for a listing without source text. */
static void explain_missing(const struct hp_profile *p, const struct hp_annotation *a)
{
	uint32_t with = 0;
	char sp[4096], sw[512];
	for (uint32_t i = 0; i < a->nlines; i++)
		with += has_cost(p, &a->lines[i]);
	if (a->file && strcmp(a->source_why, strerror(ENOENT)))
		printf("(source file not shown, %s; ", textsafe(a->source_why, sw, sizeof(sw)));
	else if (a->file)
		printf("(no source: '%s' is not on this machine%s; ", textsafe(a->file, sp, sizeof(sp)),
		       a->file[0] == '/' ? "" : " (relative to where it was compiled)");
	else
		printf("(no source file is known; ");
	printf("the %u of %u lines with samples or counts:)\n", with, a->nlines);
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
	if (a->source_missing)
		explain_missing(p, a);
	int kernel = 0;
	for (uint32_t i = 0; i < a->nlines; i++)
		kernel |= a->lines[i].kernel != 0;
	printf("%7s %7s ", "Self%", "Total%");
	if (kernel)
		printf("%7s ", "Kern%");
	printf("%8s ", "Samples");
	for (uint32_t e = 0; counters && e < p->nevents; e++)
		if (p->events[e].measured)
			printf("%12.12s ", textsafe(p->events[e].name, sw, sizeof(sw)));
	printf("%6s  %s\n", "Line", "Source");
	for (uint32_t i = 0; i < a->nlines; i++)
		if (!a->source_missing || has_cost(p, &a->lines[i]))
			print_line(p, &a->lines[i], counters, kernel);
	annotate_free(a);
	profile_free(p);
	return 0;
}

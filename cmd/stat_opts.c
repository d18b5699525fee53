/*
 * stat_opts.c - `hpprof stat`'s options and help (stat.h, stat_parse_args).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd_util.h"
#include "cmd/stat.h"
#include "common/log.h"

#define MAX_REPEAT 100000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hpprof stat [-e LIST] [-r N] [--json | -x SEP] [-o FILE] [--cache-sim]\n"
		"                   [--] PROGRAM [ARGS...]\n"
		"\n"
		"Run PROGRAM and count events, like `perf stat -r N`: each event's mean over\n"
		"the runs with the relative standard deviation of the mean, derived ratios,\n"
		"elapsed, user and sys seconds and the maximum resident set size. The result\n"
		"goes to standard error, as perf stat's does; PROGRAM keeps standard output.\n"
		"\n"
		"  -e, --event LIST   comma-separated event names (see `hpprof list`; repeatable,\n"
		"                     each -e adds to the list); default:\n"
		"                     task-clock,context-switches,cpu-migrations,page-faults,\n"
		"                     cycles,instructions,cache-references,cache-misses,\n"
		"                     branch-misses\n"
		"  -r, --repeat N     run PROGRAM N times (default 1, at most %d)\n"
		"  -x, --field-separator SEP\n"
		"                     print CSV lines separated by SEP, as perf stat -x does\n"
		"      --json         print the result as one JSON object\n"
		"  -o, --output FILE  write the result to FILE instead of standard error\n"
		"      --cache-sim    also run PROGRAM once under valgrind's cachegrind and\n"
		"                     print its simulated counts as sim_* rows (instructions,\n"
		"                     L1 and LL misses, branch mispredictions; docs/cache-sim.md)\n"
		"      --sim-I1, --sim-D1, --sim-LL SIZE,ASSOC,LINE\n"
		"                     the simulated caches (default: this machine's)\n"
		"      --valgrind PATH\n"
		"                     the valgrind to run (default: $HPPROF_VALGRIND, else\n"
		"                     valgrind in PATH)\n"
		"      --cache-sim-fallback\n"
		"                     when valgrind is missing or cannot run PROGRAM, print\n"
		"                     the measured counts only instead of failing\n"
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

int stat_parse_args(int argc, char **argv, struct stat_opts *o)
{
	enum { OPT_JSON = 256 };
	static const struct option longopts[] = {
		{ "event",           required_argument, NULL, 'e' },
		{ "repeat",          required_argument, NULL, 'r' },
		{ "json",            no_argument,       NULL, OPT_JSON },
		{ "field-separator", required_argument, NULL, 'x' },
		{ "output",          required_argument, NULL, 'o' },
		{ "cache-sim",       no_argument,       NULL, STAT_OPT_CACHE_SIM },
		{ "cache-sim-fallback", no_argument,    NULL, STAT_OPT_SIM_FALLBACK },
		{ "valgrind",        required_argument, NULL, STAT_OPT_VALGRIND },
		{ "sim-I1",          required_argument, NULL, STAT_OPT_SIM_I1 },
		{ "sim-D1",          required_argument, NULL, STAT_OPT_SIM_D1 },
		{ "sim-LL",          required_argument, NULL, STAT_OPT_SIM_LL },
		{ "help",            no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->repeat = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:e:r:x:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':     /* each -e adds, as with perf stat */
			if (cmd_events_add(&o->events, &o->events_joined, optarg) < 0)
				return 1;
			break;
		case 'o': o->output = optarg; break;
		case 'x': o->sep = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case 'h': usage(stdout); return -1;
		case STAT_OPT_CACHE_SIM: case STAT_OPT_SIM_FALLBACK: case STAT_OPT_VALGRIND:
		case STAT_OPT_SIM_I1: case STAT_OPT_SIM_D1: case STAT_OPT_SIM_LL:
			if (stat_sim_option(&o->sim, c, optarg))
				return 2;
			break;
		case 'r':
			if (parse_repeat(optarg, &o->repeat) < 0) {
				hp_err("invalid repeat count '%s': expected 1..%d", optarg, MAX_REPEAT);
				return 2;
			}
			break;
		default: return cmd_option_error(argv, longopts);
		}
	}
	if (o->json && o->sep) {
		hp_err("--json and -x are two output formats: choose one");
		return 2;
	}
	if (o->sep && !*o->sep) {
		hp_err("-x needs a separator, such as ',' or ';'");
		return 2;
	}
	if (optind >= argc) {
		hp_err("no program to run");
		usage(stderr);
		return 2;
	}
	o->argv = argv + optind;
	return 0;
}

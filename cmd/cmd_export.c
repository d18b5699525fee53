/*
 * cmd_export.c - `hpprof export`: a profile in another tool's format
 * (analyzer/export.h), on stdout or into a file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/columns.h"
#include "analyzer/export.h"
#include "analyzer/profile.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "common/error.h"
#include "common/log.h"
#include "common/outfile.h"
#include "common/store.h"

static const char usage_text[] =
	"usage: hpprof export [OPTIONS] --format FORMAT [DB]\n"
	"\n"
	"Write a profile (DB defaults to hpprof.db) in another tool's format.\n"
	"\n"
	"  -f, --format FORMAT  folded      flamegraph.pl / inferno folded stacks\n"
	"                       pprof       gzipped profile.proto (go tool pprof)\n"
	"                       speedscope  speedscope.app JSON, one profile per thread\n"
	"                       chrome      Trace Event JSON for Perfetto / chrome://tracing\n"
	"                       callgrind   callgrind_annotate / KCachegrind\n"
	"                       svg         interactive flame graph (zoom, search, hot lines)\n"
	"                       memory-svg  chart of RSS (and heap with run --alloc) over time\n"
	"                       csv, json   the public SQL views\n"
	"  -o, --output FILE    write to FILE instead of stdout\n"
	"  -w, --weight EVENT   folded, svg: weigh stacks by a counter such as\n"
	"                       page-faults instead of samples, or by allocations\n"
	"                       (run --alloc): allocs, alloc-bytes, leaked-bytes,\n"
	"                       peak-bytes, temporary; pprof: an allocation weight\n"
	"                       writes a heap profile (alloc_objects, alloc_space,\n"
	"                       inuse_objects, inuse_space, peak_space, temporary);\n"
	"                       folded, svg, pprof, speedscope: off-cpu or wall\n"
	"                       (nanoseconds, for runs recorded with `run --off-cpu`)\n"
	"      --view VIEW      csv, json: only this view (run_info, function_profile,\n"
	"                       line_profile, thread_profile, process_profile,\n"
	"                       memory_timeline, alloc_sites);\n"
	"                       csv defaults to function_profile, json to all of them\n"
	"      --title TEXT     svg, memory-svg: the title (default: the profiled command)\n"
	"      --diff BASE      svg: a differential flame graph of DB against BASE.db:\n"
	"                       frames red where their self time grew beyond the\n"
	"                       noise, blue where it shrank (see hpprof diff)\n"
	"  -q, --quiet          no notes or progress on stderr (warnings and errors stay)\n"
	"  -h, --help           this help\n";

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "weight", required_argument, NULL, 'w' },
	{ "view",   required_argument, NULL, 'V' },
	{ "title",  required_argument, NULL, 'T' },
	{ "diff",   required_argument, NULL, 'D' },
	{ "quiet",  no_argument,       NULL, 'q' },
	{ "help",   no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct export_cmd {
	struct hp_export_opts x;
	int have_format;
	const char *output;
	const char *db;
	const char *base;             /* --diff */
};

/* An option the chosen format does not use is a mistake (it used to be
 * ignored: `-f callgrind -w allocs` wrote samples): say which formats take it. */
static int option_ignored(const struct export_cmd *o)
{
	enum hp_export_format f = o->x.format;
	const char *fmt = export_format_name(f);
	if (o->x.weight && f != HP_EXPORT_FOLDED && f != HP_EXPORT_SVG && f != HP_EXPORT_PPROF &&
	    f != HP_EXPORT_SPEEDSCOPE) {
		hp_err("--weight is for folded, svg, pprof and speedscope, not %s", fmt);
		return 1;
	}
	if (o->x.view && f != HP_EXPORT_CSV && f != HP_EXPORT_JSON) {
		hp_err("--view is for csv and json, not %s", fmt);
		return 1;
	}
	if (o->x.title && f != HP_EXPORT_SVG && f != HP_EXPORT_MEMSVG) {
		hp_err("--title is for svg and memory-svg, not %s", fmt);
		return 1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct export_cmd *o)
{
	int c;
	while ((c = getopt_long(argc, argv, "f:o:w:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (export_parse_format(optarg, &o->x.format)) {
				hp_err("invalid --format '%s': use folded, pprof, speedscope, chrome,"
				       " callgrind, svg, memory-svg, csv or json", optarg);
				return 2;
			}
			o->have_format = 1;
			break;
		case 'o': o->output = optarg; break;
		case 'w': o->x.weight = optarg; break;
		case 'V': o->x.view = optarg; break;
		case 'T': o->x.title = optarg; break;
		case 'D': o->base = optarg; break;
		case 'q': hp_quiet = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return cmd_option_error(argv, long_opts);
		}
	}
	if (!o->have_format) {
		hp_err("export needs --format (folded, pprof, speedscope, chrome, callgrind, svg, memory-svg,"
		       " csv or json)");
		return 2;
	}
	if (argc - optind > 1) {
		hp_err("export takes one database");
		return 2;
	}
	if (o->base && o->x.format != HP_EXPORT_SVG) {
		hp_err("--diff draws a differential flame graph: it needs --format svg");
		return 2;
	}
	if (o->x.format == HP_EXPORT_SPEEDSCOPE && o->x.weight && strcmp(o->x.weight, "off-cpu") &&
	    strcmp(o->x.weight, "wall")) {
		hp_err("invalid --weight '%s': speedscope weighs CPU time (the default), off-cpu or"
		       " wall", o->x.weight);
		return 2;
	}
	if (option_ignored(o))
		return 2;
	if (o->base && o->x.weight) {
		hp_err("--diff draws CPU time: it takes no --weight");
		return 2;
	}
	o->db = optind < argc ? argv[optind] : "hpprof.db";
	return -1;
}

static void explain(const struct export_cmd *o, const struct hp_profile *p, int err)
{
	char why[512];
	if (err == -HP_EBADEVENT && profile_is_alloc_weight(o->x.weight)) {
		hp_err("invalid --weight '%s': '%s' has no allocation data (record it with"
		       " `hpprof run --alloc`)", o->x.weight, o->db);
	} else if (err == -HP_EBADEVENT && o->x.weight && !strcmp(o->x.weight, "wall")) {
		hp_err("invalid --weight 'wall': '%s' has no off-CPU time (record it with"
		       " `hpprof run --off-cpu`), or its samples stand for no CPU time (a sampler"
		       " other than cpu-clock, or runs merged at different rates)", o->db);
	} else if (err == -HP_EBADEVENT && o->x.weight && !strcmp(o->x.weight, "off-cpu")) {
		hp_err("invalid --weight '%s': '%s' has no off-CPU time (record it with"
		       " `hpprof run --off-cpu`)", o->x.weight, o->db);
	} else if (err == -HP_EBADEVENT && p && o->x.weight &&
		   columns_counter_why(p, o->x.weight, why, sizeof(why))) {
		hp_err("invalid --weight '%s': %s", o->x.weight, why);
	} else if (err == -HP_EBADEVENT) {
		char names[1024] = "samples";
		int sim = 0;
		for (uint32_t e = 0; p && e < p->nevents; e++)
			if (p->events[e].measured && !strcmp(p->events[e].role, "simulated")) {
				sim = 1;          /* per line, no stacks: no weight */
			} else if (p->events[e].measured && p->events[e].rows) {
				strncat(names, ", ", sizeof(names) - strlen(names) - 1);
				strncat(names, p->events[e].name, sizeof(names) - strlen(names) - 1);
			}
		if (p && profile_meta(p, "alloc_tracking"))
			for (int i = 0; i < HP_ALLOC_NWEIGHTS; i++) {
				strncat(names, ", ", sizeof(names) - strlen(names) - 1);
				strncat(names, hp_alloc_weights[i], sizeof(names) - strlen(names) - 1);
			}
		if (p && p->offcpu_col >= 0)
			strncat(names, ", off-cpu, wall", sizeof(names) - strlen(names) - 1);
		if (sim && !strncmp(o->x.weight, "sim_", 4)) {
			hp_err("invalid --weight '%s': simulated counts (run --cache-sim) are per source"
			       " line, without call stacks, and weigh no stack (use one of: %s)",
			       o->x.weight, names);
			return;
		}
		hp_err("invalid --weight '%s': '%s' measured no such counter (use one of: %s)",
		       o->x.weight, o->db, names);
	} else if (err == -ENOENT && o->x.view) {
		hp_err("invalid --view '%s': '%s' has no such view", o->x.view, o->db);
	} else {
		hp_err("cannot export '%s' as %s: %s", o->db, export_format_name(o->x.format),
		       hp_strerror(err));
	}
}

/* The export goes to a temporary file beside -o FILE, renamed into place
 * only when complete: a failed export leaves FILE as it was. */
static int run_export(struct export_cmd *o, struct hp_store *st, const struct hp_profile *p)
{
	struct hp_outfile of;
	FILE *out = stdout;
	int err;
	if (o->output) {
		/* an hpprof profile is refused (`export -o a.db a.db` replaced the
		 * profile with its own export): cmd_output_open */
		if (cmd_output_open(&of, o->output, "cannot write"))
			return 1;
		out = of.f;
		outfile_guard(of.tmp, 0);     /* Ctrl-C leaves no partial temporary */
	}
	err = export_write(out, st, p, &o->x);
	if (err)
		explain(o, p, err);
	int rc = o->output && cmd_output_close(&of, !err);
	outfile_unguard();
	return rc || err ? 1 : 0;
}

int cmd_export(int argc, char **argv)
{
	struct export_cmd o = { 0 };
	struct hp_profile *p = NULL;
	struct hp_store *st = NULL;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (!o.output && export_is_binary(o.x.format) && isatty(STDOUT_FILENO)) {
		hp_err("%s output is binary: use -o FILE or redirect stdout",
		       export_format_name(o.x.format));
		return 2;
	}
	struct hp_profile_filter f = { .alloc_weights = profile_is_alloc_weight(o.x.weight) };
	if (export_needs_profile(o.x.format))
		p = cmd_load_profile(o.db, f.alloc_weights ? &f : NULL, &st);
	else
		st = cmd_open_db(o.db, 0);
	if (!st || (export_needs_profile(o.x.format) && !p))
		return 1;
	struct hp_profile *base = NULL;
	struct hp_store *base_st = NULL;
	if (o.base) {
		if (!(base = cmd_load_profile(o.base, NULL, &base_st))) {
			profile_free(p);
			store_close(st);
			return 1;
		}
		o.x.base = base;
		o.x.base_name = o.base;
		o.x.name = o.db;
	}
	rc = run_export(&o, st, p);
	profile_free(base);
	store_close(base_st);
	profile_free(p);
	store_close(st);
	return rc;
}

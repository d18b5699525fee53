/*
 * cmd_annotate.c - `hpprof annotate [DB] FUNCTION`: the function's source
 * with per-line samples, like line_profiler's output; its machine code with
 * per-instruction samples where there is no source (stripped code, sources
 * not installed) or with --asm, interleaved with the source lines. When
 * neither the source file nor the binary is on this machine, one line says
 * so and only the lines that carry samples or counts are listed.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/annotate.h"
#include "analyzer/columns.h"
#include "analyzer/disasm.h"
#include "analyzer/profile.h"
#include "analyzer/shortname.h"
#include "analyzer/srcpath.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "common/log.h"
#include "common/textsafe.h"

static const char usage_text[] =
	"usage: hpprof annotate [OPTIONS] [DB] FUNCTION\n"
	"\n"
	"Print FUNCTION's source with, per line, the share of FUNCTION's samples\n"
	"spent on the line itself (Self%), on the line including its callees\n"
	"(Total%), in the kernel entered from the line (Kern%, part of Self%; shown\n"
	"when a line entered the kernel; a Python line's Kern% is the kernel time\n"
	"beneath it, under the C code it called, not part of its Self%), and the\n"
	"measured counters. A line other functions share (a C++ template's other\n"
	"instantiations, an inline function's other callers) counts only FUNCTION's\n"
	"part. In a merge of runs sampled at different rates the shares are of\n"
	"CPU time (each sample its run's period), as in report.\n"
	"FUNCTION is the name as `hpprof report --wide` prints it, a C++\n"
	"name as perf prints it, without return type and parameters, or a name as\n"
	"report's column cuts it (\"std::sort<__norma..\"). DB defaults to hpprof.db.\n"
	"Where the source is not available (no line information, file not found)\n"
	"it prints the function's machine code instead, with the same columns per\n"
	"instruction, read from the binary (which must be the one that ran).\n"
	"A profile simulated with `hpprof run --cache-sim` has no samples: its\n"
	"lines show the simulated counters (sim_Ir, sim_D1mr, ...) instead,\n"
	"labelled SIMULATED.\n"
	"A source file not at its recorded path is looked for under the run's\n"
	"directory, through --source-map and $HPPROF_SOURCE_MAP (FROM=TO[:FROM=TO]),\n"
	"and a Rust std path (/rustc/COMMIT/...) in the rust-src of that rustc.\n"
	"\n"
	"  -d, --asm        print the machine code, interleaved with the source lines\n"
	"  -c, --counters   also print the counter columns\n"
	"  -m, --source-map FROM=TO\n"
	"                   read a source file whose path starts with FROM under TO\n"
	"                   instead (as gdb's substitute-path; repeatable)\n"
	"  -h, --help       this help\n";

/* Any count at all (a simulated profile has counts and no samples). */
static int any_count(const struct hp_profile *p, const int64_t *c)
{
	for (uint32_t e = 0; c && e < p->nevents; e++)
		if (c[e])
			return 1;
	return 0;
}

/* A line's or an instruction's costs: samples, their CPU time (a merge of
 * runs at different rates: the shares are of it) and the counter sums. */
struct costs {
	uint64_t self, total, kernel;
	int64_t self_ns, total_ns, kernel_ns;
	const int64_t *c;
};

/* The cost columns of a line or an instruction (blank without samples);
 * a simulated profile (sampled 0) has the counter columns only. */
static void print_costs(const struct hp_profile *p, const struct costs *k, int counters, int kernel,
			int sampled)
{
	const int64_t *c = k->c;
	if (sampled && (k->self || k->total))
		printf("%7.2f %7.2f ", profile_time_share(p, k->self, k->self_ns),
		       profile_time_share(p, k->total, k->total_ns));
	else if (sampled)
		printf("%7s %7s ", "", "");
	if (kernel && k->kernel)
		printf("%7.2f ", profile_time_share(p, k->kernel, k->kernel_ns));
	else if (kernel)
		printf("%7s ", "");
	if (sampled && (k->self || k->total))
		printf("%8" PRIu64 " ", k->total);
	else if (sampled)
		printf("%8s ", "");
	int shown = k->self || any_count(p, c);
	for (uint32_t e = 0; counters && e < p->nevents; e++) {
		if (!columns_event_shown(p, e))
			continue;
		if (shown)
			printf("%12" PRId64 " ", c ? c[e] : 0);
		else
			printf("%12s ", "");
	}
}

static void print_line(const struct hp_profile *p, const struct hp_annotated_line *l,
		       int counters, int kernel, int sampled)
{
	/* without its text, a line with counts only would read blank */
	const char *text = l->text ? l->text : !l->self && !l->total && !counters &&
			   any_count(p, l->c) ? "(counts only: -c shows them)" : "";
	struct costs k = { l->self, l->total, l->kernel, l->self_ns, l->total_ns, l->kernel_ns,
			   l->c };
	print_costs(p, &k, counters, kernel, sampled);
	printf("%6u  ", l->line);
	textsafe_fputs(text, 1, stdout);         /* source text, escaped but for its tabs */
	putchar('\n');
}

/* The column headers before the last one. */
static void print_heads(const struct hp_profile *p, int counters, int kernel, int sampled)
{
	if (sampled)
		printf("%7s %7s ", "Self%", "Total%");
	if (kernel)
		printf("%7s ", "Kern%");
	if (sampled)
		printf("%8s ", "Samples");
	char sw[512];
	for (uint32_t e = 0; counters && e < p->nevents; e++)
		if (columns_event_shown(p, e))
			printf("%12.12s ", textsafe(p->events[e].name, sw, sizeof(sw)));
}

/* The machine code of function fi with its costs (intro: why it is shown
 * instead of the source, or NULL); 0, or 1 with why filled. */
static int print_disasm(const struct hp_profile *p, uint32_t fi, int counters, const char *intro,
			char *why, size_t whylen)
{
	struct hp_disasm *d;
	if (disasm_function(p, fi, 1, &d, why, whylen))
		return 1;
	int kernel = d->kernel != 0;
	char sf[1024], sm[4096];
	printf("%s  (%s, 0x%" PRIx64 "-0x%" PRIx64 ", extent from its %s)  total %.2f%% of %" PRIu64
	       " samples\n", textsafe(d->function, sf, sizeof(sf)), textsafe(d->module, sm, sizeof(sm)),
	       d->start, d->end, d->extent,
	       profile_time_share(p, d->function_total, d->function_total_ns), p->nsamples);
	if (intro)
		printf("(%s)\n", intro);
	if (d->inlined_into) {
		char si[1024];
		printf("(inlined: this is the code of %s, where it was inlined; an instruction's"
		       " costs are all the samples there, not only %s's)\n",
		       textsafe(d->inlined_into, si, sizeof(si)), textsafe(d->function, sf, sizeof(sf)));
	}
	print_heads(p, counters, kernel, 1);
	printf("%10s  %s\n", "Address", "Instruction");
	for (uint32_t i = 0; i < d->nrows; i++) {
		const struct hp_disasm_row *r = &d->rows[i];
		if (r->kind == HP_DISASM_SOURCE) {
			print_costs(p, &(struct costs){ 0 }, counters, kernel, 1);
			printf("%10s  %s:%u%s", "", textsafe(stacks_basename(r->file), sf, sizeof(sf)),
			       r->line, r->source ? "  " : "");
			textsafe_fputs(r->source ? r->source : "", 1, stdout);
			putchar('\n');
			continue;
		}
		struct costs k = { r->self, r->total, r->kernel,
				   r->self_ns, r->total_ns, r->kernel_ns, r->c };
		print_costs(p, &k, counters, kernel, 1);
		printf("%10" PRIx64 "  %s%s\n", r->addr, d->has_lines ? "    " : "", r->text);
	}
	disasm_free(d);
	return 0;
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
static void explain_missing(const struct hp_profile *p, uint32_t fi, const struct hp_annotation *a,
			    const char *why)
{
	uint32_t with = 0;
	char r[1024], sr[4096], sw[512];
	for (uint32_t i = 0; i < a->nlines; i++)
		with += has_cost(p, &a->lines[i]);
	annotate_source_why(p->functions[fi].module, a->file, a->source_why, r, sizeof(r));
	printf("(%s; no machine code either: %s; the %u of %u lines with samples or counts:)\n",
	       textsafe(r, sr, sizeof(sr)), textsafe(why, sw, sizeof(sw)), with, a->nlines);
}

static const char *module_base(const char *m)
{
	const char *b = m ? strrchr(m, '/') : NULL;
	return b ? b + 1 : m ? m : "?";
}

/* A name that several modules have (xmalloc in cc1 and libbfd, main in a
 * merged file of several programs): the listing is of the one with the
 * most samples; say which, and which others there are. */
static void note_namesakes(const struct hp_profile *p, uint32_t fi)
{
	char others[512] = "", sm[256];
	unsigned n = 0;
	for (uint32_t i = 0; i < p->nfunctions; i++) {
		if (i == fi || strcmp(p->functions[i].name, p->functions[fi].name))
			continue;
		if (n++ < 4) {
			size_t k = strlen(others);
			snprintf(others + k, sizeof(others) - k, "%s%s", k ? ", " : "",
				 textsafe(module_base(p->functions[i].module), sm, sizeof(sm)));
		}
	}
	if (!n)
		return;
	char sf[512], sb[256];
	hp_info("'%s' is a function of %u modules: this is %s's, the one with the most samples"
		" (also in %s%s)", textsafe(p->functions[fi].name, sf, sizeof(sf)), n + 1,
		textsafe(module_base(p->functions[fi].module), sb, sizeof(sb)), others,
		n > 4 ? ", ..." : "");
}

/* The first function whose name match() accepts for fn, and another of
 * another name (or -1 each). */
static void find_matching(const struct hp_profile *p, const char *fn,
			  int (*match)(const char *name, const char *s), int *first, int *other)
{
	*first = *other = -1;
	for (uint32_t i = 0; i < p->nfunctions && *other < 0; i++) {
		if (!match(p->functions[i].name, fn))
			continue;
		if (*first < 0)
			*first = (int)i;
		else if (strcmp(p->functions[i].name, p->functions[*first].name))
			*other = (int)i;
	}
}

/* FUNCTION as the report prints it in full, else as perf names it (a C++
 * name without return type and parameters: "bench::sort_and_sum<int>"),
 * else as a narrow column of the report shows it, cut with ".."
 * ("std::__unguarded_partition<__norma.."). Several functions with that
 * name or cut form: it says which full names there are and returns -2.
 * -1: no such function. */
static int find_function(const struct hp_profile *p, const char *fn)
{
	int fi = annotate_find_function(p, fn), first, other, cut = 0;
	if (fi >= 0)
		return fi;
	find_matching(p, fn, name_matches, &first, &other);
	if (first < 0 && (cut = strstr(fn, "..") != NULL))
		find_matching(p, fn, name_matches_cut, &first, &other);
	if (first < 0)
		return -1;
	char s1[1024], s2[1024];
	if (other < 0) {                      /* one name (maybe in several modules) */
		if (cut)
			hp_info("'%s' is read as '%s' (the one function whose name a report column cuts so)",
				fn, textsafe(p->functions[first].name, s1, sizeof(s1)));
		return annotate_find_function(p, p->functions[first].name);
	}
	hp_err("'%s' names several functions: give the full name, e.g. '%s' or '%s'"
	       " (`hpprof report --wide` lists them)", fn,
	       textsafe(p->functions[first].name, s1, sizeof(s1)),
	       textsafe(p->functions[other].name, s2, sizeof(s2)));
	return -2;
}

/* A copy GCC made of the C function fn, named as its symbol:
 * "mix.constprop.0", "parse.isra.0", "main.cold". */
static int is_clone_of(const char *name, const char *fn)
{
	size_t n = strlen(fn);
	return !strncmp(name, fn, n) && name[n] == '.' && islower((unsigned char)name[n + 1]);
}

/* No function is named fn. A C function that GCC copied (constant
 * propagation, a split cold part) has samples under its copies' symbol
 * names only, as in perf and the report: name them. */
static void no_function(const struct hp_profile *p, const char *fn, const char *db)
{
	char list[1024] = "", s[512];
	unsigned n = 0;
	for (uint32_t i = 0; i < p->nfunctions; i++) {
		const char *name = p->functions[i].name, *safe;
		char quoted[520];
		if (!is_clone_of(name, fn))
			continue;
		safe = textsafe(name, s, sizeof(s));
		snprintf(quoted, sizeof(quoted), "'%s'", safe);
		if (strstr(list, quoted))
			continue;         /* the same copy in another module */
		if (n++ < 3) {
			size_t k = strlen(list);
			snprintf(list + k, sizeof(list) - k, "%s%s", k ? ", " : "", quoted);
		}
	}
	if (n)
		hp_err("no function '%s' in '%s': the compiler's cop%s of it %s %s%s (annotate"
		       " that name)", fn, db, n > 1 ? "ies" : "y", n > 1 ? "are" : "is", list,
		       n > 3 ? ", ..." : "");
	else
		hp_err("no function '%s' in '%s' (see `hpprof report`; a C++ function is"
		       " named in full or as perf names it, without return type and"
		       " parameters)", fn, db);
}

static int annotate_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "asm", no_argument, NULL, 'd' },
		{ "counters", no_argument, NULL, 'c' },
		{ "source-map", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hp_annotation *a;
	char why[512];
	int c, counters = 0, asm_only = 0;
	while ((c = getopt_long(argc, argv, "dcm:h", opts, NULL)) != -1) {
		if (c == 'c') {
			counters = 1;
		} else if (c == 'm') {
			if (srcpath_option(optarg))
				return 2;
		} else if (c == 'd') {
			asm_only = 1;
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
	struct stat sb;
	if (nargs == 1 && strstr(fn, ".db") && !stat(fn, &sb) && S_ISREG(sb.st_mode)) {
		hp_err("'%s' is a database: name the function after it (hpprof annotate %s"
		       " FUNCTION; `hpprof report %s` lists them)", fn, fn, fn);
		return 2;
	}
	struct hp_profile *p = cmd_load_profile(db, NULL, NULL);
	if (!p)
		return 1;
	int fi = find_function(p, fn), err;
	if (fi < 0) {
		if (fi == -1)
			no_function(p, fn, db);
		profile_free(p);
		return 1;
	}
	note_namesakes(p, (uint32_t)fi);
	int sampled = !profile_simulated_only(p);
	if (asm_only && !sampled) {
		hp_err("--asm shows samples per instruction; a simulated profile has none (its "
		       "costs are per line)");
		profile_free(p);
		return 1;
	}
	if (asm_only) {
		err = print_disasm(p, (uint32_t)fi, counters, NULL, why, sizeof(why));
		if (err)
			hp_err("cannot disassemble '%s': %s", fn, why);
		profile_free(p);
		return err;
	}
	const char *module = p->functions[fi].module;
	char intro[1024], sw[sizeof(intro) * 4];
	if ((err = annotate_function(p, (uint32_t)fi, &a))) {
		annotate_source_why(module, NULL, NULL, intro, sizeof(intro));
		const char *safe = textsafe(intro, sw, sizeof(sw));   /* intro itself when clean */
		if (!sampled)
			snprintf(why, sizeof(why), "a simulated profile has no costs per instruction");
		err = !sampled || print_disasm(p, (uint32_t)fi, counters, safe, why, sizeof(why));
		if (err)
			hp_err("'%s': %s; no machine code either: %s", fn, safe, why);
		profile_free(p);
		return err;
	}
	annotate_source_why(module, a->file, a->source_why, intro, sizeof(intro));
	if (a->source_missing && sampled &&
	    !print_disasm(p, (uint32_t)fi, counters, textsafe(intro, sw, sizeof(sw)), why,
			  sizeof(why))) {
		annotate_free(a);
		profile_free(p);
		return 0;
	}
	char sf[1024], sp[4096], sr[4096 + 32] = "";
	if (a->source_path && a->file && strcmp(a->source_path, a->file))
		snprintf(sr, sizeof(sr), ", read from %s", textsafe(a->source_path, sp, sizeof(sp)));
	if (sampled)
		printf("%s  (%s%s)  total %.2f%% of %" PRIu64 " samples\n",
		       textsafe(a->function, sf, sizeof(sf)),
		       a->file ? textsafe(a->file, sp, sizeof(sp)) : "unknown file", sr,
		       profile_time_share(p, a->function_total, a->function_total_ns),
		       p->nsamples);
	else
		printf("%s  (%s)  SIMULATED by cachegrind: nothing was sampled\n",
		       textsafe(a->function, sf, sizeof(sf)),
		       a->file ? textsafe(a->file, sp, sizeof(sp)) : "unknown file");
	if (!sampled && a->sim_elsewhere)
		printf("(%" PRId64 " of its %" PRId64 " %s are in code inlined from %u other files,"
		       " not listed here: line_profile has them under this function)\n",
		       a->sim_elsewhere, a->sim_all, p->events[0].name, a->sim_other_files);
	if (!sampled) {
		counters = 1;         /* the simulated counts are all there is */
		snprintf(why, sizeof(why), "a simulated profile has no samples per instruction");
	}
	if (a->source_missing)
		explain_missing(p, (uint32_t)fi, a, why);
	int kernel = 0;
	for (uint32_t i = 0; i < a->nlines; i++)
		kernel |= a->lines[i].kernel != 0;
	print_heads(p, counters, kernel, sampled);
	printf("%6s  %s\n", "Line", "Source");
	for (uint32_t i = 0; i < a->nlines; i++)
		if (!a->source_missing || has_cost(p, &a->lines[i]))
			print_line(p, &a->lines[i], counters, kernel, sampled);
	annotate_free(a);
	profile_free(p);
	return 0;
}

/* The listing goes to stdout: a write that failed (a full disk) is an
 * error, not a listing cut short in silence (a closed pipe ends hpprof
 * with status 0 before this: hpprof.c). */
int cmd_annotate(int argc, char **argv)
{
	int rc = annotate_cmd(argc, argv);
	if (fflush(stdout) || ferror(stdout)) {
		hp_err("cannot write the listing");
		return rc ? rc : 1;
	}
	return rc;
}

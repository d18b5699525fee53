/*
 * cmd_tui.c - `hpprof tui`: browse a profile in the terminal, or print one
 * view as text (--dump) for scripts and golden tests.
 *
 * Opens the database (and the --diff baseline) with the standard messages
 * before the terminal is touched, so a bad file never leaves curses
 * behind; then hands the browser a tui_source that reloads the profile
 * with a filter and counts the timeline through the analyzer.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "analyzer/srcpath.h"
#include "analyzer/timeline.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/ranks_util.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"
#include "tui/tui.h"

static const char usage_text[] =
	"usage: hpprof tui [OPTIONS] [DB]\n"
	"\n"
	"Browse a profile (DB defaults to hpprof.db) in the terminal: summary,\n"
	"functions, lines, source, call tree, flame graph, memory, threads and\n"
	"timeline; r opens the MPI ranks of a merged job. Press ? inside for the keys.\n"
	"\n"
	"      --diff BASE      also load BASE.db and compare with it (diff view;\n"
	"                       timeline: both runs on one time axis; r: the ranks\n"
	"                       of two MPI jobs side by side)\n"
	"      --view NAME      start in this view\n"
	"      --dump VIEW      print VIEW as text and exit; no terminal needed\n"
	"      --width N        width of the --dump text (default 100)\n"
	"      --height N       height of the --dump text (default 30)\n"
	"      --keys KEYS      with --dump: keys to press first, e.g. '2<enter>'\n"
	"      --rank N         show only MPI rank N (x inside shows all ranks)\n"
	"      --from SEC       show only samples at or after SEC seconds into the run\n"
	"                       (each rank's; with --diff, r and the timeline compare\n"
	"                       that window of both runs)\n"
	"      --to SEC         show only samples before SEC seconds into the run\n"
	"      --threshold PCT  with --diff: smallest change that counts, in percent\n"
	"                       of the before value (default 5), as for hpprof diff\n"
	"      --alpha P        with --diff: significance level of the tests, and\n"
	"                       1 - the confidence of the intervals (default 0.05)\n"
	"      --no-color       do not use colors (so does NO_COLOR=1)\n"
	"      --source-map FROM=TO  read a source file whose path starts with FROM\n"
	"                       under TO (repeatable; also $HPPROF_SOURCE_MAP)\n"
	"  -h, --help           this help\n"
	"\n"
	"Views: summary functions lines tree flame memory threads timeline diff,\n"
	"and source (the hottest function's source), ranks and help for --dump.\n";

static const struct option long_opts[] = {
	{ "diff",     required_argument, NULL, 'D' },
	{ "view",     required_argument, NULL, 'v' },
	{ "dump",     required_argument, NULL, 'd' },
	{ "width",    required_argument, NULL, 'W' },
	{ "height",   required_argument, NULL, 'H' },
	{ "keys",     required_argument, NULL, 'k' },
	{ "no-color", no_argument,       NULL, 'c' },
	{ "rank",     required_argument, NULL, 'r' },
	{ "from",     required_argument, NULL, 'F' },
	{ "to",       required_argument, NULL, 'U' },
	{ "threshold", required_argument, NULL, 'T' },
	{ "alpha",    required_argument, NULL, 'A' },
	{ "source-map", required_argument, NULL, 'S' },
	{ "help",     no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct db {
	const char *path;
	struct hp_store *st;
	int alloc;                    /* load the allocation weights (not with --diff) */
};

static int db_rank_timeline(void *ctx, const struct hp_profile *p, uint32_t nbuckets,
			    struct hp_rank_timeline **out)
{
	return ranks_timeline_load(((struct db *)ctx)->st, p, nbuckets, out);
}

static int db_load(void *ctx, const struct hp_profile_filter *f, struct hp_profile **out)
{
	struct db *d = ctx;
	struct hp_profile_filter g = { 0 };
	if (f)
		g = *f;
	g.alloc_weights = d->alloc;           /* the memory view's flame graph and callers */
	return profile_load(d->st, &g, out);
}

static int db_timeline(void *ctx, const struct hp_profile_filter *f, uint32_t nbuckets,
		       struct hp_timeline **out)
{
	struct db *d = ctx;
	int64_t duration = store_get_meta_int(d->st, "duration_ns", 0);
	return timeline_load_where(d->st, duration > 0 ? (uint64_t)duration : 0, nbuckets, f, out);
}

struct site_cb {
	int (*cb)(void *cbctx, const struct tui_alloc_site *s);
	void *cbctx;
};

static int on_site(void *ctx, const struct hp_alloc_site *a)
{
	struct site_cb *k = ctx;
	struct tui_alloc_site s = { a->function, a->file, a->line, a->allocs, a->bytes,
				    a->peak_bytes, a->leaked_bytes };
	return k->cb(k->cbctx, &s);
}

static int db_alloc_sites(void *ctx, int (*cb)(void *cbctx, const struct tui_alloc_site *s),
			  void *cbctx)
{
	struct db *d = ctx;
	struct site_cb k = { cb, cbctx };
	struct hp_alloc_totals t;
	int err = store_alloc_totals(d->st, &t);
	if (err || !t.sites)
		return err;
	return store_each_alloc_site(d->st, "bytes", on_site, &k);
}

static const char *db_strerror(void *ctx, int err)
{
	(void)ctx;
	return hp_strerror(err);
}

struct tui_cmd_opts {
	struct tui_opts tui;
	const char *diff;
	int64_t rank;                 /* --rank, -1: all */
	struct hp_diff_opts d;        /* --alpha, --threshold: hpprof diff's */
	int diff_opts;                /* one of them was given */
};

static int parse_dim(const char *opt, const char *v, int *out)
{
	int64_t n = cmd_parse_size(opt, v);
	if (n < 0)
		return -1;
	if (n < 10 || n > 1000) {
		hp_err("invalid value '%s' for %s: use 10 to 1000", v, opt);
		return -1;
	}
	*out = (int)n;
	return 0;
}

static int parse_args(int argc, char **argv, struct tui_cmd_opts *o)
{
	int c;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'D': o->diff = optarg; break;
		case 'v':
		case 'd':
			if (!tui_view_known(optarg)) {
				hp_err("unknown view '%s': use one of %s", optarg, tui_view_names());
				return 2;
			}
			o->tui.view = optarg;
			o->tui.dump |= c == 'd';
			break;
		case 'W': if (parse_dim("--width", optarg, &o->tui.width)) return 2; break;
		case 'H': if (parse_dim("--height", optarg, &o->tui.height)) return 2; break;
		case 'k': o->tui.keys = optarg; break;
		case 'c': o->tui.color = 0; break;
		case 'r': if (cmd_parse_rank(optarg, &o->rank)) return 2; break;
		case 'F': if (cmd_parse_seconds("--from", optarg, &o->tui.t_from)) return 2; break;
		case 'U':
			if (cmd_parse_seconds("--to", optarg, &o->tui.t_to))
				return 2;
			if (!o->tui.t_to) {
				hp_err("invalid value '%s' for --to: use a time after 0", optarg);
				return 2;
			}
			break;
		case 'T':
			if (cmd_parse_number("--threshold", optarg, 0, 1e6, &o->d.threshold))
				return 2;
			o->diff_opts = 1;
			break;
		case 'A':
			if (cmd_parse_number("--alpha", optarg, 1e-9, 0.5, &o->d.alpha))
				return 2;
			o->diff_opts = 1;
			break;
		case 'S':
			if (srcpath_option(optarg))
				return 2;
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return cmd_option_error(argv, long_opts);
		}
	}
	if (argc - optind > 1) {
		hp_err("tui takes one database (compare two with --diff)");
		return 2;
	}
	if (o->diff_opts && !o->diff) {
		hp_err("--threshold and --alpha need --diff");
		return 2;
	}
	if (o->tui.t_to && o->tui.t_to <= o->tui.t_from) {
		hp_err("--to must be after --from");
		return 2;
	}
	if (o->tui.keys && !o->tui.dump) {
		hp_err("--keys needs --dump");
		return 2;
	}
	return -1;
}

int cmd_tui(int argc, char **argv)
{
	struct tui_cmd_opts o = { .tui = { .color = 1 }, .rank = -1 };
	struct hp_profile_filter f = { 0 };
	struct db main_db = { 0 }, base_db = { 0 };
	struct tui_source src = { 0 }, base_src = { 0 };
	struct hp_profile *p, *base = NULL;
	int rc;

	diff_opts_init(&o.d);
	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	if (o.diff_opts) {
		o.tui.alpha = o.d.alpha;
		o.tui.threshold = o.d.threshold;
	}
	main_db.path = optind < argc ? argv[optind] : "hpprof.db";
	if (o.rank >= 0 && cmd_rank_filter(main_db.path, o.rank, &f))
		return 1;
	o.tui.run = f.run;
	f.t_from = o.tui.t_from;
	f.t_to = o.tui.t_to;
	/* Allocation weights for the memory view, as db_load: not in a diff,
	 * which compares CPU profiles function by function. */
	main_db.alloc = !o.diff;
	f.alloc_weights = main_db.alloc;
	struct hp_profile_filter all = { .alloc_weights = main_db.alloc };
	if (!(p = cmd_load_profile(main_db.path, &f, &main_db.st)))
		return 1;
	src = (struct tui_source){ main_db.path, &main_db, db_load, db_timeline,
					  db_alloc_sites, db_strerror, db_rank_timeline };
	if (o.diff) {
		base_db.path = o.diff;
		if (!(base = cmd_load_profile(o.diff, &all, &base_db.st))) {
			profile_free(p);
			store_close(main_db.st);
			return 1;
		}
		base_src = (struct tui_source){ o.diff, &base_db, db_load, db_timeline,
						  db_alloc_sites, db_strerror, db_rank_timeline };
		if (!o.tui.view)
			o.tui.view = "diff";
	}
	rc = tui_main(&src, p, o.diff ? &base_src : NULL, base, &o.tui);
	store_close(main_db.st);
	store_close(base_db.st);
	return rc;
}

/*
 * ranks_util.c - `--rank N` for the commands that read a profile (report,
 * tui, export): the run of that MPI rank in the database, as a filter;
 * and the rank comparison of `hpprof diff`.
 */
#include "cmd/ranks_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff.h"
#include "analyzer/profile.h"
#include "analyzer/ranks.h"
#include "cmd/cmd_util.h"
#include "common/log.h"
#include "common/store.h"

int cmd_parse_rank(const char *value, int64_t *rank)
{
	char *end;
	long long r = strtoll(value, &end, 10);
	if (!*value || *end || r < 0) {
		hp_err("invalid --rank '%s': expected an MPI rank (0, 1, ...)", value);
		return -1;
	}
	*rank = r;
	return 0;
}

struct find { int64_t rank; int found; uint32_t run; char seen[256]; };

static int on_run(void *ctx, const struct hp_run_row *r)
{
	struct find *k = ctx;
	size_t n = strlen(k->seen);
	if (r->rank >= 0 && n + 24 < sizeof(k->seen))
		snprintf(k->seen + n, sizeof(k->seen) - n, "%s%lld", n ? " " : "",
			 (long long)r->rank);
	if (r->rank == k->rank && !k->found) {
		k->found = 1;
		k->run = r->id;
	}
	return 0;
}

int cmd_rank_filter(const char *path, int64_t rank, struct hp_profile_filter *f)
{
	struct find k = { .rank = rank };
	struct hp_store *st = cmd_open_db(path, 0);
	if (!st)
		return -1;
	int err = store_each_run(st, on_run, &k);
	store_close(st);
	if (err) {
		hp_err("cannot read the runs of '%s'", path);
		return -1;
	}
	if (!k.found) {
		hp_err("'%s' holds no MPI rank %lld (%s%s)", path, (long long)rank,
		       k.seen[0] ? "its ranks: " : "it is not an MPI job",
		       k.seen);
		return -1;
	}
	f->run = k.run;
	return 0;
}

int cmd_ranks_diff(FILE *out, const struct hp_profile *a, const struct hp_profile *b,
		   const struct hp_diff_opts *o, unsigned limit, int json)
{
	struct hp_ranks_diff *d = NULL;
	int err = ranks_diff(a, b, o->alpha, o->threshold, &d);
	if (!err)
		ranks_diff_print(out, d, limit, json);
	ranks_diff_free(d);
	return err;
}

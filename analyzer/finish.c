/*
 * finish.c - the analyzer's part of a run: symbolize the stored addresses,
 * aggregate, and persist the statistics and public views (finish.h).
 */
#include "analyzer/finish.h"

#include <string.h>
#include <time.h>

#include "analyzer/census.h"
#include "analyzer/profile.h"
#include "analyzer/symbolize.h"
#include "common/store.h"
#include "common/clock.h"

int finish_profile(struct hp_store *st, struct hp_symbolizer *sym)
{
	struct hp_profile *p;
	uint64_t t = hp_now_ns();
	int err = symbolize_store(st, sym);
	if (err || (err = store_flush(st)))
		return err;
	struct hp_run_facts f;
	store_facts_init(&f);
	f.symbolize_ns = (int64_t)(hp_now_ns() - t);
	long misses = symbolizer_cache_misses(sym);
	if (misses >= 0)
		f.symbol_cache_misses = misses;
	if ((err = profile_load(st, NULL, &p)))
		return err;
	if (profile_simulated_only(p)) {
		/* run --cache-sim: nothing was sampled, no sample facts */
	} else {
		if (store_get_meta_int(st, "samples", -1) < 0)    /* an unfinished run */
			f.samples = (int64_t)p->nsamples;
		struct hp_census c;
		if (!(err = census_count(st, p->model, &c))) {
			f.complete_stacks = f.entry_stacks = c.complete;
			f.cut_stacks = c.cut;
		}
	}
	if (!err && !(err = store_write_facts(st, &f)))
		err = profile_write_stats(st, p);
	profile_free(p);
	return err;
}

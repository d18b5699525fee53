/*
 * finish.c - the analyzer's part of a run: symbolize the stored addresses,
 * aggregate, and persist the statistics and public views (finish.h).
 *
 * All of it is one write transaction, committed at the end: each page is
 * written to the WAL once (the frames, the statistics and the facts share
 * pages), and the reads after the first write take no snapshot and lock of
 * their own. The reads come before the writes where they can (census, the
 * views' events), so that the check of the tables' ids (store_bounds) that
 * every write invalidates is made twice, not three times. The complete
 * stacks are counted from the loaded profile (census_of_profile), not by a
 * second pass over the samples.
 */
#include "analyzer/finish.h"

#include <string.h>
#include <time.h>

#include "analyzer/census.h"
#include "analyzer/profile.h"
#include "analyzer/symbolize.h"
#include "analyzer/unseen.h"
#include "common/store.h"
#include "common/clock.h"

/* A run whose hpprof never finished it (killed, or its disk filled): its
 * samples, and how long it ran as far as the file knows - the time of its
 * last sample or memory reading, not 0 (report said "duration: 0.000 s") -
 * and run_info.unfinished says what is missing. */
static void unfinished_facts(struct hp_store *st, const struct hp_profile *p,
			     struct hp_run_facts *f)
{
	int64_t last;
	f->samples = (int64_t)p->nsamples;
	if (store_get_meta_int(st, "duration_ns", -1) < 0 && !store_last_record_ns(st, &last) &&
	    last > 0)
		f->duration_ns = last;
	f->unfinished = "hpprof did not finish this run (it was killed, or its disk filled):"
			" the profile holds what it committed, duration_ns ends at its last record,"
			" the program's exit status is unknown";
}

int finish_profile(struct hp_store *st, struct hp_symbolizer *sym)
{
	struct hp_profile *p;
	uint64_t t = hp_now_ns();
	store_sync_ahead(st);        /* the run's pages to disk while this computes */
	int err = symbolize_store_rows(st, sym);
	if (err)
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
			unfinished_facts(st, p, &f);
		struct hp_census c;
		if (!(err = census_of_profile(p, &c))) {
			f.complete_stacks = f.entry_stacks = c.complete;
			f.cut_stacks = c.cut;
			f.hole_stacks = c.hole;
			f.joined_stacks = c.joined;
		}
		if (!err && unseen_of_profile(p, &f.unseen_ns, &f.unseen_partial_ns))
			f.unseen_ns = f.unseen_partial_ns = HP_FACT_UNSET;
	}
	if (!err && !(err = profile_write_stats_rows(st, p)) &&
	    !(err = store_write_facts(st, &f)))
		err = store_flush(st);
	profile_free(p);
	return err;
}

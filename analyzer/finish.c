/*
 * finish.c - the analyzer's part of a run: symbolize the stored addresses,
 * aggregate, and persist the statistics and public views (finish.h).
 */
#include "analyzer/finish.h"

#include <string.h>
#include <time.h>

#include "analyzer/profile.h"
#include "analyzer/symbolize.h"
#include "common/store.h"
#include "common/clock.h"

/* Samples whose outermost frame is the program entry or a thread start. */
static uint64_t entry_samples(const struct hp_profile *p)
{
	static const char *const entries[] = {
		"_start", "__libc_start_main", "__libc_start_call_main", "clone", "clone3",
		"__clone", "__clone3", "start_thread", "__GI___clone3", "__GI___clone",
	};
	uint64_t n = 0;
	for (uint32_t i = 0; i < p->nstacks; i++) {
		const struct hp_pstack *s = &p->stacks[i];
		if (!s->nframes)
			continue;
		const char *root = p->functions[s->func[0]].name;
		for (size_t k = 0; k < sizeof(entries) / sizeof(entries[0]); k++)
			if (!strcmp(root, entries[k])) {
				n += s->samples;
				break;
			}
	}
	return n;
}

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
	if ((err = profile_load(st, NULL, &p)))
		return err;
	if (profile_simulated_only(p)) {
		/* run --cache-sim: nothing was sampled, no sample facts */
	} else {
		if (store_get_meta_int(st, "samples", -1) < 0)    /* an unfinished run */
			f.samples = (int64_t)p->nsamples;
		f.entry_stacks = (int64_t)entry_samples(p);
	}
	if (!(err = store_write_facts(st, &f)))
		err = profile_write_stats(st, p);
	profile_free(p);
	return err;
}

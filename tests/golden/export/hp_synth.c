/*
 * hp_synth.c - write a synthetic, symbolized hpprof database of N samples.
 *
 * usage: hp_synth OUT.db NSAMPLES [SEED]
 *
 * A test helper for the performance checks of `hpprof diff` and `hpprof
 * export` (a 1M-sample file in seconds, without running a program for
 * minutes at a high frequency). Deterministic for a given seed: two seeds
 * give two runs of "the same program" with shifted costs, as a diff wants.
 *
 * What it writes, through the store API only: two modules, three source
 * files, 120 functions (some inlined into their callers), random call trees
 * of depth 4..40 over four threads at 1 kHz each, three counter events (one
 * not measured), a page-fault sampler, a memory timeline; then the same
 * symbolization results and statistics `hpprof run` writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "common/error.h"
#include "common/store.h"

#define NFUNCS   120
#define NLOCS    2400
#define NTHREADS 4
#define NPATHS   4000

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((rng_state >> 33) % n);
}

struct synth {
	struct hp_store *st;
	uint32_t module[2];
	uint32_t func[NFUNCS];
	struct hp_location loc[NLOCS];
	uint32_t loc_func[NLOCS];
	/* call paths: a few thousand distinct stacks, innermost first */
	struct hp_location path[NPATHS][40];
	uint32_t path_len[NPATHS];
};

static int add_names(struct synth *s)
{
	static const char *const files[] = { "/src/synth/main.c", "/src/synth/grid.c",
					     "/usr/include/synth/inline.h" };
	uint32_t file[3];
	char name[64];
	int err;
	if ((err = store_intern_module(s->st, "/usr/bin/synth", "0badc0de", &s->module[0])) ||
	    (err = store_intern_module(s->st, "/usr/lib/libsynth.so.1", NULL, &s->module[1])))
		return err;
	for (int i = 0; i < 3; i++)
		if ((err = store_intern_file(s->st, files[i], &file[i])))
			return err;
	for (uint32_t i = 0; i < NFUNCS; i++) {
		snprintf(name, sizeof(name), i == 0 ? "main" : "fn_%03u", i);
		if ((err = store_intern_function(s->st, name, s->module[i >= 100], file[i % 3],
						 &s->func[i])))
			return err;
	}
	return 0;
}

/* Locations and their inline chains: every 7th location has function i+1
 * inlined into it at depth 0. */
static void add_locations(struct synth *s)
{
	for (uint32_t i = 0; i < NLOCS; i++) {
		uint32_t f = i % NFUNCS;
		s->loc[i] = (struct hp_location){ s->module[f >= 100], 0x1000 + 0x10ull * i };
		s->loc_func[i] = f;
	}
}

static void make_paths(struct synth *s)
{
	for (uint32_t p = 0; p < NPATHS; p++) {
		uint32_t n = 4 + rnd(37);
		/* outermost is main (location of function 0), then deeper calls */
		for (uint32_t d = 0; d < n; d++) {
			uint32_t f = d == 0 ? 0 : 1 + rnd(NFUNCS - 1);
			uint32_t li = f + NFUNCS * rnd(NLOCS / NFUNCS);
			s->path[p][n - 1 - d] = s->loc[li];
		}
		s->path_len[p] = n;
	}
}

static int add_samples(struct synth *s, uint64_t nsamples, uint32_t seed)
{
	struct hp_sample *smp = calloc(1, sizeof(*smp));
	int err = 0;
	if (!smp)
		return -ENOMEM;
	for (uint32_t t = 0; t < NTHREADS; t++) {
		if ((err = store_add_thread(s->st, 4000 + t, 4000, t ? "worker" : "synth", 0)))
			goto out;
	}
	uint32_t cur[NTHREADS] = { 0 };
	for (uint64_t i = 0; i < nsamples && !err; i++) {
		/* Each thread stays in one call path for a while (as programs do,
		 * which keeps timelines realistic) and leaves it now and then for
		 * a Zipf-like choice: low path numbers are hot; the seed moves costs. */
		uint32_t t = (uint32_t)(i % NTHREADS), p = cur[t], drop;
		if (i < NTHREADS || rnd(64) == 0) {
			uint32_t r = rnd(NPATHS);
			p = (r * (rnd(NPATHS) + 1)) / NPATHS;
			cur[t] = p = (p + seed * 7) % NPATHS;
		}
		drop = rnd(3);
		if (drop >= s->path_len[p])
			drop = 0;
		smp->t_ns = (i / NTHREADS) * 1000000ull + t * 1000;
		smp->tid = 4000 + t;
		smp->pid = 4000;
		smp->event = 0;
		smp->nr_frames = s->path_len[p] - drop;
		memcpy(smp->frames, s->path[p] + drop, smp->nr_frames * sizeof(smp->frames[0]));
		smp->nr_counters = 2;
		smp->counters[0] = 1000000 + rnd(1000);     /* task-clock ns */
		smp->counters[1] = rnd(8) == 0 ? 1 + rnd(64) : 0;   /* page-faults */
		err = store_add_sample(s->st, smp);
		if (!err && i % 16 == 0) {
			smp->event = 4;
			smp->nr_counters = 0;
			err = store_add_sample(s->st, smp);
		}
		if (!err && i % 2000 == 0) {
			struct hp_mem_reading m = { 4000, smp->t_ns, (100 + i / 2000) << 20, -1 };
			err = store_add_memory(s->st, &m);
		}
	}
out:
	free(smp);
	return err;
}

/* Symbolization results: one frame per location, plus an inlined callee at
 * depth 0 for every 7th location. */
struct frame_ctx { struct synth *s; int err; };

static int on_location(void *c, const struct hp_location_row *l)
{
	struct frame_ctx *fc = c;
	struct synth *s = fc->s;
	uint32_t i = (uint32_t)((l->addr - 0x1000) / 0x10), f = s->loc_func[i];
	uint32_t line = 10 + (uint32_t)(l->addr % 97);
	int err;
	if (f && i % 7 == 0 && f + 1 < NFUNCS) {
		if ((err = store_add_location_frame(s->st, l->id, 0, s->func[f + 1], 3, 5 + i % 11)))
			return err;
		return store_add_location_frame(s->st, l->id, 1, s->func[f], 1 + f % 2, line);
	}
	return store_add_location_frame(s->st, l->id, 0, s->func[f], 1 + f % 2, line);
}

static int finish(struct synth *s, uint64_t nsamples)
{
	struct hp_event_info ev[] = {
		{ 0, "cpu-clock", "sampler", 1, NULL, (int64_t)nsamples, 0, 0 },
		{ 1, "task-clock", "counter", 1, NULL, (int64_t)nsamples * 1000000, 1, 1 },
		{ 2, "page-faults", "counter", 1, NULL, (int64_t)nsamples * 4, 1, 1 },
		{ 3, "cycles", "counter", 0, "not supported on this machine", -1, 0, 0 },
		{ 4, "page-faults:sampled", "pagefault", 1, NULL, (int64_t)nsamples * 2, 0, 0 },
	};
	struct frame_ctx fc = { s, 0 };
	struct hp_profile *p;
	uint64_t dur = (nsamples / NTHREADS + 1) * 1000000ull;
	int err;
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		if ((err = store_add_event(s->st, &ev[i])))
			return err;
	struct hp_run_facts f;
	store_facts_init(&f);
	f.command = "synth";
	f.samples = (int64_t)nsamples;
	f.duration_ns = (int64_t)dur;
	f.frequency = 1000;
	f.fault_period = 32;
	f.peak_rss_bytes = 300 << 20;
	if ((err = store_write_facts(s->st, &f)) ||
	    (err = store_add_process(s->st, 4000, 1, "synth", "/usr/bin/synth", 0)) ||
	    (err = store_end_process(s->st, 4000, dur, 0, 300 << 20)) ||
	    (err = store_flush(s->st)) ||
	    (err = store_each_location(s->st, on_location, &fc)) ||
	    (err = store_flush(s->st)) ||
	    (err = profile_load(s->st, NULL, &p)))
		return err;
	err = profile_write_stats(s->st, p);
	profile_free(p);
	return err;
}

int main(int argc, char **argv)
{
	static struct synth s;
	if (argc < 3) {
		fprintf(stderr, "usage: hp_synth OUT.db NSAMPLES [SEED]\n");
		return 2;
	}
	uint64_t n = strtoull(argv[2], NULL, 10);
	uint32_t seed = argc > 3 ? (uint32_t)atoi(argv[3]) : 1;
	rng_state = 42;
	int err = store_create(argv[1], &s.st);
	if (err) {
		fprintf(stderr, "hp_synth: cannot create '%s': %s\n", argv[1], hp_strerror(err));
		return 1;
	}
	if ((err = add_names(&s)))
		goto fail;
	add_locations(&s);
	make_paths(&s);
	rng_state = 42 + seed;
	if ((err = add_samples(&s, n, seed)) || (err = finish(&s, n)))
		goto fail;
	return store_close(s.st) ? 1 : 0;
fail:
	fprintf(stderr, "hp_synth: %s (%s)\n", hp_strerror(err), store_errmsg(s.st));
	store_close(s.st);
	return 1;
}

/*
 * gen_big.c - write a large synthetic hpprof database through the store API,
 * for measuring how fast `hpprof tui` opens and reacts (tests/golden/tui.cmake).
 *
 * usage: tui_gen_big OUT.db [SAMPLES [THREADS]]
 *
 * The profile is deterministic (a fixed LCG): 200 functions in 8 files of
 * one module, a few thousand distinct call stacks 4..24 frames deep with a
 * skewed popularity, two counter events and one unmeasured, several threads
 * sampled at 20 kHz and a memory timeline every 10 ms.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "common/store.h"

#define NFUNCS   200
#define NFILES   8
#define NSTACKS  4000
#define MAXDEPTH 24
#define PERIOD   50000                /* ns between samples: 20 kHz */
#define MODULE   "/opt/synthetic/bin/bigapp"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(uint32_t n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33) % n;
}

/* The location of function f at line l: the address encodes both. */
static uint64_t addr_of(uint32_t f, uint32_t l)
{
	return 0x1000 + (uint64_t)f * 0x1000 + (uint64_t)l * 0x10;
}

struct gen {
	struct hp_store *st;
	uint32_t module;
	uint32_t file_ids[NFILES];
	uint32_t func_ids[NFUNCS];
	struct hp_location frames[NSTACKS][MAXDEPTH];   /* innermost first */
	uint32_t depth[NSTACKS];
};

static void make_stacks(struct gen *g)
{
	for (uint32_t s = 0; s < NSTACKS; s++) {
		uint32_t depth = 4 + next(MAXDEPTH - 3), f = 0;
		for (uint32_t d = 0; d < depth; d++) {
			f = d == 0 ? 0 : (f * 7 + 1 + next(d < 3 ? 4 : NFUNCS - 1)) % NFUNCS;
			if (f == 0)
				f = 1;
			uint32_t line = 10 + f % 50 + next(d + 1 < depth ? 2 : 12);
			g->frames[s][depth - 1 - d] = (struct hp_location){ g->module, addr_of(f, line) };
		}
		if (depth)
			g->frames[s][depth - 1].addr = addr_of(0, 12);
		g->depth[s] = depth;
	}
}

static int on_location(void *ctx, const struct hp_location_row *l)
{
	struct gen *g = ctx;
	uint32_t f = (uint32_t)((l->addr - 0x1000) / 0x1000);
	uint32_t line = (uint32_t)(((l->addr - 0x1000) % 0x1000) / 0x10);
	if (f >= NFUNCS)
		return 0;
	return store_add_location_frame(g->st, l->id, 0, g->func_ids[f], g->file_ids[f % NFILES],
					line);
}

static int symbols(struct gen *g)
{
	char name[64];
	int err;
	for (uint32_t i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "/src/bigapp/part%u.c", i);
		if ((err = store_intern_file(g->st, name, &g->file_ids[i])))
			return err;
	}
	for (uint32_t f = 0; f < NFUNCS; f++) {
		if (f == 0)
			snprintf(name, sizeof(name), "main");
		else
			snprintf(name, sizeof(name), "func_%03u", f);
		if ((err = store_intern_function(g->st, name, g->module, g->file_ids[f % NFILES],
						 &g->func_ids[f])))
			return err;
	}
	return store_each_location(g->st, on_location, g);
}

static int add_samples(struct gen *g, uint64_t n, uint32_t threads)
{
	struct hp_sample *s = calloc(1, sizeof(*s));
	int err = 0;
	if (!s)
		return -1;
	for (uint64_t i = 0; i < n && !err; i++) {
		/* skewed: stack j is chosen with probability ~ log((N)/j) */
		uint32_t j = next(next(NSTACKS) + 1);
		s->t_ns = i * PERIOD;
		s->pid = 1000;
		s->tid = 1000 + (uint32_t)(i % threads);
		s->nr_frames = g->depth[j];
		s->unwind = HP_STACK_END_OUTERMOST;
		memcpy(s->frames, g->frames[j], g->depth[j] * sizeof(s->frames[0]));
		s->nr_counters = 2;
		s->counters[0] = PERIOD;
		s->counters[1] = next(10) == 0;
		err = store_add_sample(g->st, s);
	}
	free(s);
	return err;
}

static int add_run(struct gen *g, uint64_t n, uint32_t threads)
{
	struct hp_event_info ev[] = {
		{ 0, "cpu-clock", "sampler", 1, NULL, (int64_t)n, 0, 0 },
		{ 1, "task-clock", "counter", 1, NULL, (int64_t)(n * PERIOD), 1, 1 },
		{ 2, "page-faults", "counter", 1, NULL, (int64_t)n / 10, 1, 1 },
		{ 3, "cache-misses", "counter", 0,
		  "not supported on this machine (no hardware PMU; virtualized?)", -1, 0, 0 },
	};
	char name[32];
	int err = 0;
	uint64_t dur = n * PERIOD;
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]) && !err; i++)
		err = store_add_event(g->st, &ev[i]);
	struct hp_run_facts f;
	store_facts_init(&f);
	f.command = MODULE " --big";
	f.samples = (int64_t)n;
	f.complete_stacks = (int64_t)n;
	f.duration_ns = (int64_t)dur;
	f.frequency = 1000000000 / PERIOD;
	f.exit_status = 0;
	f.call_graph = "dwarf";
	err = err ? err : store_write_facts(g->st, &f);
	err = err ? err : store_add_process(g->st, 1000, 1, "bigapp", MODULE, 0);
	for (uint32_t t = 0; t < threads && !err; t++) {
		snprintf(name, sizeof(name), t ? "worker-%u" : "bigapp", t);
		err = store_add_thread(g->st, 1000 + t, 1000, name, 0);
	}
	for (uint64_t t = 0; t < dur && !err; t += 10000000) {
		struct hp_mem_reading m = { 1000, t, (64u << 20) + t / 1000 % (512u << 20), -1 };
		err = store_add_memory(g->st, &m);
	}
	return err ? err : store_end_process(g->st, 1000, dur, 0, 600 << 20);
}

int main(int argc, char **argv)
{
	struct gen *g = calloc(1, sizeof(*g));
	struct hp_profile *p = NULL;
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	uint32_t threads = argc > 3 ? (uint32_t)atoi(argv[3]) : 4;
	int err;

	if (argc < 2 || !g || !threads) {
		fprintf(stderr, "usage: tui_gen_big OUT.db [SAMPLES [THREADS]]\n");
		return 2;
	}
	remove(argv[1]);
	if ((err = store_create(argv[1], &g->st)))
		goto fail;
	if ((err = store_intern_module(g->st, MODULE, NULL, &g->module)))
		goto fail;
	make_stacks(g);
	if ((err = add_run(g, n, threads)) || (err = add_samples(g, n, threads)) ||
	    (err = store_flush(g->st)) || (err = symbols(g)) || (err = store_flush(g->st)) ||
	    (err = profile_load(g->st, NULL, &p)) || (err = profile_write_stats(g->st, p)))
		goto fail;
	profile_free(p);
	store_close(g->st);
	free(g);
	return 0;
fail:
	fprintf(stderr, "tui_gen_big: cannot write '%s': error %d\n", argv[1], err);
	return 1;
}

/*
 * test_census.c - complete stacks, the one definition (analyzer/census.c):
 * a store with stacks whose unwinding ended every way (outermost by CFI,
 * cut by the copy, stopped, not recorded) and stacks with and without an
 * entry function; census_of_profile's complete and cut counts from the
 * loaded profile, page-fault samples left out; the same figures written
 * by the end of a run (finish_profile) and read back by report and tui
 * (census_from_store, census_from_profile); the entry names (versioned
 * ones too); the percentage that never rounds to 100.0 or 0.0 unless it
 * is; and the description that run, report and tui print.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/census.h"
#include "analyzer/finish.h"
#include "analyzer/profile.h"
#include "analyzer/symbolize.h"
#include "common/record.h"
#include "common/runfacts.h"
#include "common/store.h"
#include "hp_test.h"

static char dir[] = "/tmp/hp-test-census.XXXXXX";

static void add(struct hp_store *st, const struct hp_location *fr, uint32_t n, int unwind,
		int event, int count)
{
	static uint64_t t;
	struct hp_sample s;
	memset(&s, 0, sizeof(s));
	s.tid = 7;
	s.pid = 7;
	s.nr_frames = n;
	s.unwind = unwind;
	s.event = event;
	memcpy(s.frames, fr, n * sizeof(*fr));
	for (int i = 0; i < count; i++) {
		s.t_ns = t += 1000;
		CHECK(store_add_sample(st, &s) == 0);
	}
}

/* Stacks (innermost first), locations 0x100 main, 0x200 work, 0x300 leaf,
 * 0x400 __libc_start_main@GLIBC_2.34 (a versioned name), 0x500 an
 * anonymous frame (no symbol, as in a stripped program):
 *   leaf <- work <- main, unwinding ended at the outermost frame:   10  complete (CFI)
 *   leaf <- work <- main, cut by the copy:                            3  complete (main)
 *   leaf <- work <- 0x500, cut by the copy:                           5  cut
 *   leaf <- work <- 0x500, stopped (no CFI):                          2  neither
 *   leaf <- 0x400, end not recorded (agent, fp):                      4  complete (name)
 *   leaf <- 0x500, end not recorded:                                  1  neither
 *   leaf <- 0x500, unwinding ended at the outermost frame:            2  complete (CFI)
 *   leaf <- work <- 0x500, page-fault sampler, cut:                   6  not counted */
static void build(struct hp_store *st)
{
	uint32_t m, file, f_main, f_work, f_leaf, f_start, f_anon;
	store_intern_module(st, "/bin/prog", NULL, &m);
	store_intern_file(st, "/src/prog.c", &file);
	store_intern_function(st, "main", m, file, &f_main);
	store_intern_function(st, "work", m, file, &f_work);
	store_intern_function(st, "leaf", m, file, &f_leaf);
	store_intern_function(st, "__libc_start_main@GLIBC_2.34", m, 0, &f_start);
	store_intern_function(st, "prog+0x500", m, 0, &f_anon);
	struct hp_location full[3] = { { m, 0x300 }, { m, 0x200 }, { m, 0x100 } };
	struct hp_location anon[3] = { { m, 0x300 }, { m, 0x200 }, { m, 0x500 } };
	struct hp_location libc[2] = { { m, 0x300 }, { m, 0x400 } };
	struct hp_location anon2[2] = { { m, 0x300 }, { m, 0x500 } };
	uint32_t id;
	/* locations interned outermost first: 0x100=1 0x200=2 0x300=3 0x500=4 0x400=5 */
	store_intern_stack(st, full, 3, &id);
	store_intern_stack(st, anon, 3, &id);
	store_intern_stack(st, libc, 2, &id);
	store_add_location_frame(st, 1, 0, f_main, file, 10);
	store_add_location_frame(st, 2, 0, f_work, file, 20);
	store_add_location_frame(st, 3, 0, f_leaf, file, 30);
	store_add_location_frame(st, 4, 0, f_anon, 0, 0);
	store_add_location_frame(st, 5, 0, f_start, 0, 0);

	struct hp_event_info ev = { 0, "cpu-clock", "sampler", 1, NULL, 10, 0, 0 };
	store_add_event(st, &ev);
	ev = (struct hp_event_info){ 1, "page-faults", "sampler", 1, NULL, 0, 0, 0 };
	store_add_event(st, &ev);
	add(st, full, 3, HP_STACK_END_OUTERMOST, 0, 10);
	add(st, full, 3, HP_STACK_END_CUT, 0, 3);
	add(st, anon, 3, HP_STACK_END_CUT, 0, 5);
	add(st, anon, 3, HP_STACK_END_STOPPED, 0, 2);
	add(st, libc, 2, HP_STACK_END_UNKNOWN, 0, 4);
	add(st, anon2, 2, HP_STACK_END_UNKNOWN, 0, 1);
	add(st, anon2, 2, HP_STACK_END_OUTERMOST, 0, 2);
	add(st, anon, 3, HP_STACK_END_CUT, 1, 6);
	store_add_thread(st, 7, 7, "prog", 0);
	struct hp_run_facts f;
	store_facts_init(&f);
	f.samples = 27;
	f.stack_size = 16384;
	store_write_facts(st, &f);
	CHECK(store_flush(st) == 0);
}

/* The one definition, counted from the loaded profile as the end of a run
 * does: the stack with main that also ended at the outermost frame counts
 * once (10, not 20), the cut one with main is complete and not cut. */
static void check_count(struct hp_store *st)
{
	struct hp_profile *p;
	struct hp_census c;
	CHECK(profile_load(st, NULL, &p) == 0);
	CHECK(census_of_profile(p, &c) == 0);
	CHECK_EQ_INT(c.samples, 27);          /* the 6 page-fault samples are not counted */
	CHECK_EQ_INT(c.complete, 19);         /* 10 + 2 by CFI, 3 with main, 4 with __libc_start_main */
	CHECK_EQ_INT(c.cut, 5);               /* the cut stacks with main are complete */
	CHECK_EQ_INT(c.stack_size, 0);        /* left to run_info */
	profile_free(p);
}

/* What report and tui read back is what the end of a run counted and
 * wrote (finish_profile: run_info complete_stacks and cut_stacks). */
static void check_read_back(struct hp_census *c)
{
	char buf[160];
	CHECK_EQ_INT(c->samples, 27);
	CHECK_EQ_INT(c->complete, 19);
	CHECK_EQ_INT(c->cut, 5);
	CHECK_EQ_INT(c->stack_size, 16384);
	CHECK(!strcmp(census_describe(c, buf, sizeof(buf)),
		      "70.4% complete stacks, 18.5% cut by the 16 KiB stack copy"));
}

static void check_finished(const char *path)
{
	struct hp_store *st;
	struct hp_profile *p;
	struct hp_census c;
	CHECK(store_open(path, 0, &st) == 0);
	census_from_store(st, &c);
	check_read_back(&c);
	CHECK(profile_load(st, NULL, &p) == 0);
	census_from_profile(p, &c);
	check_read_back(&c);
	profile_free(p);
	store_close(st);
}

static void check_describe(void)
{
	char buf[160];
	struct hp_census c = { .samples = 10000, .complete = 9999, .cut = 0, .stack_size = 65528 };
	CHECK_EQ_INT((long long)(census_complete_pct(&c) * 10 + 0.5), 999);   /* 99.99 -> 99.9 */
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)), "99.9% complete stacks"));
	c.complete = 10000;
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)), "100.0% complete stacks"));
	c.complete = 1;                        /* 0.01% -> 0.1, never 0.0 while one is */
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)), "0.1% complete stacks"));
	c.complete = 0;
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)), "0.0% complete stacks"));
	c.complete = 9000;
	c.cut = 999;
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)),
		      "90.0% complete stacks, 10.0% cut by the 64 KiB stack copy"));
	c = (struct hp_census){ .samples = 0, .complete = 0 };
	CHECK(census_complete_pct(&c) < 0);
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)), "complete stacks: n/a (no samples)"));
	c = (struct hp_census){ .samples = 5, .complete = -1 };
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)),
		      "complete stacks: n/a (not recorded in this file)"));
	c = (struct hp_census){ .samples = 4, .complete = 1, .cut = 3, .stack_size = 12000 };
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)),
		      "25.0% complete stacks, 75.0% cut by the 12000 bytes stack copy"));
	/* stopped at a hole the later samples did not fill (stackjoin.h) */
	c = (struct hp_census){ .samples = 1000, .complete = 900, .cut = 50, .hole = 40,
				.joined = 300, .stack_size = 65528 };
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)),
		      "90.0% complete stacks, 5.0% cut by the 64 KiB stack copy, 4.0% stopped at "
		      "a stack page the kernel could not copy"));
	c.cut = 0;
	CHECK(!strcmp(census_describe(&c, buf, sizeof(buf)),
		      "90.0% complete stacks, 4.0% stopped at a stack page the kernel could not copy"));
	/* report's: the definition right after the figure it defines */
	CHECK(!strcmp(census_describe_defined(&c, " (def)", buf, sizeof(buf)),
		      "90.0% complete stacks (def), 4.0% stopped at a stack page the kernel could "
		      "not copy"));
	c = (struct hp_census){ .samples = 0, .complete = 0 };
	CHECK(!strcmp(census_describe_defined(&c, " (def)", buf, sizeof(buf)),
		      "complete stacks: n/a (no samples) (def)"));
}

static void check_names(void)
{
	const char *yes[] = { "_start", "__libc_start_main", "__libc_start_main@GLIBC_2.34",
			      "__libc_start_call_main", "main", "clone", "clone3", "start_thread",
			      "runtime.goexit" };
	const char *no[] = { "mainloop", "_start_thread", "start", "clone_fn", "", "main2" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(census_is_entry(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!census_is_entry(no[i]));
}

int main(void)
{
	struct hp_store *st;
	char path[256];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	CHECK(store_create(path, &st) == 0);
	build(st);
	struct hp_census c;
	census_from_store(st, &c);
	CHECK_EQ_INT(c.complete, -1);         /* not counted yet: n/a, not 0 */
	check_count(st);
	struct hp_symbolizer *sym;
	CHECK(symbolizer_new(&sym) == 0);
	CHECK(finish_profile(st, sym) == 0);  /* the end of a run */
	symbolizer_free(sym);
	CHECK(store_close(st) == 0);
	check_finished(path);

	check_describe();
	check_names();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) { /* best effort */ }
	return hp_test_result();
}

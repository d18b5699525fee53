/*
 * test_unseen.c - the CPU time a run's samples did not see
 * (analyzer/unseen.c): stores of one run with two threads sampled every
 * 1 ms, whose task-clock counted what the samples saw plus some time, as
 * on a VM whose host took the CPU (steal). The end of the run
 * (finish_profile) writes unseen_ns = task-clock - (samples + lost) x
 * period and unseen_partial_ns = threads x period; the note says so only
 * beyond the partial periods by 10 periods and 2% of task-clock, the same
 * from the store (run) and from the profile (report, tui); nothing is
 * written when it cannot be said (task-clock not measured, no kernel-mode
 * samples).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/finish.h"
#include "analyzer/profile.h"
#include "analyzer/symbolize.h"
#include "analyzer/unseen.h"
#include "common/record.h"
#include "common/runfacts.h"
#include "common/store.h"
#include "hp_test.h"

#define PERIOD 1000000     /* ns */

static char dir[] = "/tmp/hp-test-unseen.XXXXXX";

/* A run of `samples` samples over two threads, lost of them lost, whose
 * task-clock is task_clock ns (-1: not measured). */
static void build(const char *path, int samples, int lost, int64_t task_clock,
		  const char *kernel_samples)
{
	struct hp_store *st;
	uint32_t m, file, fn, id;
	CHECK(store_create(path, &st) == 0);
	store_intern_module(st, "/bin/prog", NULL, &m);
	store_intern_file(st, "/src/prog.c", &file);
	store_intern_function(st, "work", m, file, &fn);
	struct hp_location loc = { m, 0x100 };
	store_intern_stack(st, &loc, 1, &id);
	store_add_location_frame(st, 1, 0, fn, file, 10);
	struct hp_event_info ev = { 0, "cpu-clock", "sampler", 1, NULL, samples, 0, 0 };
	store_add_event(st, &ev);
	ev = (struct hp_event_info){ 1, "task-clock", "total", task_clock >= 0,
				     task_clock >= 0 ? NULL : "not supported", task_clock,
				     0, 0 };
	store_add_event(st, &ev);
	store_add_thread(st, 7, 7, "prog", 0);
	store_add_thread(st, 8, 7, "prog", 0);
	struct hp_sample s;
	memset(&s, 0, sizeof(s));
	s.pid = 7;
	s.nr_frames = 1;
	s.frames[0] = loc;
	for (int i = 0; i < samples; i++) {
		s.tid = 7 + (i & 1);
		s.t_ns = (uint64_t)(i + 1) * PERIOD;
		CHECK(store_add_sample(st, &s) == 0);
	}
	struct hp_run_facts f;
	store_facts_init(&f);
	f.samples = samples;
	f.lost_samples = lost;
	f.cpu_sample_ns = PERIOD;
	f.kernel_samples = kernel_samples;
	store_write_facts(st, &f);
	CHECK(store_flush(st) == 0);
	struct hp_symbolizer *sym;
	CHECK(symbolizer_new(&sym) == 0);
	CHECK(finish_profile(st, sym) == 0);
	symbolizer_free(sym);
	CHECK(store_close(st) == 0);
}

/* The stored figures (-1: absent) and whether run's and report's notes
 * are given, and agree. */
static void check(const char *path, int64_t unseen, int64_t partial, int noted)
{
	struct hp_store *st;
	struct hp_profile *p;
	char a[640], b[640];
	CHECK(store_open(path, 0, &st) == 0);
	CHECK_EQ_INT(store_get_meta_int(st, "unseen_ns", -1), unseen);
	CHECK_EQ_INT(store_get_meta_int(st, "unseen_partial_ns", -1), partial);
	const char *from_store = unseen_note_of_store(st, a, sizeof(a));
	CHECK(profile_load(st, NULL, &p) == 0);
	const char *from_profile = unseen_note(p, b, sizeof(b));
	CHECK_EQ_INT(!!from_store, noted);
	CHECK_EQ_INT(!!from_profile, noted);
	if (from_store && from_profile)
		CHECK(!strcmp(a, b));
	profile_free(p);
	store_close(st);
}

int main(void)
{
	char path[256];
	if (!mkdtemp(dir))
		return 1;
	/* 1000 samples + 10 lost = 1.010 s seen */
	snprintf(path, sizeof(path), "%s/steal.db", dir);
	build(path, 1000, 10, 1210000000, "yes");          /* 0.2 s unseen: noted */
	check(path, 200000000, 2 * PERIOD, 1);
	{
		struct hp_store *st;
		char buf[640];
		CHECK(store_open(path, 0, &st) == 0);
		CHECK(strstr(unseen_note_of_store(st, buf, sizeof(buf)),
			     "did not see 0.200 s of the 1.210 s of CPU time task-clock counted"
			     " (16.5%)") != NULL);
		store_close(st);
	}
	snprintf(path, sizeof(path), "%s/partial.db", dir);
	build(path, 1000, 10, 1011900000, "yes");          /* 1.9 ms: within 2 periods */
	check(path, 1900000, 2 * PERIOD, 0);
	snprintf(path, sizeof(path), "%s/small.db", dir);
	build(path, 1000, 0, 1021000000, "yes");           /* 21 ms: 19 beyond, < 2% */
	check(path, 21000000, 2 * PERIOD, 0);
	snprintf(path, sizeof(path), "%s/short.db", dir);
	build(path, 100, 0, 108000000, "yes");             /* 6 ms beyond: 6%, 6 periods */
	check(path, 8000000, 2 * PERIOD, 0);
	snprintf(path, sizeof(path), "%s/over.db", dir);
	build(path, 1000, 0, 900000000, "yes");            /* more samples than time: 0 */
	check(path, 0, 2 * PERIOD, 0);
	snprintf(path, sizeof(path), "%s/notc.db", dir);
	build(path, 1000, 0, -1, "yes");                   /* no task-clock: nothing said */
	check(path, -1, -1, 0);
	snprintf(path, sizeof(path), "%s/nokernel.db", dir);
	build(path, 1000, 0, 1500000000, "no (kernel.perf_event_paranoid = 2)");
	check(path, -1, -1, 0);                            /* kernel time unseen by design */

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) { /* best effort */ }
	return hp_test_result();
}

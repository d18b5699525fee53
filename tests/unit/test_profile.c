/*
 * test_profile.c - aggregation: self/total per function and line, inline
 * frames, recursion counted once, counters, filters, persisted views.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/columns.h"
#include "analyzer/profile.h"
#include "common/store.h"
#include "hp_test.h"

static char dir[] = "/tmp/hp-test-profile.XXXXXX";

static const struct hp_pfunc *func(const struct hp_profile *p, const char *name)
{
	for (uint32_t i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, name))
			return &p->functions[i];
	return NULL;
}

/* main -> work -> leaf(inlined helper at leaf.c:7) ; main -> rec -> rec */
static void build(struct hp_store *st)
{
	uint32_t m, file, f_main, f_work, f_leaf, f_helper, f_rec;
	store_intern_module(st, "/bin/prog", NULL, &m);
	store_intern_file(st, "/src/prog.c", &file);
	store_intern_function(st, "main", m, file, &f_main);
	store_intern_function(st, "work", m, file, &f_work);
	store_intern_function(st, "leaf", m, file, &f_leaf);
	store_intern_function(st, "helper", m, file, &f_helper);
	store_intern_function(st, "rec", m, file, &f_rec);

	struct hp_location a[3] = { { m, 0x300 }, { m, 0x200 }, { m, 0x100 } }; /* leaf, work, main */
	struct hp_location b[3] = { { m, 0x400 }, { m, 0x401 }, { m, 0x100 } }; /* rec, rec, main */
	uint32_t sa, sb;
	store_intern_stack(st, a, 3, &sa);
	store_intern_stack(st, b, 3, &sb);
	/* locations are interned outermost first: 0x100=1, 0x200=2, 0x300=3, 0x401=4, 0x400=5 */
	store_add_location_frame(st, 3, 0, f_helper, file, 7);
	store_add_location_frame(st, 3, 1, f_leaf, file, 20);
	store_add_location_frame(st, 2, 0, f_work, file, 30);
	store_add_location_frame(st, 1, 0, f_main, file, 40);
	store_add_location_frame(st, 5, 0, f_rec, file, 50);
	store_add_location_frame(st, 4, 0, f_rec, file, 51);

	struct hp_event_info ev = { 0, "cpu-clock", "sampler", 1, NULL, 10, 0, 0 };
	store_add_event(st, &ev);
	ev = (struct hp_event_info){ 1, "page-faults", "counter", 1, NULL, 0, 0, 0 };
	store_add_event(st, &ev);
	ev = (struct hp_event_info){ 2, "cycles", "counter", 0, "no PMU", -1, 0, 0 };
	store_add_event(st, &ev);
	ev = (struct hp_event_info){ 3, "instructions", "counter", 1, NULL, 0, 0, 0 };
	store_add_event(st, &ev);
	ev = (struct hp_event_info){ 4, "cache-references", "counter", 1, NULL, 0, 0, 0 };
	store_add_event(st, &ev);
	ev = (struct hp_event_info){ 5, "cache-misses", "counter", 1, NULL, 0, 0, 0 };
	store_add_event(st, &ev);

	struct hp_sample s;
	memset(&s, 0, sizeof(s));
	s.tid = 100;
	s.nr_counters = 5;
	for (int i = 0; i < 6; i++) {        /* 6 samples in leaf/helper, 2 faults each */
		s.t_ns = (uint64_t)i * 1000;
		s.nr_frames = 3;
		memcpy(s.frames, a, sizeof(a));
		s.counters[0] = 2;
		s.counters[3] = 40;          /* cache-references */
		s.counters[4] = 10;          /* cache-misses: 25% */
		store_add_sample(st, &s);
	}
	s.tid = 101;
	for (int i = 0; i < 4; i++) {        /* 4 samples in recursion, later */
		s.t_ns = 10000 + (uint64_t)i * 1000;
		memcpy(s.frames, b, sizeof(b));
		s.counters[0] = 0;
		s.counters[3] = 0;
		s.counters[4] = 0;
		store_add_sample(st, &s);
	}
	store_add_thread(st, 100, 100, "prog", 0);
	store_add_thread(st, 101, 100, "worker", 0);
	struct hp_run_facts f;
	store_facts_init(&f);
	f.samples = 10;
	store_write_facts(st, &f);
	store_flush(st);
}

static void check_model(const struct hp_profile *p)
{
	CHECK_EQ_INT(p->nsamples, 10);
	const struct hp_pfunc *helper = func(p, "helper"), *leaf = func(p, "leaf");
	const struct hp_pfunc *mainf = func(p, "main"), *rec = func(p, "rec");
	CHECK(helper && leaf && mainf && rec);
	if (!helper || !leaf || !mainf || !rec)
		return;
	CHECK_EQ_INT(helper->self, 6);       /* innermost after inline expansion */
	CHECK_EQ_INT(leaf->self, 0);
	CHECK_EQ_INT(leaf->total, 6);
	CHECK_EQ_INT(mainf->total, 10);
	CHECK_EQ_INT(rec->self, 4);
	CHECK_EQ_INT(rec->total, 4);         /* recursion counted once per sample */
	int e = profile_event_index(p, "page-faults");
	CHECK(e >= 0);
	if (e >= 0) {
		CHECK_EQ_INT(helper->cself[e], 12);
		CHECK_EQ_INT(mainf->ctotal[e], 12);
	}
	/* derived: cache-miss% exists (both inputs measured), IPC does not (no cycles) */
	struct hp_column cols[HP_MAX_COLUMNS];
	int n = columns_build(p, HP_ROWS_FUNCTIONS, cols, HP_MAX_COLUMNS);
	const struct hp_column *miss = columns_find(cols, n, "cache-miss%");
	CHECK(miss != NULL);
	CHECK(columns_find(cols, n, "IPC") == NULL);
	if (miss) {
		char buf[32];
		miss->format(p, miss, (uint32_t)(helper - p->functions), buf, sizeof(buf));
		CHECK(!strcmp(buf, "25.00"));
		miss->format(p, miss, (uint32_t)(rec - p->functions), buf, sizeof(buf));
		CHECK(!strcmp(buf, "-"));
	}
	const struct hp_column *cyc = columns_find(cols, n, "cycles");
	if (cyc) {
		char buf[32];
		cyc->format(p, cyc, 0, buf, sizeof(buf));
		CHECK(!strcmp(buf, "n/a"));
	}
	int found = 0;
	for (uint32_t i = 0; i < p->nlines; i++)
		if (p->lines[i].line == 7) {
			found = 1;
			CHECK_EQ_INT(p->lines[i].self, 6);
		}
	CHECK(found);
}

static int scalar(const char *path, const char *sql, double *out)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int ok = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW) {
			*out = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 0);
			ok = 1;
		}
		sqlite3_finalize(s);
	} else {
		fprintf(stderr, "sql: %s\n", sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return ok;
}

int main(void)
{
	struct hp_store *st;
	struct hp_profile *p;
	char path[256];
	double v;
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/p.db", dir);
	CHECK(store_create(path, &st) == 0);
	build(st);

	CHECK(profile_load(st, NULL, &p) == 0);
	check_model(p);
	CHECK(profile_write_stats(st, p) == 0);
	profile_free(p);

	struct hp_profile_filter f = { .tid = 101 };
	CHECK(profile_load(st, &f, &p) == 0);
	CHECK_EQ_INT(p->nsamples, 4);
	profile_free(p);
	f = (struct hp_profile_filter){ .t_from = 0, .t_to = 3000 };
	CHECK(profile_load(st, &f, &p) == 0);
	CHECK_EQ_INT(p->nsamples, 3);
	profile_free(p);
	CHECK(store_close(st) == 0);

	/* the public views */
	CHECK(scalar(path, "SELECT self_pct FROM function_profile WHERE function='helper'", &v) &&
	      v == 60.0);
	CHECK(scalar(path, "SELECT total_pct FROM function_profile WHERE function='main'", &v) &&
	      v == 100.0);
	CHECK(scalar(path, "SELECT \"page-faults\" FROM function_profile WHERE function='helper'",
		     &v) && v == 12);
	/* not measured: NULL (n/a), never 0 */
	CHECK(scalar(path, "SELECT cycles FROM function_profile WHERE function='helper'", &v) &&
	      v == -1);
	CHECK(scalar(path, "SELECT self_samples FROM line_profile WHERE line = 7", &v) && v == 6);
	CHECK(scalar(path, "SELECT samples FROM thread_profile WHERE tid = 101", &v) && v == 4);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) { /* best effort */ }
	return hp_test_result();
}

/*
 * test_profile.c - the stack model and everything aggregated over it:
 * expansion of stacks into inline-aware frames (kinds, depths, names),
 * self/total per function and line, recursion counted once per sample (in
 * functions, source lines and call trees), counters, weights, filters,
 * annotate agreeing with the per-line costs, persisted views, the arena.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/annotate.h"
#include "analyzer/arena.h"
#include "analyzer/calltree.h"
#include "analyzer/columns.h"
#include "analyzer/profile.h"
#include "analyzer/stacks.h"
#include "common/store.h"
#include "common/store_internal.h"
#include "hp_test.h"

static char dir[] = "/tmp/hp-test-profile.XXXXXX";
static struct hp_event_info events[] = {
	{ 0, "cpu-clock", "sampler", 1, NULL, 10, 0, 0 },
	{ 1, "page-faults", "counter", 1, NULL, 0, 0, 0 },
	{ 2, "cycles", "counter", 0, "no PMU", -1, 0, 0 },
	{ 3, "instructions", "counter", 1, NULL, 0, 0, 0 },
	{ 4, "cache-references", "counter", 1, NULL, 0, 0, 0 },
	{ 5, "cache-misses", "counter", 1, NULL, 0, 0, 0 },
};
static uint32_t stack_a, stack_c, stack_k;   /* see build() */

static const struct hp_pfunc *func(const struct hp_profile *p, const char *name)
{
	for (uint32_t i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, name))
			return &p->functions[i];
	return NULL;
}

/* Stacks (outermost first; line in parentheses):
 *   a: main(40) -> work(30) -> leaf(20) -> helper(7), helper inlined into leaf:
 *      6 samples, 2 page faults each
 *   b: main(40) -> rec(51) -> rec(50): 4 samples
 *   c: main(40) -> rec(51) -> rec(51) -> rec(50): 2 samples - line 51 twice
 *   k: main(40) -> work(30) -> leaf(20) -> helper(7) -> [kernel]: no samples */
static void build(struct hp_store *st)
{
	uint32_t m, km, file, f_main, f_work, f_leaf, f_helper, f_rec, f_kernel;
	store_intern_module(st, "/bin/prog", NULL, &m);
	store_intern_module(st, "[kernel]", NULL, &km);
	store_intern_file(st, "/src/prog.c", &file);
	store_intern_function(st, "main", m, file, &f_main);
	store_intern_function(st, "work", m, file, &f_work);
	store_intern_function(st, "leaf", m, file, &f_leaf);
	store_intern_function(st, "helper", m, file, &f_helper);
	store_intern_function(st, "rec", m, file, &f_rec);
	store_intern_function(st, "[kernel]", km, 0, &f_kernel);

	struct hp_location a[3] = { { m, 0x300 }, { m, 0x200 }, { m, 0x100 } }; /* leaf, work, main */
	struct hp_location b[3] = { { m, 0x400 }, { m, 0x401 }, { m, 0x100 } }; /* rec, rec, main */
	struct hp_location c[4] = { { m, 0x400 }, { m, 0x401 }, { m, 0x401 }, { m, 0x100 } };
	struct hp_location k[4] = { { km, 0 }, { m, 0x300 }, { m, 0x200 }, { m, 0x100 } };
	uint32_t sb;
	store_intern_stack(st, a, 3, &stack_a);
	store_intern_stack(st, b, 3, &sb);
	store_intern_stack(st, c, 4, &stack_c);
	store_intern_stack(st, k, 4, &stack_k);
	/* locations are interned outermost first: 0x100=1, 0x200=2, 0x300=3, 0x401=4, 0x400=5,
	 * the kernel's 0 = 6 */
	store_add_location_frame(st, 3, 0, f_helper, file, 7);
	store_add_location_frame(st, 3, 1, f_leaf, file, 20);
	store_add_location_frame(st, 2, 0, f_work, file, 30);
	store_add_location_frame(st, 1, 0, f_main, file, 40);
	store_add_location_frame(st, 5, 0, f_rec, file, 50);
	store_add_location_frame(st, 4, 0, f_rec, file, 51);
	store_add_location_frame(st, 6, 0, f_kernel, 0, 0);

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		store_add_event(st, &events[i]);

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
	for (int i = 0; i < 2; i++) {        /* 2 deeper, with a line on the stack twice */
		s.t_ns = 20000 + (uint64_t)i * 1000;
		s.nr_frames = 4;
		memcpy(s.frames, c, sizeof(c));
		store_add_sample(st, &s);
	}
	store_add_thread(st, 100, 100, "prog", 0);
	store_add_thread(st, 101, 100, "worker", 0);
	struct hp_run_facts f;
	store_facts_init(&f);
	f.samples = 12;
	store_write_facts(st, &f);
	store_flush(st);
}

static void check_model(const struct hp_profile *p)
{
	CHECK_EQ_INT(p->nsamples, 12);
	const struct hp_pfunc *helper = func(p, "helper"), *leaf = func(p, "leaf");
	const struct hp_pfunc *mainf = func(p, "main"), *rec = func(p, "rec");
	CHECK(helper && leaf && mainf && rec);
	if (!helper || !leaf || !mainf || !rec)
		return;
	CHECK_EQ_INT(helper->self, 6);       /* innermost after inline expansion */
	CHECK_EQ_INT(leaf->self, 0);
	CHECK_EQ_INT(leaf->total, 6);
	CHECK_EQ_INT(mainf->total, 12);
	CHECK_EQ_INT(rec->self, 6);
	CHECK_EQ_INT(rec->total, 6);         /* recursion counted once per sample */
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

/* The stack model read alone: frames outermost first, inline depth and
 * flag, kinds, names and paths, stable cached expansions. */
static void check_stacks(struct hp_store *st)
{
	struct hp_stacks *m;
	const struct hp_sframe *f, *again, *k;
	uint32_t n, nk;
	CHECK(stacks_load(st, &m) == 0);
	if (!m)
		return;
	CHECK(stacks_expand(m, stack_a, &f, &n) == 0);
	CHECK_EQ_INT(n, 4);                  /* main, work, leaf, helper (inlined) */
	if (n == 4) {
		CHECK(!strcmp(stacks_func_name(m, f[0].func), "main"));
		CHECK(!strcmp(stacks_func_name(m, f[2].func), "leaf"));
		CHECK(!strcmp(stacks_func_name(m, f[3].func), "helper"));
		CHECK_EQ_INT(f[3].line, 7);
		CHECK_EQ_INT(f[3].depth, 0);
		CHECK_EQ_INT(f[3].inlined, 1);
		CHECK_EQ_INT(f[2].depth, 1);
		CHECK_EQ_INT(f[2].inlined, 0);
		CHECK_EQ_INT(f[2].location, f[3].location);
		CHECK_EQ_INT(f[0].kind, HP_FRAME_USER);
		CHECK(!strcmp(stacks_file(m, f[1].file), "/src/prog.c"));
		CHECK_EQ_INT(stacks_file_id(m, "/src/prog.c"), f[1].file);
		CHECK(!strcmp(stacks_module(m, f[1].module), "/bin/prog"));
	}
	CHECK(stacks_expand(m, stack_k, &k, &nk) == 0);
	CHECK_EQ_INT(nk, 5);
	if (nk == 5) {
		CHECK_EQ_INT(k[4].kind, HP_FRAME_KERNEL);   /* innermost, under helper */
		CHECK_EQ_INT(k[3].kind, HP_FRAME_USER);
		CHECK(!strcmp(stacks_func_name(m, k[4].func), "[kernel]"));
	}
	CHECK(stacks_expand(m, stack_a, &again, &n) == 0 && again == f);
	CHECK(stacks_expand(m, 0, &f, &n) == 0 && n == 0);
	CHECK(stacks_file(m, 0) == NULL);
	CHECK_EQ_INT(stacks_file_id(m, "/nowhere.c"), 0);
	CHECK(!strcmp(stacks_func_name(m, 0), "[unknown]"));
	const struct hp_sthread *t = stacks_thread(m, 101);
	CHECK(t && t->pid == 100 && t->comm && !strcmp(t->comm, "worker"));
	CHECK(!strcmp(stacks_basename("/a/b/c.so"), "c.so") && stacks_basename(NULL) == NULL);
	stacks_free(m);
}

/* Source lines: self innermost, total once per sample even when the line
 * is on the stack twice; annotate reads the same costs. */
static void check_lines(const struct hp_profile *p)
{
	struct hp_file_costs *fc;
	struct hp_annotation *a;
	uint32_t file = stacks_file_id(p->model, "/src/prog.c");
	CHECK(annotate_file_costs(p, file, &fc) == 0);
	if (!fc)
		return;
	CHECK_EQ_INT(fc->lines[7].self, 6);
	CHECK_EQ_INT(fc->lines[7].total, 6);
	CHECK_EQ_INT(fc->lines[20].total, 6);
	CHECK_EQ_INT(fc->lines[40].total, 12);
	CHECK_EQ_INT(fc->lines[50].self, 6);
	CHECK_EQ_INT(fc->lines[51].self, 0);
	CHECK_EQ_INT(fc->lines[51].total, 6);    /* 4 + 2, not 4 + 2 x 2 */
	CHECK_EQ_INT(fc->total, 12);
	CHECK_EQ_INT(fc->hottest, 7);
	int rec = annotate_find_function(p, "rec");
	CHECK(rec >= 0);
	if (rec >= 0 && annotate_function(p, (uint32_t)rec, &a) == 0) {
		CHECK_EQ_INT(a->function_total, 6);
		for (uint32_t i = 0; i < a->nlines; i++) {
			uint32_t l = a->lines[i].line;
			CHECK_EQ_INT(a->lines[i].self, l < fc->nlines ? fc->lines[l].self : 0);
			CHECK_EQ_INT(a->lines[i].total, l < fc->nlines ? fc->lines[l].total : 0);
		}
		annotate_free(a);
	}
	uint32_t fid, line;
	const char *path;
	CHECK(annotate_function_line(p, (uint32_t)(func(p, "main") - p->functions), &fid, &line,
				     &path) == 0);
	CHECK_EQ_INT(line, 40);                  /* no self: its hottest call site */
	CHECK(path && !strcmp(path, "/src/prog.c"));
	annotate_file_costs_free(fc);
}

static int count_frames(void *ctx, uint32_t node, const struct hp_pstack *s, uint32_t k)
{
	(void)node;
	(void)s;
	(void)k;
	++*(int *)ctx;
	return 0;
}

/* Call-path trees: recursion is a path, each node counts a sample once;
 * weighted trees keep only the stacks with that weight. */
static void check_tree(const struct hp_profile *p)
{
	struct hp_calltree_opts o;
	struct hp_calltree *t;
	uint32_t fmain = (uint32_t)(func(p, "main") - p->functions);
	uint32_t frec = (uint32_t)(func(p, "rec") - p->functions);
	int frames = 0;
	calltree_opts_init(&o);
	o.on_frame = count_frames;
	o.ctx = &frames;
	CHECK(calltree_build(p, &o, &t) == 0);
	if (t) {
		uint32_t nm = calltree_child(t, 0, fmain);
		uint32_t r1 = nm == HP_CT_NONE ? HP_CT_NONE : calltree_child(t, nm, frec);
		uint32_t r2 = r1 == HP_CT_NONE ? HP_CT_NONE : calltree_child(t, r1, frec);
		uint32_t r3 = r2 == HP_CT_NONE ? HP_CT_NONE : calltree_child(t, r2, frec);
		CHECK_EQ_INT(t->nodes[0].total, 12);
		CHECK(r3 != HP_CT_NONE);
		if (r3 != HP_CT_NONE) {
			CHECK_EQ_INT(t->nodes[nm].total, 12);
			CHECK_EQ_INT(t->nodes[r1].total, 6);
			CHECK_EQ_INT(t->nodes[r2].total, 6);
			CHECK_EQ_INT(t->nodes[r2].self, 4);
			CHECK_EQ_INT(t->nodes[r3].total, 2);
			CHECK_EQ_INT(t->nodes[r3].self, 2);
		}
		CHECK_EQ_INT(frames, 4 + 3 + 4);      /* one call per frame of each stack */
		calltree_free(t);
	}
	int e = profile_weight_column(p, "page-faults");
	CHECK(e >= 0 && profile_weight_column(p, "cycles") == -2 &&
	      profile_weight_column(p, NULL) == -1);
	calltree_opts_init(&o);
	o.weighted_only = 1;
	o.weight = e;
	CHECK(calltree_build(p, &o, &t) == 0);
	if (t) {
		CHECK_EQ_INT(t->nnodes, 1 + 4);           /* only stack a has faults */
		CHECK_EQ_INT(e >= 0 ? t->nodes[0].c[e] : -1, 12);
		calltree_free(t);
	}
}

static void check_arena(void)
{
	struct hp_arena a;
	arena_init(&a);
	char *s = arena_strdup(&a, "abc");
	double *d = arena_alloc(&a, 3 * sizeof(double));
	char *big = arena_alloc(&a, 200000);
	char *after = arena_strdup(&a, "def");
	CHECK(s && !strcmp(s, "abc") && arena_strdup(&a, NULL) == NULL);
	CHECK(d && (uintptr_t)d % sizeof(double) == 0);
	CHECK(big && after && !strcmp(after, "def"));
	if (big)
		memset(big, 1, 200000);
	CHECK(!strcmp(s, "abc"));
	arena_release(&a);
	arena_release(&a);
}

static int64_t schema_version(struct hp_store *st)
{
	int64_t v = -1;
	store_each_row(st, "PRAGMA schema_version", store_int_row, &v);
	return v;
}

static int list_events(void *ctx, int (*cb)(void *, const struct hp_event_info *), void *cbctx)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		int err = cb(cbctx, &events[i]);
		if (err)
			return err;
	}
	return 0;
}

/* The views are made only when their columns change: a run makes them
 * from its events' list beside the program (store_create_views_from), and
 * its end, from the events table, keeps them (no schema change). */
static void check_views_kept(struct hp_store *st)
{
	int64_t v0 = schema_version(st);
	CHECK_EQ_INT(store_create_views(st), 0);
	CHECK_EQ_INT(store_create_views_from(st, list_events, NULL), 0);
	CHECK(v0 > 0 && schema_version(st) == v0);
	struct hp_event_info ev = events[2];      /* cycles, measured after all */
	ev.measured = 1;
	store_add_event(st, &ev);
	CHECK_EQ_INT(store_create_views(st), 0);
	int64_t v1 = schema_version(st);
	CHECK(v1 > v0);
	CHECK_EQ_INT(store_create_views_from(st, list_events, NULL), 0);   /* not measured again */
	CHECK(schema_version(st) > v1);
	store_add_event(st, &events[2]);
	int64_t v2 = schema_version(st);
	CHECK_EQ_INT(store_create_views(st), 0);
	CHECK(schema_version(st) == v2);
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

	check_arena();
	check_stacks(st);
	CHECK(profile_load(st, NULL, &p) == 0);
	check_model(p);
	check_lines(p);
	check_tree(p);
	CHECK(profile_write_stats(st, p) == 0);
	profile_free(p);
	check_views_kept(st);

	struct hp_profile_filter f = { .tid = 101 };
	CHECK(profile_load(st, &f, &p) == 0);
	CHECK_EQ_INT(p->nsamples, 6);
	profile_free(p);
	f = (struct hp_profile_filter){ .t_from = 0, .t_to = 3000 };
	CHECK(profile_load(st, &f, &p) == 0);
	CHECK_EQ_INT(p->nsamples, 3);
	profile_free(p);
	CHECK(store_close(st) == 0);

	/* the public views */
	CHECK(scalar(path, "SELECT self_pct FROM function_profile WHERE function='helper'", &v) &&
	      v == 50.0);
	CHECK(scalar(path, "SELECT total_pct FROM function_profile WHERE function='main'", &v) &&
	      v == 100.0);
	CHECK(scalar(path, "SELECT \"page-faults\" FROM function_profile WHERE function='helper'",
		     &v) && v == 12);
	/* not measured: NULL (n/a), never 0 */
	CHECK(scalar(path, "SELECT cycles FROM function_profile WHERE function='helper'", &v) &&
	      v == -1);
	CHECK(scalar(path, "SELECT self_samples FROM line_profile WHERE line = 7", &v) && v == 6);
	CHECK(scalar(path, "SELECT samples FROM thread_profile WHERE tid = 101", &v) && v == 6);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) { /* best effort */ }
	return hp_test_result();
}

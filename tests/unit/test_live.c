/*
 * test_live.c - the live table of hpprof top (analyzer/live.h) on samples
 * whose answer is known by construction: stacks of this program's own
 * functions written through a real store (its sample tap) and named by the
 * real symbolizer. Checks self and total (a recursive function once per
 * sample), the interval table replaced at each refresh while the whole
 * run's adds up, sorting, the wall weight (off-CPU ns) and that other
 * events (page faults) are not counted. Python frames ("[python] FILE"
 * locations, named by the collector as collector/pyfeed.c names them) get
 * the store's names, never the symbolizer's file+offset.
 */
#include <dlfcn.h>
#include <elf.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/live.h"
#include "common/store.h"
#include "hp_test.h"

int live_leaf(int x);
int live_mid(int x);
int live_rec(int x);

__attribute__((noinline)) int live_leaf(int x) { return x * 3 + 1; }
__attribute__((noinline)) int live_mid(int x) { return live_leaf(x) + 2; }
__attribute__((noinline)) int live_rec(int x) { return x ? live_rec(x - 1) + 1 : 0; }

static uint32_t module;

/* The ELF vaddr of a point inside fn, as the collector stores it. */
static uint64_t vaddr_of(void *fn)
{
	Dl_info di;
	if (!dladdr(fn, &di))
		return 0;
	const Elf64_Ehdr *eh = di.dli_fbase;
	uint64_t a = (uint64_t)(uintptr_t)fn + 4;
	return eh->e_type == ET_DYN ? a - (uint64_t)(uintptr_t)di.dli_fbase : a;
}

static void add(struct hp_store *st, int event, int64_t value, int n, ...)
{
	struct hp_sample *s = calloc(1, sizeof(*s));
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s->frames[i] = (struct hp_location){ module, vaddr_of(va_arg(ap, void *)) };
	va_end(ap);
	s->nr_frames = (uint32_t)n;
	s->pid = s->tid = 1;
	s->event = event;
	s->unwind = -1;
	if (event) {
		s->nr_counters = 2;
		s->counters[0] = value;
	}
	CHECK_EQ_INT(store_add_sample(st, s), 0);
	free(s);
}

/* A Python location as collector/pyfeed.c writes it: the location, its
 * function and its one frame (file, line). */
static struct hp_location py_loc(struct hp_store *st, uint32_t mod, uint64_t addr,
				 const char *fn, uint32_t line)
{
	struct hp_location loc = { mod, addr };
	uint32_t lid, file, func;
	CHECK_EQ_INT(store_intern_location(st, &loc, &lid), 0);
	CHECK_EQ_INT(store_intern_file(st, "/x/prog.py", &file), 0);
	CHECK_EQ_INT(store_intern_function_raw(st, fn, fn, mod, file, &func), 0);
	CHECK_EQ_INT(store_add_location_frame(st, lid, 0, func, file, line), 0);
	return loc;
}

static void add_py(struct hp_store *st, const struct hp_location *fr, uint32_t n)
{
	struct hp_sample *s = calloc(1, sizeof(*s));
	memcpy(s->frames, fr, n * sizeof(*fr));
	s->nr_frames = n;
	s->pid = s->tid = 1;
	s->unwind = -1;
	CHECK_EQ_INT(store_add_sample(st, s), 0);
	free(s);
}

static const struct live_row *find(const struct live_row *r, size_t n, const char *fn)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].function, fn))
			return &r[i];
	return NULL;
}

int main(void)
{
	char dir[] = "/tmp/test_live.XXXXXX", db[PATH_MAX], exe[PATH_MAX];
	struct hp_store *st;
	struct hp_live *l;
	struct live_row rows[32];
	struct live_totals t;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0 || !mkdtemp(dir))
		SKIP("no /proc/self/exe or /tmp");
	exe[len] = '\0';
	snprintf(db, sizeof(db), "%s/l.db", dir);
	CHECK_EQ_INT(store_create(db, &st), 0);
	CHECK_EQ_INT(store_intern_module(st, exe, NULL, &module), 0);
	struct hp_live_opts o = { .cpu_sample_ns = 1000000, .offcpu_event = 5, .start_ns = 0 };
	CHECK_EQ_INT(live_new(&o, st, &l), 0);
	store_set_sample_tap(st, live_tap, l);

	/* interval 1: 3 x leaf<-mid<-main, 1 x mid<-main, 1 x rec<-rec<-mid,
	 * a page-fault sample (event 3: not a weight) */
	for (int i = 0; i < 3; i++)
		add(st, 0, 0, 3, (void *)live_leaf, (void *)live_mid, (void *)main);
	add(st, 0, 0, 2, (void *)live_mid, (void *)main);
	add(st, 0, 0, 3, (void *)live_rec, (void *)live_rec, (void *)live_mid);
	add(st, 3, 0, 1, (void *)live_leaf);
	CHECK_EQ_INT(live_refresh(l, 1000000000), 0);
	size_t n = live_rows(l, LIVE_INTERVAL, LIVE_CPU, LIVE_SORT_SELF, rows, 32);
	const struct live_row *leaf = find(rows, n, "live_leaf"), *mid = find(rows, n, "live_mid"),
			      *rec = find(rows, n, "live_rec"), *m = find(rows, n, "main");
	CHECK(leaf && mid && rec && m);
	if (leaf && mid && rec && m) {
		CHECK(!strcmp(rows[0].function, "live_leaf"));   /* the most self samples */
		CHECK_EQ_INT(leaf->self_samples, 3);
		CHECK_EQ_INT(leaf->total_samples, 3);
		CHECK_EQ_INT(mid->self_samples, 1);
		CHECK_EQ_INT(mid->total_samples, 5);
		CHECK_EQ_INT(rec->self_samples, 1);
		CHECK_EQ_INT(rec->total_samples, 1);              /* twice on its stack: once */
		CHECK_EQ_INT(m->total_samples, 4);
		CHECK(fabs(leaf->self_pct - 60.0) < 1e-9);
		CHECK(fabs(mid->total_pct - 100.0) < 1e-9);
		CHECK(fabs(leaf->self_s - 0.003) < 1e-12);
	}
	n = live_rows(l, LIVE_INTERVAL, LIVE_CPU, LIVE_SORT_TOTAL, rows, 32);
	CHECK(n > 0 && !strcmp(rows[0].function, "live_mid"));
	live_totals(l, LIVE_INTERVAL, LIVE_CPU, &t);
	CHECK_EQ_INT(t.samples, 5);
	CHECK(fabs(t.seconds - 1.0) < 1e-9);
	CHECK(!live_has_wall(l));

	/* interval 2: one leaf sample and 2 ms off the CPU in leaf */
	add(st, 0, 0, 2, (void *)live_leaf, (void *)live_mid);
	add(st, 5, 2000000, 2, (void *)live_leaf, (void *)live_mid);
	CHECK_EQ_INT(live_refresh(l, 1500000000), 0);
	n = live_rows(l, LIVE_INTERVAL, LIVE_CPU, LIVE_SORT_SELF, rows, 32);
	leaf = find(rows, n, "live_leaf");
	CHECK(leaf && leaf->self_samples == 1);
	CHECK(!find(rows, n, "live_rec"));                       /* not in this interval */
	n = live_rows(l, LIVE_OVERALL, LIVE_CPU, LIVE_SORT_SELF, rows, 32);
	leaf = find(rows, n, "live_leaf");
	CHECK(leaf && leaf->self_samples == 4);
	CHECK(find(rows, n, "live_rec") != NULL);
	CHECK(live_has_wall(l));
	/* wall over the whole run: leaf 4 ms on + 2 ms off of 6 ms on + 2 ms off */
	n = live_rows(l, LIVE_OVERALL, LIVE_WALL, LIVE_SORT_SELF, rows, 32);
	leaf = find(rows, n, "live_leaf");
	CHECK(leaf && fabs(leaf->self_s - 0.006) < 1e-12 && fabs(leaf->self_pct - 75.0) < 1e-9);
	live_totals(l, LIVE_OVERALL, LIVE_WALL, &t);
	CHECK_EQ_INT(t.samples, 6);
	CHECK_EQ_INT(t.off_ns, 2000000);
	CHECK(fabs(t.weight_s - 0.008) < 1e-12);

	/* interval 3: nothing */
	CHECK_EQ_INT(live_refresh(l, 2500000000), 0);
	CHECK_EQ_INT(live_rows(l, LIVE_INTERVAL, LIVE_CPU, LIVE_SORT_SELF, rows, 32), 0);
	CHECK(live_rows(l, LIVE_OVERALL, LIVE_CPU, LIVE_SORT_SELF, rows, 32) > 0);

	/* interval 4: Python frames, two lines of Grid.step under <module>,
	 * one with a native leaf beneath */
	uint32_t pym;
	CHECK_EQ_INT(store_intern_module(st, "[python] /x/prog.py", NULL, &pym), 0);
	struct hp_location step10 = py_loc(st, pym, 1, "Grid.step", 10);
	struct hp_location step11 = py_loc(st, pym, 2, "Grid.step", 11);
	struct hp_location top = py_loc(st, pym, 3, "<module>", 40);
	struct hp_location leaf_loc = { module, vaddr_of((void *)live_leaf) };
	add_py(st, (struct hp_location[]){ leaf_loc, step10, top }, 3);
	add_py(st, (struct hp_location[]){ step11, top }, 2);
	add_py(st, (struct hp_location[]){ step10, top }, 2);
	CHECK_EQ_INT(live_refresh(l, 3500000000), 0);
	n = live_rows(l, LIVE_INTERVAL, LIVE_CPU, LIVE_SORT_SELF, rows, 32);
	const struct live_row *step = find(rows, n, "Grid.step"), *mod = find(rows, n, "<module>");
	CHECK(step && mod);
	if (step && mod) {
		CHECK_EQ_INT(step->self_samples, 2);              /* both lines: one function */
		CHECK_EQ_INT(step->total_samples, 3);
		CHECK_EQ_INT(mod->total_samples, 3);
		CHECK(!strcmp(step->module, "prog.py"));
	}
	for (size_t i = 0; i < n; i++)
		CHECK(!strstr(rows[i].function, "prog.py+"));  /* the symbolizer's name */
	CHECK(find(rows, n, "live_leaf") != NULL);

	store_set_sample_tap(st, NULL, NULL);
	live_free(l);
	store_close(st);
	unlink(db);
	char wal[PATH_MAX + 8];
	snprintf(wal, sizeof(wal), "%s-wal", db); unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", db); unlink(wal);
	rmdir(dir);
	return hp_test_result();
}

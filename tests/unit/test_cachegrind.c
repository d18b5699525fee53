/*
 * test_cachegrind.c - the Cachegrind side of --cache-sim on real output:
 * collector/cachesim.c runs valgrind on the matrix fixture (generated here,
 * in the test), analyzer/cachegrind.c parses what it wrote, and
 * cachegrind_attach.c puts it into a store that the profile model reads
 * back. Then the parser meets the same file truncated at many points, and
 * garbage: every one must be refused with a reason, none half-read.
 *
 * Truths by construction: the parser's sums equal Cachegrind's own summary
 * line; the simulated caches are the ones asked for; the model's per-line
 * and per-function values are the file's; and the column sum's line has at
 * least 4x the LL misses of the row sum's line (the geometry makes every
 * column access miss: see column_misses_by_construction below).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/annotate.h"
#include "analyzer/cachegrind.h"
#include "analyzer/finish.h"
#include "analyzer/profile.h"
#include "analyzer/symbolize.h"
#include "collector/cachesim.h"
#include "common/error.h"
#include "common/store.h"
#include "hp_test.h"

#define N 1024                        /* the matrix is N x N doubles: 8 MiB */

static char dir[] = "/tmp/hp-test-cachegrind.XXXXXX";

/* Line of the source that carries marker, 0 when none. */
static unsigned marker_line(const char *path, const char *marker)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	unsigned n = 0;
	while (f && fgets(buf, sizeof(buf), f)) {
		n++;
		if (strstr(buf, marker)) {
			fclose(f);
			return n;
		}
	}
	if (f)
		fclose(f);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	if (f)
		fclose(f);
	return buf;
}

/* Parse buf[0..len) as a file; returns the parser's result. */
static int parse_mem(const char *buf, size_t len, struct hp_cachegrind **cg, char *why,
		     size_t whylen)
{
	FILE *f = fmemopen((void *)buf, len ? len : 1, "r");
	if (!f)
		return -errno;
	if (!len)
		fgetc(f);             /* fmemopen cannot be empty: consume the byte */
	int err = cachegrind_parse_stream(f, cg, why, whylen);
	fclose(f);
	return err;
}

/* A text that must be refused, with a reason that mentions what. */
static void refused(const char *name, const char *buf, size_t len, const char *what)
{
	struct hp_cachegrind *cg = NULL;
	char why[512] = "";
	int err = parse_mem(buf, len, &cg, why, sizeof(why));
	if (err != -HP_ECORRUPT || !why[0] || (what && !strstr(why, what)))
		fprintf(stderr, "%s: err %d, why '%s' (expected -HP_ECORRUPT mentioning '%s')\n",
			name, err, why, what ? what : "");
	CHECK(err == -HP_ECORRUPT);
	CHECK(why[0] != '\0');
	CHECK(!what || strstr(why, what));
	if (!err)
		cachegrind_free(cg);
}

static void refused_s(const char *name, const char *text, const char *what)
{
	refused(name, text, strlen(text), what);
}

/* --- hand-written files --- */

static const char minimal[] =
	"desc: I1 cache: 32768 B, 64 B, 8-way associative\n"
	"desc: D1 cache: 32768 B, 64 B, direct-mapped\n"
	"desc: LL cache: 1048576 B, 64 B, fully associative\n"
	"cmd: prog --opt=1\n"
	"events: A B\n"
	"fl=x.c\n"
	"fn=(below main)\n"
	"3 1 2\n"
	"3 4\n"                          /* the same line again, B omitted: 0 */
	"fn=g@@VER_1\n"
	"0 7 0\n"
	"summary: 12 2\n";

static void test_handwritten(void)
{
	struct hp_cachegrind *cg;
	char why[256];
	CHECK_EQ_INT(parse_mem(minimal, strlen(minimal), &cg, why, sizeof(why)), 0);
	CHECK_EQ_INT(cg->nevents, 2);
	CHECK(cg->cmd && !strcmp(cg->cmd, "prog --opt=1"));
	CHECK(cg->I1.known && cg->I1.size == 32768 && cg->I1.assoc == 8 && cg->I1.line_size == 64);
	CHECK(cg->LL.known && cg->LL.assoc == 0);
	/* valgrind's words for 1 way (an LL from a VM's CPUID, here) */
	CHECK(cg->D1.known && cg->D1.assoc == 1 && cg->D1.size == 32768);
	CHECK_EQ_INT(cg->ncosts, 2);     /* line 3 once, summed */
	CHECK_EQ_INT(cg->costs[0].line, 3);
	CHECK_EQ_INT(cg->costs[0].v[0], 5);
	CHECK_EQ_INT(cg->costs[0].v[1], 2);
	CHECK(!strcmp(cg->fns[cg->costs[0].fn], "(below main)"));
	CHECK_EQ_INT(cg->summary[0], 12);
	cachegrind_free(cg);

	size_t n = strlen(minimal);
	char *buf = malloc(n + (2u << 20));
	/* an edited count: the summary no longer matches */
	snprintf(buf, n + 64, "%s", minimal);
	strstr(buf, "0 7 0")[2] = '8';
	refused("edited", buf, n, "summary says");
	refused("empty", "", 0, "no events");
	refused_s("callgrind", "# callgrind format\nevents: Ir\n", "callgrind");
	refused_s("compressed", "events: Ir\nfl=(1) a.c\n", "callgrind");
	refused_s("calls", "events: Ir\nfl=a.c\nfn=f\ncalls=1 3\n", "callgrind");
	refused_s("before fl", "events: Ir\n12 3\nsummary: 3\n", "before fl=");
	refused_s("before events", "fl=a.c\nfn=f\n1 2\n", "before the events");
	refused_s("overflow", "events: Ir\nfl=a\nfn=f\n1 99999999999999999999\nsummary: 1\n",
		  "below 2^64");
	refused_s("sum overflow",
		  "events: Ir\nfl=a\nfn=f\n1 18446744073709551615\n1 1\nsummary: 0\n", "overflows");
	refused_s("too many counts", "events: Ir\nfl=a\nfn=f\n1 2 3\nsummary: 2\n", "more counts");
	refused_s("not a number", "events: Ir\nfl=a\nfn=f\n1 x2\nsummary: 2\n", "not a whole");
	refused_s("bad event", "events: Ir D-r\n", "not a word");
	refused_s("twice", "events: Ir Ir\n", "twice");
	refused_s("no summary", "events: Ir\nfl=a\nfn=f\n1 2\n", "no summary");
	refused_s("junk line", "events: Ir\nhello world\n", "neither");
	refused_s("positions", "positions: instr line\nevents: Ir\n", "positions");
	memcpy(buf, "events: Ir\nfl=a\0b\nfn=f\n1 2\nsummary: 2\n", 38);
	refused("NUL", buf, 38, "NUL");
	/* one line over the limit */
	memcpy(buf, "events: Ir\nfn=", 14);
	memset(buf + 14, 'x', (2u << 20) - 14);
	buf[(2u << 20) - 1] = '\n';
	refused("long line", buf, 2u << 20, "longer than");
	/* random bytes (a fixed seed: the same garbage every run) */
	srandom(19);
	for (int round = 0; round < 50; round++) {
		size_t len = 1 + (size_t)(random() % 4096);
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(random() & 0xff);
		refused("random", buf, len, NULL);
	}
	free(buf);
}

/* --- real output, generated here --- */

struct outputs { int n; char main_path[4096]; pid_t main; };

static int on_output(void *ctx, pid_t pid, const char *path)
{
	struct outputs *o = ctx;
	if (o->n++ == 0) {
		snprintf(o->main_path, sizeof(o->main_path), "%s", path);
		o->main = pid;
	}
	return 0;
}

struct objects { struct hp_cg_object obj[256]; char *str[512]; unsigned n, ns; };

static int on_object(void *ctx, const char *path, const char *debug)
{
	struct objects *o = ctx;
	if (o->n == 256)
		return 0;
	o->obj[o->n].path = o->str[o->ns++] = strdup(path);
	o->obj[o->n].debug = debug ? (o->str[o->ns++] = strdup(debug)) : NULL;
	o->n++;
	return 0;
}

/* LL misses of the cost lines of the fixture's file at line. */
static uint64_t ll_misses_at(const struct hp_cachegrind *cg, unsigned line)
{
	int e[3] = { cachegrind_event(cg, "ILmr"), cachegrind_event(cg, "DLmr"),
		     cachegrind_event(cg, "DLmw") };
	uint64_t sum = 0;
	for (uint32_t i = 0; i < cg->ncosts; i++)
		if (cg->costs[i].line == line && strstr(cg->files[cg->costs[i].file], "matrix.c"))
			for (int k = 0; k < 3; k++)
				sum += e[k] >= 0 ? cg->costs[i].v[e[k]] : 0;
	return sum;
}

static void test_truncated(const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	CHECK(buf != NULL);
	if (!buf)
		return;
	const char *summary = strstr(buf, "\nsummary:");
	CHECK(summary != NULL);
	/* cut everywhere the file can end early: at 40 points through it, just
	 * before the summary, and in the middle of the summary's numbers */
	for (int k = 0; k < 40; k++)
		refused("truncated", buf, len * (size_t)k / 40, NULL);
	if (summary) {
		refused("cut before summary", buf, (size_t)(summary - buf) + 1, "no summary");
		refused("cut in summary", buf, (size_t)(summary - buf) + 20, NULL);
	}
	refused("cut one byte short", buf, len - 2, NULL);
	free(buf);
}

/* The simulated geometry: LL is 64 KiB, 8-way, 64 B lines: 128 sets, and
 * the matrix (8 MiB) is 128 times larger. The row stride (N x 8 B = 8 KiB
 * = 128 lines) is a multiple of the set count, so every line of one matrix
 * column falls in ONE set. A column touches N = 1024 lines of that set,
 * which holds 8 (LRU): by the time the column sum comes back to a line for
 * its next 8 bytes, 1023 other lines of the set have evicted it. So every
 * column access misses LL: N^2 misses. The row sum reads each 64-byte line
 * (8 doubles) once, after the filling pass left at most the last 64 KiB
 * cached: about N^2 / 8 misses. The ratio is ~8 by construction; the check
 * asks for >= 4. (D1, 32 KiB 8-way, misses the same way.) */
static const struct hp_cache_geom I1 = { 32768, 8, 64 }, D1 = { 32768, 8, 64 },
				   LL = { 65536, 8, 64 };   /* 128 sets */

static void column_misses_by_construction(const struct hp_cachegrind *cg, const char *src)
{
	unsigned rows = marker_line(src, "SUM: rows"), cols = marker_line(src, "SUM: cols");
	uint64_t r = ll_misses_at(cg, rows), c = ll_misses_at(cg, cols);
	CHECK(rows && cols);
	fprintf(stderr, "# LL misses: rows line %u: %llu, columns line %u: %llu\n", rows,
		(unsigned long long)r, cols, (unsigned long long)c);
	CHECK(r > 0);
	CHECK(c >= 4 * r);
	CHECK(c >= (uint64_t)N * N * 99 / 100);    /* every access, 1% spare */
}

static void test_attach(const struct hp_cachegrind *cg, const struct objects *objs,
			const char *src)
{
	char db[4200];
	struct hp_store *st;
	struct hp_cg_attach *a;
	struct hp_run_facts f;
	struct hp_symbolizer *sym;
	struct hp_profile *p;
	snprintf(db, sizeof(db), "%s/sim.db", dir);
	CHECK_EQ_INT(store_create(db, &st), 0);
	store_facts_init(&f);
	CHECK_EQ_INT(cachegrind_attach_begin(st, 1, &a), 0);
	CHECK_EQ_INT(cachegrind_attach(a, cg, objs->obj, objs->n), 0);
	CHECK_EQ_INT(cachegrind_attach_end(a, &f), 0);
	CHECK(f.simulation && !strcmp(f.simulation, "simulated (cachegrind)"));
	CHECK(f.sim_LL && !strcmp(f.sim_LL, "65536 B, 8-way, 64 B lines"));
	CHECK_EQ_INT(store_write_facts(st, &f), 0);
	cachegrind_attach_free(a);
	CHECK_EQ_INT(symbolizer_new(&sym), 0);
	CHECK_EQ_INT(finish_profile(st, sym), 0);
	symbolizer_free(sym);
	CHECK_EQ_INT(profile_load(st, NULL, &p), 0);
	CHECK(profile_simulated_only(p));
	CHECK(profile_meta(p, "samples") == NULL);    /* nothing sampled: no 0 */
	int ir = profile_event_index(p, "sim_Ir"), ll = profile_event_index(p, "sim_LLmiss");
	CHECK(ir >= 0 && ll >= 0 && !strcmp(p->events[ir].role, "simulated"));
	CHECK(profile_weight_column(p, "sim_Ir") == -2);   /* no stacks to weigh */
	/* sum_cols: its module is the fixture (found in its symbol table), its
	 * sim_Ir is the file's, and its hot line has the file's LL misses */
	int e_ir = cachegrind_event(cg, "Ir");
	uint64_t want = 0;
	for (uint32_t i = 0; i < cg->ncosts; i++)
		if (!strcmp(cg->fns[cg->costs[i].fn], "sum_cols"))
			want += cg->costs[i].v[e_ir];
	const struct hp_pfunc *fn = NULL;
	for (uint32_t i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, "sum_cols"))
			fn = &p->functions[i];
	CHECK(fn != NULL);
	if (fn && ir >= 0) {
		CHECK_EQ_INT(fn->cself[ir], want);
		CHECK(fn->module && strstr(fn->module, "cachesim_matrix"));
		CHECK(fn->file && strstr(fn->file, "matrix.c"));
		/* where the TUI opens it: the line with the most Ir (there are no
		 * samples to choose by; wave 17: the first line listed) */
		uint32_t hot = 0, file_id, line;
		uint64_t hot_ir = 0;
		const char *path;
		for (uint32_t i = 0; i < cg->ncosts; i++)
			if (!strcmp(cg->fns[cg->costs[i].fn], "sum_cols") &&
			    cg->costs[i].v[e_ir] > hot_ir) {
				hot = cg->costs[i].line;
				hot_ir = cg->costs[i].v[e_ir];
			}
		CHECK_EQ_INT(annotate_function_line(p, (uint32_t)(fn - p->functions), &file_id,
						    &line, &path), 0);
		CHECK_EQ_INT(line, hot);
	}
	unsigned cols = marker_line(src, "SUM: cols");
	int found = 0;
	for (uint32_t i = 0; i < p->nlines && ll >= 0; i++)
		if (p->lines[i].line == cols && p->lines[i].file && strstr(p->lines[i].file, "matrix.c")) {
			CHECK_EQ_INT(p->lines[i].c[ll], ll_misses_at(cg, cols));
			found = 1;
		}
	CHECK(found);
	/* the libc functions are libc's */
	for (uint32_t i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, "__libc_start_main"))
			CHECK(p->functions[i].module && strstr(p->functions[i].module, "libc.so"));
	profile_free(p);
	store_close(st);
	unlink(db);
}

static void test_real(const char *vg)
{
	char why[1024];
	struct hp_cachesim_result r;
	struct outputs outs = { 0 };
	struct objects *objs = calloc(1, sizeof(*objs));
	char arg[16];
	snprintf(arg, sizeof(arg), "%d", N);
	char *argv[] = { (char *)MATRIX_FIXTURE, arg, NULL };
	struct hp_cachesim_opts o = { vg, I1, D1, LL, dir };
	if (!objs)
		return;
	struct hp_cachegrind *cg;

	CHECK_EQ_INT(cachesim_run(&o, argv, &r), 0);
	CHECK(r.ran && r.exit_code == 0);
	CHECK_EQ_INT(r.failure[0], 0);
	CHECK(r.version[0] != '\0');
	CHECK_EQ_INT(cachesim_each_output(dir, r.pid, on_output, &outs), 0);
	CHECK_EQ_INT(outs.n, 1);
	CHECK(outs.main == r.pid);
	CHECK_EQ_INT(cachesim_each_object(dir, r.pid, on_object, objs), 0);
	CHECK(objs->n >= 2 && !strcmp(objs->obj[0].path, MATRIX_FIXTURE));
	for (unsigned i = 0; i < objs->n; i++)
		CHECK(!strstr(objs->obj[i].path, "vgpreload"));
	/* More objects than the attach step's first 16 (a python with its
	 * extension modules): its table of objects grows while the ones read
	 * first are in use (wave 17: they were pointers into the old table) */
	for (unsigned i = 0; i < 40; i++) {
		char fake[64];
		snprintf(fake, sizeof(fake), "/nonexistent/hp-lib%02u.so", i);
		on_object(objs, fake, NULL);
	}
	int err = cachegrind_parse_file(outs.main_path, &cg, why, sizeof(why));
	if (err)
		fprintf(stderr, "parse: %s\n", why);
	CHECK_EQ_INT(err, 0);
	if (!err) {
		CHECK_EQ_INT(cg->nevents, 13);
		CHECK(cg->LL.known && cg->LL.size == LL.size && cg->LL.assoc == LL.assoc &&
		      cg->LL.line_size == LL.line);
		CHECK(cg->D1.known && cg->D1.size == D1.size);
		CHECK(cachegrind_event(cg, "Bcm") >= 0);
		column_misses_by_construction(cg, MATRIX_SOURCE);
		test_attach(cg, objs, MATRIX_SOURCE);
		cachegrind_free(cg);
	}
	test_truncated(outs.main_path);
	for (unsigned i = 0; i < objs->ns; i++)
		free(objs->str[i]);
	free(objs);
	cachesim_remove_dir(dir);
}

int main(void)
{
	char vg[4096], why[1024];
	struct hp_cache_geom g;
	test_handwritten();
	CHECK_EQ_INT(cachesim_parse_geom("8M,16,64", &g, why, sizeof(why)), 0);
	CHECK(g.size == 8u << 20 && g.assoc == 16 && g.line == 64);
	CHECK_EQ_INT(cachesim_parse_geom("8M,16,48", &g, why, sizeof(why)), -EINVAL);
	CHECK_EQ_INT(cachesim_parse_geom("24K,8,64", &g, why, sizeof(why)), -EINVAL); /* 48 sets */
	CHECK_EQ_INT(cachesim_parse_geom("3M,8,64", &g, why, sizeof(why)), -EINVAL);
	CHECK_EQ_INT(cachesim_parse_geom("8M,16", &g, why, sizeof(why)), -EINVAL);
	if (cachesim_find_valgrind(NULL, vg, sizeof(vg), why, sizeof(why))) {
		int r = hp_test_result();
		if (r)
			return r;
		SKIP(why);
	}
	if (!mkdtemp(dir))
		return 1;
	test_real(vg);
	rmdir(dir);
	return hp_test_result();
}

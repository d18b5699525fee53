/*
 * test_symcache_delta.c - a warm run's few new segments are appended to
 * the module's cache entry as a delta record (analyzer/symcache_delta.c),
 * and what later runs read of it is right or ignored, never wrong:
 *   - a miss beside an entry appends one record: the same file (inode),
 *     grown; a later symbolizer answers both addresses without a miss,
 *     as direct resolution does;
 *   - two symbolizers that read the same entry and miss the same address
 *     both append: the reader keeps one copy of the segments;
 *   - a torn record (the file cut inside it) and a corrupted one (a byte
 *     flipped in its strings) are ignored: the records before them are
 *     used, the addresses of the damaged one miss and are resolved right,
 *     and the next save writes the entry whole (a new file, no records);
 *   - a record extending another base (appended to the file that
 *     replaced the one its writer read) is skipped, not trusted;
 *   - records never outgrow the base: the entry is then written whole;
 *   - the base and each record are padded to 8 bytes and the records are
 *     read where they are mapped (no copy).
 * The module is the test's own executable (many functions, with DWARF in
 * the usual builds); a small module is resolved whole at its first save
 * (symcomplete.c), so the completion's budget is set to nothing here.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/symbolize.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symcache_format.h"
#include "hp_test.h"
#include "test_symbolize_util.h"
#include "test_symmods.h"

#define MAXF 64
#define NFUNC 48
#define NCAND 1024

struct span {
	uint64_t lo, hi;
};

struct spans {
	struct span *v;
	size_t n, max;
};

static char dir[] = "/tmp/hp-symdelta-XXXXXX";
static char target[512];
static struct span funcs[NCAND];
static size_t nfuncs;
static struct hp_symbolizer *direct;

/* Functions of 16 bytes or more that overlap no other kept one. */
static void add_span(void *ctx, uint64_t value, uint64_t size)
{
	struct spans *a = ctx;
	if (a->n >= a->max || size < 16)
		return;
	for (size_t i = 0; i < a->n; i++)
		if (value < a->v[i].hi && value + size > a->v[i].lo)
			return;
	a->v[a->n++] = (struct span){ value, value + size };
}

/* A symbolizer on the test's cache whose completion does nothing. */
static struct hp_symbolizer *warm(void)
{
	struct hp_symbolizer *s;
	if (symbolizer_new(&s) || symbolizer_set_cache(s, dir))
		return NULL;
	symbolizer_set_raw_names(s, 1);
	s->complete_budget_ns = 1;
	return s;
}

/* The entry file of the fixture (the only one in the cache). */
static void entry_file(char *path, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	path[0] = '\0';
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".sym") && !strstr(de->d_name, ".sym."))
			snprintf(path, size, "%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
}

static struct stat entry_stat(void)
{
	char path[600];
	struct stat sb = { 0 };
	entry_file(path, sizeof(path));
	CHECK_EQ_INT(stat(path, &sb), 0);
	return sb;
}

/* Look up the middle of function i with s: 1 when it missed, and check
 * the answer against direct resolution. */
static int lookup(struct hp_symbolizer *s, size_t i)
{
	struct hp_frame a[MAXF];
	uint64_t x = funcs[i].lo + (funcs[i].hi - funcs[i].lo) / 2;
	long before = symbolizer_cache_misses(s);
	int na = symbolize_addr(s, target, x, a, MAXF);
	struct hp_frame unused[MAXF];
	symbolize_addr(direct, target, x, unused, MAXF);        /* reports the module */
	uint32_t dm = tsym_module_find(direct, target);
	size_t at = direct->nframes;
	CHECK(dm != UINT32_MAX);
	if (dm == UINT32_MAX)
		return 0;
	CHECK_EQ_INT(symresolve_frames(direct, dm, x), 0);
	int nb = (int)(direct->nframes - at), ok = na == nb && na > 0;
	for (int k = 0; ok && k < na; k++) {
		const struct sym_frame *b = &direct->frames[at + k];
		ok = tsym_same_str(a[k].function, b->function) && tsym_same_str(a[k].file, b->file) &&
		     a[k].line == b->line;
	}
	if (!ok)
		fprintf(stderr, "+0x%lx: cached %s, direct %s\n", (unsigned long)x,
			na > 0 ? a[0].function : "-", nb ? direct->frames[at].function : "-");
	CHECK(ok);
	direct->nframes = at;
	return symbolizer_cache_misses(s) != before;
}

/* The fixture's entry as a fresh symbolizer reads it (after looking up
 * function 0, which loads it). */
static const struct symcache_entry *entry_of(struct hp_symbolizer *s)
{
	uint32_t m = tsym_module_find(s, target);
	return m == UINT32_MAX ? NULL : s->mods[m].cache;
}

/* One symbolizer: look up the functions in want[], save; the misses. */
static int session(const size_t *want, size_t n)
{
	struct hp_symbolizer *s = warm();
	int misses = 0;
	CHECK(s != NULL);
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		misses += lookup(s, want[i]);
	CHECK_EQ_INT(symbolizer_save_cache(s), 0);
	symbolizer_free(s);
	return misses;
}

static void read_tail(const char *path, off_t from, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && pread(fd, buf, len, from) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
}

static void append_bytes(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, buf, len) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	struct spans sp = { funcs, 0, NCAND };
	char path[600];
	ssize_t tl = readlink("/proc/self/exe", target, sizeof(target) - 1);
	if (tl <= 0 || !mkdtemp(dir))
		SKIP("cannot find the test's executable or create a temporary directory");
	target[tl] = '\0';
	tsym_each_func(target, SHT_SYMTAB, add_span, &sp);
	CHECK_EQ_INT(symbolizer_new(&direct), 0);
	symbolizer_set_raw_names(direct, 1);
	/* Functions with source lines (the frames a record carries whole). */
	for (size_t i = 0; i < sp.n && nfuncs < NFUNC; i++) {
		struct hp_frame a[MAXF];
		uint64_t x = funcs[i].lo + (funcs[i].hi - funcs[i].lo) / 2;
		if (symbolize_addr(direct, target, x, a, MAXF) > 0 && a[0].file && a[0].line)
			funcs[nfuncs++] = funcs[i];
	}
	printf("%zu functions with lines of %zu\n", nfuncs, sp.n);
	CHECK(nfuncs >= 40);
	if (nfuncs < 40)
		return hp_test_result();

	/* The first run writes the entry whole. */
	size_t f0 = 0, f1 = 1, f3 = 3, f4 = 4;
	CHECK_EQ_INT(session(&f0, 1), 1);
	entry_file(path, sizeof(path));
	struct stat s0 = entry_stat();

	/* A miss beside it: one record appended to the same file. */
	CHECK_EQ_INT(session(&f1, 1), 1);
	struct stat s1 = entry_stat();
	CHECK(s1.st_ino == s0.st_ino && s1.st_size > s0.st_size);
	size_t both[] = { 0, 1 };
	struct hp_symbolizer *s = warm();
	CHECK_EQ_INT(lookup(s, 0), 0);
	CHECK_EQ_INT(lookup(s, 1), 0);
	const struct symcache_entry *e = entry_of(s);
	CHECK(e && e->ndeltas == 1 && !e->damaged && e->nextra > 0 &&
	      e->base == (size_t)s0.st_size);
	printf("a miss appended %lld bytes to an entry of %lld: %zu ranges from the record\n",
	       (long long)(s1.st_size - s0.st_size), (long long)s0.st_size, e ? e->nextra : 0);
	symbolizer_free(s);

	/* Two runs that read the same entry miss the same function. */
	struct hp_symbolizer *a = warm(), *b = warm();
	CHECK_EQ_INT(lookup(a, 2), 1);
	CHECK_EQ_INT(lookup(b, 2), 1);
	CHECK_EQ_INT(symbolizer_save_cache(a), 0);
	CHECK_EQ_INT(symbolizer_save_cache(b), 0);
	symbolizer_free(a);
	symbolizer_free(b);
	s = warm();
	CHECK_EQ_INT(lookup(s, 2), 0);
	e = entry_of(s);
	size_t dup = e ? e->nextra : 0;
	CHECK(e && e->ndeltas == 3 && !e->damaged);
	/* the second copy of function 2's segments is not kept */
	CHECK(e && e->ndeltas == 3 && e->deltas[1].nsegs == e->deltas[2].nsegs &&
	      e->nextra == e->deltas[0].nsegs + e->deltas[1].nsegs);
	/* Format 10: the base and each record padded to 8 bytes, so the
	 * records are viewed where they are mapped, not copied. */
	for (size_t d = 0; e && d < e->ndeltas; d++)
		CHECK((const char *)e->deltas[d].segs > (const char *)e->buf + e->base &&
		      (const char *)e->deltas[d].strings < (const char *)e->buf + e->size &&
		      (uintptr_t)e->deltas[d].segs % 8 == 0);
	CHECK(e && e->base % 8 == 0 && e->size % 8 == 0);
	symbolizer_free(s);
	CHECK_EQ_INT(session(both, 2), 0);
	struct stat s2 = entry_stat();
	CHECK(s2.st_ino == s0.st_ino);
	printf("the same function appended twice: %zu ranges kept of 3 records\n", dup);

	/* A torn record: the file cut in the middle of the last one. */
	CHECK_EQ_INT(session(&f3, 1), 1);
	struct stat s3 = entry_stat();
	CHECK(s3.st_ino == s0.st_ino && s3.st_size > s2.st_size);
	size_t last = (size_t)(s3.st_size - s2.st_size);
	char *record = malloc(last);
	CHECK(record != NULL);
	read_tail(path, s2.st_size, record, last);
	CHECK_EQ_INT(truncate(path, s2.st_size + (off_t)last / 2), 0);
	s = warm();
	CHECK_EQ_INT(lookup(s, 0), 0);          /* the base */
	CHECK_EQ_INT(lookup(s, 2), 0);          /* the records before the torn one */
	e = entry_of(s);
	CHECK(e && e->damaged && e->ndeltas == 3);
	CHECK_EQ_INT(lookup(s, 3), 1);          /* the torn one: resolved again, right */
	CHECK_EQ_INT(symbolizer_save_cache(s), 0);
	symbolizer_free(s);
	struct stat s4 = entry_stat();          /* written whole: a new file, no records */
	CHECK(s4.st_ino != s0.st_ino);
	s = warm();
	size_t all[] = { 0, 1, 2, 3 };
	for (size_t i = 0; i < 4; i++)
		CHECK_EQ_INT(lookup(s, all[i]), 0);
	e = entry_of(s);
	CHECK(e && e->ndeltas == 0 && !e->damaged && e->base == (size_t)s4.st_size);
	symbolizer_free(s);

	/* A record of the old base appended to the new file: skipped. */
	append_bytes(path, record, last);
	s = warm();
	CHECK_EQ_INT(lookup(s, 0), 0);
	e = entry_of(s);
	CHECK(e && e->ndeltas == 0 && !e->damaged && e->nextra == 0);
	symbolizer_free(s);
	free(record);

	/* A corrupted record: a byte of its strings flipped. */
	CHECK_EQ_INT(truncate(path, s4.st_size), 0);
	CHECK_EQ_INT(session(&f4, 1), 1);
	struct stat s5 = entry_stat();
	CHECK(s5.st_ino == s4.st_ino && s5.st_size > s4.st_size);
	char byte;
	read_tail(path, s5.st_size - 2, &byte, 1);
	byte ^= 0x20;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && pwrite(fd, &byte, 1, s5.st_size - 2) == 1);
	if (fd >= 0)
		close(fd);
	s = warm();
	CHECK_EQ_INT(lookup(s, 0), 0);
	e = entry_of(s);
	CHECK(e && e->damaged && e->ndeltas == 0);
	CHECK_EQ_INT(lookup(s, 4), 1);          /* resolved again, right */
	symbolizer_free(s);

	/* Records never outgrow the base: one function a run, each a record,
	 * until the entry is written whole again. */
	CHECK_EQ_INT(session(&f4, 1), 1);       /* the damaged entry: whole */
	struct stat prev = entry_stat();
	off_t base = prev.st_size;
	int whole = 0;
	size_t upto = 5;
	for (size_t i = 5; i < nfuncs && !whole; i++, upto = i) {
		CHECK_EQ_INT(session(&i, 1), 1);
		struct stat now = entry_stat();
		whole = now.st_ino != prev.st_ino;
		if (!whole)             /* records: what a whole write makes is a new base */
			CHECK(now.st_size > prev.st_size && now.st_size - base <= base);
		prev = now;
	}
	printf("records up to the base's %lld bytes; written whole again after %zu records\n",
	       (long long)base, upto - 5);
	CHECK(whole);
	s = warm();
	for (size_t i = 0; i < upto; i++)
		CHECK_EQ_INT(lookup(s, i), 0);
	symbolizer_free(s);

	symbolizer_free(direct);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return hp_test_result();
}

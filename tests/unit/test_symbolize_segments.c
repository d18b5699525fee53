/*
 * test_symbolize_segments.c - the claim symfill.c rests on: an answer
 * given for a range of addresses (a segment, filled around each miss) is,
 * address by address, what resolving that address alone gives. Checked
 * for every address of hundreds of functions of libc and ld.so (with
 * libc6-dbg: lines and inline chains; without: symbols only) and of the
 * fixtures (PIE, ET_EXEC, library, stripped), asked in a scrambled order
 * so that fills start in every position; then a cache written by one
 * symbolizer answers another the same, a lookup checks only the blocks of
 * the entry it reads, and damaged entries are ignored.
 */
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/symbolize.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symcache_format.h"
#include "hp_test.h"
#include "test_symbolize_util.h"
#include "test_symmods.h"

#define MAXF 64

struct addrs {
	uint64_t *v;
	size_t n, cap;
	size_t funcs, every, seen;
};

static void add_func(void *ctx, uint64_t value, uint64_t size)
{
	struct addrs *a = ctx;
	if (a->seen++ % a->every)
		return;
	a->funcs++;
	for (uint64_t x = value; x < value + size && size < 65536; x++) {
		if (a->n == a->cap) {
			a->cap = a->cap ? 2 * a->cap : 4096;
			a->v = realloc(a->v, a->cap * sizeof(*a->v));
		}
		a->v[a->n++] = x;
	}
}

/* A fixed pseudo-random order (xorshift), the same on every run. */
static void scramble(uint64_t *v, size_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = n; i > 1; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t j = x % i;
		uint64_t t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* Every address: the segment's answer against the address's own. */
static size_t compare(const char *path, const uint64_t *v, size_t n, const char *cache_dir)
{
	struct hp_symbolizer *filled, *direct;
	struct hp_frame a[MAXF];
	size_t bad = 0;
	CHECK_EQ_INT(symbolizer_new(&filled), 0);
	CHECK_EQ_INT(symbolizer_new(&direct), 0);
	if (cache_dir)
		CHECK_EQ_INT(symbolizer_set_cache(filled, cache_dir), 0);
	symbolizer_set_raw_names(filled, 1);
	uint32_t mi = tsym_module_open(direct, path);
	CHECK(mi != UINT32_MAX);
	for (size_t i = 0; i < n && mi != UINT32_MAX; i++) {
		int na = symbolize_addr(filled, path, v[i], a, MAXF);
		size_t first = direct->nframes;
		CHECK_EQ_INT(symresolve_frames(direct, mi, v[i]), 0);
		int nb = (int)(direct->nframes - first);
		int ok = na == nb;
		for (int k = 0; ok && k < na; k++) {
			const struct sym_frame *b = &direct->frames[first + k];
			ok = tsym_same_str(a[k].function, b->function) && tsym_same_str(a[k].file, b->file) &&
			     a[k].line == b->line &&
			     tsym_same_str(a[k].raw_function, b->made_up ? NULL : b->function);
		}
		if (!ok && bad++ < 5)
			fprintf(stderr, "%s+0x%lx: segment says %s:%u (%d frames), the address %s:%u"
				" (%d frames)\n", tsym_basename(path), (unsigned long)v[i],
				a[0].function, a[0].line, na,
				nb ? direct->frames[first].function : "-",
				nb ? direct->frames[first].line : 0, nb);
		direct->nframes = first;
	}
	if (cache_dir)
		CHECK_EQ_INT(symbolizer_save_cache(filled), 0);
	symbolizer_free(filled);
	symbolizer_free(direct);
	return bad;
}

static void check_module(const char *path, size_t every, const char *cache_dir)
{
	struct addrs a = { .every = every };
	tsym_each_dynfunc(path, add_func, &a);
	if (!a.n) {
		struct tsym t;             /* the fixtures export few functions */
		if (!tsym_lookup(path, "fixture_work", &t))
			add_func(&a, t.value, t.size);
	}
	scramble(a.v, a.n);
	size_t bad = compare(path, a.v, a.n, cache_dir);
	printf("%s: %zu addresses of %zu functions, %zu differ\n", tsym_basename(path), a.n,
	       a.funcs, bad);
	CHECK_EQ_INT(bad, 0);
	free(a.v);
}

/* Every stride-th address of path's executable sections (.init, .plt,
 * .plt.sec, .text, ...): symbols, PLT stubs, sizeless labels, gaps. */
static void check_sections(const char *path, uint64_t stride)
{
	struct addrs a = { .every = 1 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	elf_version(EV_CURRENT);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		for (uint64_t x = sh.sh_addr; x < sh.sh_addr + sh.sh_size; x += stride) {
			if (a.n == a.cap) {
				a.cap = a.cap ? 2 * a.cap : 4096;
				a.v = realloc(a.v, a.cap * sizeof(*a.v));
			}
			a.v[a.n++] = x;
		}
	}
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	CHECK(a.n > 0);
	scramble(a.v, a.n);
	size_t bad = compare(path, a.v, a.n, NULL);
	printf("%s: %zu addresses of its code sections (every %lu), %zu differ\n",
	       tsym_basename(path), a.n, (unsigned long)stride, bad);
	CHECK_EQ_INT(bad, 0);
	free(a.v);
}

/* Every address of fixture_work in a copy without it in .symtab. */
static void check_fixture(const char *path, const char *symbols_from)
{
	struct tsym t;
	struct addrs a = { .every = 1 };
	CHECK_EQ_INT(tsym_lookup(symbols_from, "fixture_work", &t), 0);
	add_func(&a, t.value - 16, t.size + 32);
	scramble(a.v, a.n);
	size_t bad = compare(path, a.v, a.n, NULL);
	printf("%s: %zu addresses around fixture_work, %zu differ\n", tsym_basename(path), a.n,
	       bad);
	CHECK_EQ_INT(bad, 0);
	free(a.v);
}

/* The blocks of e's base whose sums were checked. */
static size_t verified_blocks(const struct symcache_entry *e)
{
	size_t n = 0;
	for (uint32_t b = 0; b < e->v.h->nblocks; b++)
		n += e->verified[b] != 0;
	return n;
}

/* Format 10: a lookup checks only the blocks of the entry it reads (a
 * few of libc's ~100), and a damaged block it reads is not trusted: the
 * address is resolved as without a cache, the entry is not used further
 * and is written whole at the save. */
static void check_lazy(const char *libc, const char *dir, const char *path)
{
	struct hp_symbolizer *s, *ref;
	struct hp_frame fr[8], want[8];
	CHECK_EQ_INT(symbolizer_new(&s), 0);
	CHECK_EQ_INT(symbolizer_set_cache(s, dir), 0);
	symbolize_addr(s, libc, 0, fr, 8);
	struct symcache_entry *e = s->nmods ? s->mods[0].cache : NULL;
	CHECK(e != NULL);
	if (!e) {
		symbolizer_free(s);
		return;
	}
	const struct cache_seg *mid = &e->v.segs[e->v.nsegs / 2];
	uint64_t addr = mid->lo, nblocks = e->v.h->nblocks;
	size_t off = (size_t)((const char *)mid - (const char *)e->buf);
	symbolizer_free(s);
	/* A cached address alone (the first lookup above missed: a miss reads
	 * the module's index, a large part of the entry). */
	CHECK_EQ_INT(symbolizer_new(&s), 0);
	CHECK_EQ_INT(symbolizer_set_cache(s, dir), 0);
	int n = symbolize_addr(s, libc, addr, fr, 8);
	e = s->nmods ? s->mods[0].cache : NULL;
	size_t nv = e ? verified_blocks(e) : 0;
	printf("a cached address checked %zu of the entry's %llu blocks\n", nv,
	       (unsigned long long)nblocks);
	CHECK(e && nv > 0 && nv * 4 < nblocks && !e->broken);
	symbolizer_free(s);
	/* The middle segment (the binary search's first probe) damaged. */
	struct stat before;
	FILE *f = fopen(path, "r+b");
	CHECK(f != NULL && stat(path, &before) == 0);
	if (f) {
		fseek(f, (long)off, SEEK_SET);
		int c = fgetc(f);
		fseek(f, (long)off, SEEK_SET);
		fputc(c ^ 0x10, f);
		fclose(f);
	}
	CHECK_EQ_INT(symbolizer_new(&s), 0);
	CHECK_EQ_INT(symbolizer_set_cache(s, dir), 0);
	CHECK_EQ_INT(symbolizer_new(&ref), 0);
	int got = symbolize_addr(s, libc, addr, fr, 8);
	int nw = symbolize_addr(ref, libc, addr, want, 8);
	CHECK(s->nmods == 1 && s->mods[0].cache && s->mods[0].cache->broken);
	CHECK(got == n && got == nw);
	for (int i = 0; i < got && i < nw; i++)
		CHECK(!strcmp(fr[i].function, want[i].function) && fr[i].line == want[i].line);
	CHECK_EQ_INT(symbolizer_save_cache(s), 0);
	struct stat after;
	CHECK(stat(path, &after) == 0 && after.st_ino != before.st_ino);   /* written whole */
	symbolizer_free(s);
	symbolizer_free(ref);
	CHECK_EQ_INT(symbolizer_new(&s), 0);
	CHECK_EQ_INT(symbolizer_set_cache(s, dir), 0);
	symbolize_addr(s, libc, addr, fr, 8);
	CHECK(s->nmods == 1 && s->mods[0].cache && !s->mods[0].cache->broken);
	symbolizer_free(s);
}

/* An entry written by one symbolizer answers the next one alike; a
 * damaged entry is ignored, not trusted. */
static void check_cache(const char *libc, const char *dir)
{
	char path[512], id[129];
	struct stat sb;
	check_module(libc, 97, dir);           /* fills and saves */
	CHECK_EQ_INT(tsym_build_id(libc, id, sizeof(id)), 0);
	snprintf(path, sizeof(path), "%s/%s-*.sym", dir, id);
	glob_t g;
	CHECK(glob(path, 0, NULL, &g) == 0 && g.gl_pathc == 1);
	snprintf(path, sizeof(path), "%s", g.gl_pathc ? g.gl_pathv[0] : "");
	globfree(&g);
	CHECK(stat(path, &sb) == 0 && sb.st_size > 0);
	struct hp_symbolizer *s;
	struct hp_frame fr[4];
	CHECK_EQ_INT(symbolizer_new(&s), 0);
	CHECK_EQ_INT(symbolizer_set_cache(s, dir), 0);
	symbolize_addr(s, libc, 0, fr, 4);
	CHECK(s->nmods == 1 && s->mods[0].cache != NULL);       /* the entry was read */
	symbolizer_free(s);
	check_lazy(libc, dir, path);
	check_module(libc, 89, dir);           /* half from the cache, half new */

	/* Truncated, then one byte flipped: both ignored (and rewritten). */
	CHECK(truncate(path, sb.st_size / 2) == 0);
	check_module(libc, 97, dir);
	FILE *f = fopen(path, "r+b");
	CHECK(f != NULL);
	if (f) {
		fseek(f, -5, SEEK_END);
		int c = fgetc(f);
		fseek(f, -5, SEEK_END);
		fputc(c ^ 0x5a, f);
		fclose(f);
	}
	check_module(libc, 97, dir);
}

int main(void)
{
	char dir[] = "/tmp/hp-symseg-XXXXXX";
	const char *libc = tsym_loaded_lib("libc.so.6");
	const char *ldso = tsym_loaded_lib("ld-linux-x86-64.so.2");
	if (!libc || !ldso)
		SKIP("cannot find the paths of libc and ld.so");
	if (!mkdtemp(dir))
		SKIP("cannot create a temporary directory");
	printf("libc debug info %s\n", tsym_has_debug_file(libc) ? "installed" : "missing");
	check_module(libc, 23, NULL);
	check_module(ldso, 3, NULL);
	check_module(SYMFIX_PIE, 1, NULL);
	check_module(SYMFIX_EXEC, 1, NULL);
	check_module(SYMFIX_LIB, 1, NULL);
	check_fixture(SYMFIX_NODEBUG, SYMFIX_PIE);
	check_fixture(SYMFIX_STRIPPED, SYMFIX_PIE);
	check_sections(SYMFIX_STRIPPED, 1);
	check_sections(SYMFIX_PIE, 1);
	check_sections(ldso, 3);
	check_sections(libc, 61);
	check_cache(libc, dir);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return hp_test_result();
}

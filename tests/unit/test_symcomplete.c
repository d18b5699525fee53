/*
 * test_symcomplete.c - a small module is resolved whole once its debug
 * information is open (analyzer/symcomplete.c): after one symbolizer
 * looked up a single address of the fixture and saved its cache, a second
 * one answers every address of every function of the fixture from the
 * cache entry alone (no fill: its module stays clean), and each answer is
 * what resolving that address directly gives. A large module with DWARF
 * (libc with libc6-dbg) is not resolved whole, but its start-up set is
 * (its IFUNC resolvers, and for libc the functions of its start-up, exit,
 * stdio and malloc paths): after a miss elsewhere in libc and a save, a
 * second symbolizer answers exit, malloc, __libc_start_main, fopen and
 * strlen's IFUNC resolver from the entry, as direct resolution does.
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/symbolize.h"
#include "analyzer/symbolize_internal.h"
#include "hp_test.h"
#include "test_symbolize_util.h"
#include "test_symmods.h"

#define MAXF 64

struct span {
	uint64_t lo, hi;
};

struct spans {
	struct span *v;
	size_t n, max;
};

static void add_span(void *ctx, uint64_t value, uint64_t size)
{
	struct spans *a = ctx;
	if (a->n < a->max)
		a->v[a->n++] = (struct span){ value, value + size };
}

/* The sized functions of path's .symtab (at most max). */
static size_t functions(const char *path, struct span *v, size_t max)
{
	struct spans a = { v, 0, max };
	tsym_each_func(path, SHT_SYMTAB, add_span, &a);
	return a.n;
}

/* A large module without DWARF (Debian's python3.11: 2.6 MB of code,
 * .dynsym only) is resolved whole too: after one address, every 61st
 * address of its code sections comes from the entry (no miss) and equals
 * direct resolution. Skipped when the binary is absent or has DWARF. */
static void check_plain(const char *path, const char *dir)
{
	struct hp_symbolizer *first, *warm, *direct;
	struct hp_frame a[MAXF];
	size_t addrs = 0, bad = 0;
	long misses = 0;
	if (access(path, R_OK) != 0 || tsym_has_debug_file(path)) {
		printf("%s: absent or with debug information, not checked\n", path);
		return;
	}
	CHECK_EQ_INT(symbolizer_new(&first), 0);
	CHECK_EQ_INT(symbolizer_set_cache(first, dir), 0);
	/* The completion's time budget (300 ms a run) leaves a large module
	 * to later runs on a slow machine (ASan at load 10: python3.11 failed
	 * here with thousands of misses); the entry the runs converge to is
	 * what is checked, whatever the machine's speed. */
	first->complete_budget_ns = UINT64_MAX / 4;
	symbolize_addr(first, path, 0x1000, a, MAXF);
	uint32_t fm = tsym_module_find(first, path);
	Dwarf_Addr bias;
	if (fm == UINT32_MAX || !first->mods[fm].dm ||
	    dwfl_module_getdwarf(first->mods[fm].dm, &bias)) {
		printf("%s: has DWARF, not checked\n", path);
		symbolizer_free(first);
		return;
	}
	CHECK_EQ_INT(symbolizer_save_cache(first), 0);
	symbolizer_free(first);
	CHECK_EQ_INT(symbolizer_new(&warm), 0);
	CHECK_EQ_INT(symbolizer_new(&direct), 0);
	CHECK_EQ_INT(symbolizer_set_cache(warm, dir), 0);
	symbolizer_set_raw_names(warm, 1);
	symbolize_addr(direct, path, 0x1000, a, MAXF);
	uint32_t dm = tsym_module_find(direct, path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	elf_version(EV_CURRENT);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	while (dm != UINT32_MAX && elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		for (uint64_t x = sh.sh_addr; x < sh.sh_addr + sh.sh_size; x += 61, addrs++) {
			long before = symbolizer_cache_misses(warm);
			int na = symbolize_addr(warm, path, x, a, MAXF);
			size_t at = direct->nframes;
			char own[64];
			CHECK_EQ_INT(symresolve_frames(direct, dm, x), 0);
			/* padding (no symbol, no FDE: named by its own address) is
			 * not resolved ahead: nothing executes there */
			snprintf(own, sizeof(own), "%s+0x%lx", tsym_basename(path), (unsigned long)x);
			if (symbolizer_cache_misses(warm) != before &&
			    strcmp(direct->frames[at].function, own))
				misses++;
			int ok = na == (int)(direct->nframes - at) && na > 0 &&
				 tsym_same_str(a[0].function, direct->frames[at].function);
			if (!ok && bad++ < 5)
				fprintf(stderr, "%s+0x%lx: cached %s, direct %s\n", tsym_basename(path),
					(unsigned long)x, na > 0 ? a[0].function : "-",
					direct->nframes > at ? direct->frames[at].function : "-");
			direct->nframes = at;
		}
	}
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	printf("%s: %zu addresses of its code, %zu differ, %ld misses outside padding\n",
	       tsym_basename(path), addrs, bad, misses);
	CHECK(addrs > 0);
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(misses, 0);
	symbolizer_free(warm);
	symbolizer_free(direct);
}

/* libc's start-up set comes with its first save (see the header). */
static void check_startup(const char *dir)
{
	static const char *const names[] = { "exit", "malloc", "__libc_start_main", "fopen",
					     "strlen" /* an IFUNC: its resolver */ };
	const char *path = tsym_loaded_lib("libc.so.6");
	struct hp_symbolizer *first, *warm, *direct;
	struct hp_frame a[MAXF], b[MAXF];
	struct tsym sv;
	char sub[512];
	Dwarf_Addr bias;
	if (!path || tsym_lookup(path, "strverscmp", &sv)) {
		printf("libc.so.6: not found, start-up set not checked\n");
		return;
	}
	snprintf(sub, sizeof(sub), "%s/startup", dir);
	CHECK_EQ_INT(symbolizer_new(&first), 0);
	CHECK_EQ_INT(symbolizer_set_cache(first, sub), 0);
	symbolize_addr(first, path, sv.value + 4, a, MAXF);
	uint32_t fm = tsym_module_find(first, path);
	if (fm == UINT32_MAX || !first->mods[fm].dm ||
	    !dwfl_module_getdwarf(first->mods[fm].dm, &bias)) {
		printf("%s: no DWARF (resolved whole instead), start-up set not checked\n", path);
		symbolizer_free(first);
		return;
	}
	first->complete_budget_ns = UINT64_MAX / 4;
	CHECK_EQ_INT(symbolizer_save_cache(first), 0);
	symbolizer_free(first);
	CHECK_EQ_INT(symbolizer_new(&warm), 0);
	CHECK_EQ_INT(symbolizer_new(&direct), 0);
	CHECK_EQ_INT(symbolizer_set_cache(warm, sub), 0);
	symbolizer_set_raw_names(warm, 1);
	symbolizer_set_raw_names(direct, 1);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tsym f;
		CHECK_EQ_INT(tsym_lookup(path, names[i], &f), 0);
		uint64_t x = f.value + f.size / 2;
		long before = symbolizer_cache_misses(warm);
		int na = symbolize_addr(warm, path, x, a, MAXF);
		int nb = symbolize_addr(direct, path, x, b, MAXF);
		long missed = symbolizer_cache_misses(warm) - before;
		int ok = na == nb && na > 0;
		for (int k = 0; ok && k < na; k++)
			ok = tsym_same_str(a[k].function, b[k].function) && tsym_same_str(a[k].file, b[k].file) &&
			     a[k].line == b[k].line;
		printf("libc %s+0x%lx: %s%s\n", names[i], (unsigned long)(x - f.value),
		       na > 0 ? a[0].function : "-", missed ? " (a miss)" : " (from the entry)");
		CHECK_EQ_INT(missed, 0);
		CHECK(ok);
	}
	symbolizer_free(warm);
	symbolizer_free(direct);
}

int main(void)
{
	char dir[] = "/tmp/hp-symcomplete-XXXXXX";
	struct span f[256];
	struct tsym work = { 0, 0 };
	struct hp_frame a[MAXF];
	struct hp_symbolizer *first, *warm, *direct;
	size_t nf = functions(SYMFIX_PIE, f, 256), addrs = 0, bad = 0;
	if (!mkdtemp(dir))
		SKIP("cannot create a temporary directory");
	CHECK(nf >= 3);
	CHECK_EQ_INT(tsym_lookup(SYMFIX_PIE, "fixture_work", &work), 0);

	/* One address looked up and saved: the fixture's code is resolved whole. */
	CHECK_EQ_INT(symbolizer_new(&first), 0);
	CHECK_EQ_INT(symbolizer_set_cache(first, dir), 0);
	symbolizer_set_raw_names(first, 1);
	CHECK(symbolize_addr(first, SYMFIX_PIE, work.value + 1, a, MAXF) > 0);
	CHECK_EQ_INT(symbolizer_save_cache(first), 0);
	symbolizer_free(first);

	/* A later run: every function, every address, from the entry. */
	CHECK_EQ_INT(symbolizer_new(&warm), 0);
	CHECK_EQ_INT(symbolizer_new(&direct), 0);
	CHECK_EQ_INT(symbolizer_set_cache(warm, dir), 0);
	symbolizer_set_raw_names(warm, 1);
	symbolize_addr(direct, SYMFIX_PIE, work.value, a, MAXF);
	uint32_t dm = tsym_module_find(direct, SYMFIX_PIE);
	CHECK(dm != UINT32_MAX);
	for (size_t i = 0; i < nf && dm != UINT32_MAX; i++)
		for (uint64_t x = f[i].lo; x < f[i].hi; x++, addrs++) {
			int na = symbolize_addr(warm, SYMFIX_PIE, x, a, MAXF);
			size_t at = direct->nframes;
			CHECK_EQ_INT(symresolve_frames(direct, dm, x), 0);
			int nb = (int)(direct->nframes - at), ok = na == nb;
			for (int k = 0; ok && k < na; k++) {
				const struct sym_frame *b = &direct->frames[at + k];
				ok = tsym_same_str(a[k].function, b->function) &&
				     tsym_same_str(a[k].file, b->file) && a[k].line == b->line;
			}
			if (!ok && bad++ < 5)
				fprintf(stderr, "+0x%lx: cached %s:%u, direct %s:%u\n", (unsigned long)x,
					na > 0 ? a[0].function : "-", na > 0 ? a[0].line : 0,
					nb ? direct->frames[at].function : "-",
					nb ? direct->frames[at].line : 0);
			direct->nframes = at;
		}
	uint32_t wm = tsym_module_find(warm, SYMFIX_PIE);
	CHECK(wm != UINT32_MAX);
	int filled = wm != UINT32_MAX && warm->mods[wm].cache_dirty;
	printf("%zu addresses of %zu functions: %zu differ; the warm symbolizer %s\n", addrs, nf,
	       bad, filled ? "had to resolve some (a miss)" : "answered all from the cache");
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(filled, 0);
	symbolizer_free(warm);
	symbolizer_free(direct);
	check_plain("/usr/bin/python3.11", dir);
	check_startup(dir);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return hp_test_result();
}

/*
 * test_symunits.c - a cache miss in a module whose entry exists reads only
 * the unit it needs (analyzer/symunits.c, symcache.c):
 *
 *  1. symunits' unit and line lookups answer as libdwfl's
 *     (dwfl_module_addrdie, dwfl_module_getsrc) at every 7th address of
 *     libc's and ld.so's code sections (with libc6-dbg: thousands of units)
 *     and at every address of the fixtures';
 *  2. a saved entry carries the unit table and the symbol table: a second
 *     symbolizer that misses takes both from the entry (no
 *     dwarf_getaranges, no symbol table built), equal entry by entry to
 *     what the first one read from the files, and answers new addresses
 *     as a symbolizer without a cache does.
 */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/symbolize.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symtab.h"
#include "hp_test.h"
#include "test_symbolize_util.h"
#include "test_symmods.h"

#define MAXF 64

static size_t gaps;                    /* addresses in no unit's ranges */

/* One address: symunits against libdwfl. Returns 1 when they agree. */
static int agrees(struct sym_module *m, Dwarf_Addr addr)
{
	Dwarf_Die mem, *ours;
	Dwarf_Addr b1 = 0, b2 = 0;
	uint32_t key;
	ours = symunits_cudie(m, 0, addr, &mem, &b1, &key);
	Dwarf_Die *theirs = dwfl_module_addrdie(m->dm, addr, &b2);
	if (!ours && theirs) {
		/* Past the end of the unit libdwfl picked (it checks the last
		 * range's end only): right when no function of that unit holds
		 * the address (its only scope is the unit itself). */
		Dwarf_Die *scopes = NULL;
		int n = dwarf_getscopes(theirs, addr - b2, &scopes);
		free(scopes);
		gaps++;
		return n <= 1;
	}
	if (!ours != !theirs || (ours && dwarf_dieoffset(ours) != dwarf_dieoffset(theirs)))
		return 0;
	const char *name, *dir;
	int line, tline = 0;
	int have = symunits_line(m, addr, &name, &dir, &line);
	Dwfl_Line *l = dwfl_module_getsrc(m->dm, addr);
	const char *tname = l ? dwfl_lineinfo(l, NULL, &tline, NULL, NULL, NULL) : NULL;
	if (!have || !tname)
		return !have && !tname;
	return !strcmp(name, tname) && line == tline && tsym_same_str(dir, dwfl_line_comp_dir(l));
}

/* Every stride-th address of path's code sections; returns how many. */
static size_t check_lookups(const char *path, uint64_t stride)
{
	struct hp_symbolizer *s;
	size_t n = 0, bad = 0, units = 0;
	CHECK_EQ_INT(symbolizer_new(&s), 0);
	uint32_t mi = tsym_module_open(s, path);
	CHECK(mi != UINT32_MAX);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	elf_version(EV_CURRENT);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	while (mi != UINT32_MAX && elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		/* one past the end too: the last unit's end counts */
		for (uint64_t x = sh.sh_addr; x <= sh.sh_addr + sh.sh_size; x += stride, n++)
			if (!agrees(&s->mods[mi], x + s->mods[mi].bias) && bad++ < 5)
				fprintf(stderr, "%s+0x%lx: unit or line differs from libdwfl's\n",
					tsym_basename(path), (unsigned long)x);
	}
	if (mi != UINT32_MAX)
		units = s->mods[mi].units.n;
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	printf("%s: %zu addresses, %zu unit ranges, %zu differ from libdwfl, %zu in gaps\n",
	       tsym_basename(path), n, units, bad, gaps);
	gaps = 0;
	CHECK(n > 0);
	CHECK_EQ_INT(bad, 0);
	symbolizer_free(s);
	return n;
}

/* The tables of two modules are equal entry by entry. */
static void check_same_index(const struct sym_module *a, const struct sym_module *b)
{
	CHECK_EQ_INT(a->units.n, b->units.n);
	for (size_t i = 0; i < a->units.n && i < b->units.n; i++)
		CHECK(!memcmp(&a->units.v[i], &b->units.v[i], sizeof(a->units.v[i])));
	CHECK(!a->symtab == !b->symtab);
	if (!a->symtab || !b->symtab)
		return;
	CHECK_EQ_INT(symtab_count(a->symtab), symtab_count(b->symtab));
	for (size_t i = 0; i < symtab_count(a->symtab) && i < symtab_count(b->symtab); i++) {
		const char *na, *nb;
		uint64_t sa, ea, sb, eb;
		int za, zb;
		symtab_entry(a->symtab, i, &na, &sa, &ea, &za);
		symtab_entry(b->symtab, i, &nb, &sb, &eb, &zb);
		CHECK(!strcmp(na, nb) && sa == sb && ea == eb && za == zb);
	}
}

/* Resolve one address of path with a cache and save; a second symbolizer
 * misses elsewhere and must take the index from the entry. */
static void check_index(const char *path, const char *dir, uint64_t first, uint64_t later)
{
	struct hp_symbolizer *a, *b, *plain;
	struct hp_frame fa[MAXF], fb[MAXF];
	CHECK_EQ_INT(symbolizer_new(&a), 0);
	CHECK_EQ_INT(symbolizer_new(&b), 0);
	CHECK_EQ_INT(symbolizer_new(&plain), 0);
	CHECK_EQ_INT(symbolizer_set_cache(a, dir), 0);
	CHECK_EQ_INT(symbolizer_set_cache(b, dir), 0);
	symbolizer_set_raw_names(a, 1);
	symbolizer_set_raw_names(b, 1);
	symbolizer_set_raw_names(plain, 1);
	symbolize_addr(a, path, first, fa, MAXF);
	CHECK_EQ_INT(symbolizer_save_cache(a), 0);
	uint32_t ma = tsym_module_open(a, path), mb = tsym_module_open(b, path);
	CHECK(ma != UINT32_MAX && mb != UINT32_MAX);
	if (ma == UINT32_MAX || mb == UINT32_MAX)
		return;
	CHECK(b->mods[mb].cache != NULL);
	long before = symbolizer_cache_misses(b);
	int nb = symbolize_addr(b, path, later, fb, MAXF);
	int np = symbolize_addr(plain, path, later, fa, MAXF);
	CHECK_EQ_INT(symbolizer_cache_misses(b), before + 1);     /* a miss ... */
	CHECK(b->mods[mb].units.cached);                       /* ... without the aranges */
	CHECK(b->mods[mb].symtab_cached);                      /* ... nor the symbol table */
	CHECK(!a->mods[ma].units.cached && !a->mods[ma].symtab_cached);
	check_same_index(&a->mods[ma], &b->mods[mb]);
	CHECK_EQ_INT(nb, np);
	for (int k = 0; k < nb && k < np; k++)
		CHECK(tsym_same_str(fa[k].function, fb[k].function) && tsym_same_str(fa[k].file, fb[k].file) &&
		      fa[k].line == fb[k].line);
	printf("%s: index from the entry: %zu unit ranges, %zu symbols; 0x%lx -> %s:%u\n",
	       tsym_basename(path), b->mods[mb].units.n,
	       b->mods[mb].symtab ? symtab_count(b->mods[mb].symtab) : 0, (unsigned long)later,
	       fb[0].function, fb[0].line);
	symbolizer_free(a);
	symbolizer_free(b);
	symbolizer_free(plain);
}

/* Units read alone answer as the module's Dwarf: with an entry that holds
 * one address of path, fresh symbolizers resolve addresses at each of
 * n places spread over its code (each a miss that reads its unit alone),
 * frame by frame as a symbolizer without a cache (129 addresses each). */
static void check_views(const char *path, const char *dir, size_t n)
{
	struct hp_symbolizer *a, *plain;
	struct hp_frame fa[MAXF], fb[MAXF];
	struct tsym ex;
	size_t views = 0, bad = 0, addrs = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	CHECK_EQ_INT(tsym_lookup(path, "exit", &ex), 0);
	CHECK_EQ_INT(symbolizer_new(&a), 0);
	CHECK_EQ_INT(symbolizer_set_cache(a, dir), 0);
	symbolize_addr(a, path, ex.value + 4, fa, MAXF);
	CHECK_EQ_INT(symbolizer_save_cache(a), 0);
	symbolizer_free(a);
	CHECK_EQ_INT(symbolizer_new(&plain), 0);
	symbolizer_set_raw_names(plain, 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	elf_version(EV_CURRENT);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR) && sh.sh_size > hi - lo + 1) {
			lo = sh.sh_addr;        /* the largest code section: .text */
			hi = sh.sh_addr + sh.sh_size;
		}
	}
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	for (size_t k = 0; k < n && lo < hi; k++) {
		struct hp_symbolizer *b;
		uint64_t at = lo + (hi - lo) / n * k + 17;
		CHECK_EQ_INT(symbolizer_new(&b), 0);
		CHECK_EQ_INT(symbolizer_set_cache(b, dir), 0);
		symbolizer_set_raw_names(b, 1);
		for (uint64_t x = at; x < at + 129; x++, addrs++) {
			int nb = symbolize_addr(b, path, x, fb, MAXF);
			int np = symbolize_addr(plain, path, x, fa, MAXF);
			int ok = nb == np;
			for (int i = 0; ok && i < nb; i++)
				ok = tsym_same_str(fa[i].function, fb[i].function) &&
				     tsym_same_str(fa[i].file, fb[i].file) && fa[i].line == fb[i].line;
			if (!ok && bad++ < 5)
				fprintf(stderr, "%s+0x%lx: unit alone %s %s:%u (%d), module %s %s:%u (%d)\n",
					tsym_basename(path), (unsigned long)x, fb[0].function,
					fb[0].file ? fb[0].file : "?", fb[0].line, nb, fa[0].function,
					fa[0].file ? fa[0].file : "?", fa[0].line, np);
		}
		uint32_t mb = tsym_module_open(b, path);
		if (mb != UINT32_MAX)
			views += symunits_views(&b->mods[mb]);
		symbolizer_free(b);
	}
	printf("%s: %zu addresses at %zu places, %zu units read alone, %zu differ\n",
	       tsym_basename(path), addrs, n, views, bad);
	CHECK(views >= n / 2);
	CHECK_EQ_INT(bad, 0);
	symbolizer_free(plain);
}

int main(void)
{
	char dir[] = "/tmp/hp-symunits-XXXXXX";
	const char *libc = tsym_loaded_lib("libc.so.6");
	const char *ldso = tsym_loaded_lib("ld-linux-x86-64.so.2");
	struct tsym qs, ex;
	if (!libc || !ldso)
		SKIP("cannot find the paths of libc and ld.so");
	if (!mkdtemp(dir))
		SKIP("cannot create a temporary directory");
	printf("libc debug info %s\n", tsym_has_debug_file(libc) ? "installed" : "missing");
	check_lookups(libc, 7);
	check_lookups(ldso, 7);
	check_lookups(SYMFIX_PIE, 1);
	check_lookups(SYMFIX_EXEC, 1);
	check_lookups(SYMFIX_LIB, 1);
	/* two functions far apart in libc, neither in its start-up set
	 * (symcomplete.c: resolved with the first save) */
	CHECK_EQ_INT(tsym_lookup(libc, "strverscmp", &qs), 0);
	CHECK_EQ_INT(tsym_lookup(libc, "getservbyname", &ex), 0);
	check_index(libc, dir, qs.value + 4, ex.value + 4);
	if (tsym_has_debug_file(libc))
		check_views(libc, dir, 97);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return hp_test_result();
}

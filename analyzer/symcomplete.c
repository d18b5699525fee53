/*
 * symcomplete.c - all of a small module's code resolved into segments
 * once its debug information is open (symbolize_internal.h).
 *
 * A warm run misses the symbol cache when a sample lands where no earlier
 * run resolved anything: page faults of the start-up land anywhere in
 * ld.so and libc, and a program's rarely sampled functions show up one run
 * at a time. Each miss opens the module's DWARF, symbol table and address
 * ranges again (~8 ms for ld.so, ~18 ms for libc, 25-30 ms of a julia run
 * with several: docs/performance.md, "Fixed cost", wave 10), while the
 * neighbourhood it resolves is cheap. So when a run has paid for opening a
 * module anyway (it resolved something: cache_dirty), a module whose code
 * is small is resolved whole, within a time budget, and its cache entry
 * then answers every address of it: later runs no longer miss there.
 * A module without DWARF is resolved whole up to a much larger size: each
 * of its functions is one range (a symbol or an FDE, no lines, no inline
 * scopes), ~2 us each - Debian's python3.11 (2.6 MB of code, only
 * .dynsym) in ~20 ms once, an entry of ~530 KB; its warm runs missed
 * 20-60 times each, in whichever functions of the start-up they sampled.
 *
 * It adds segments only through symfill_lookup, so every answer is the one
 * a lookup of that address would give. Code that no symbol and no FDE
 * names (padding between functions) is skipped: each of its addresses
 * would be a segment of its own, and nothing executes there.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>

#include "analyzer/fde.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symtab.h"
#include "common/clock.h"
#include "common/log.h"

#define COMPLETE_MAX_CODE (256u << 10)       /* executable bytes of a module completed */
#define COMPLETE_MAX_PLAIN (16u << 20)       /* ... of a module without DWARF (cheap) */
#define COMPLETE_BUDGET_NS 300000000ull      /* per module and run, at most */
#define MAX_CODE_RANGES 8

/* The executable PT_LOAD ranges of m (ELF vaddrs) and their total size. */
static size_t code_ranges(struct sym_module *m, uint64_t lo[], uint64_t hi[], uint64_t *total)
{
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(m->dm, &bias);
	size_t nph = 0, n = 0;
	*total = 0;
	if (!elf || elf_getphdrnum(elf, &nph) != 0)
		return 0;
	for (size_t i = 0; i < nph && n < MAX_CODE_RANGES; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X) ||
		    !ph.p_memsz)
			continue;
		lo[n] = ph.p_vaddr;
		hi[n] = ph.p_vaddr + ph.p_memsz;
		*total += ph.p_memsz;
		n++;
	}
	return n;
}

/* Where the walk goes on from vaddr a when no symbol and no FDE names it:
 * the end of the symbol table's nameless region there, or the next FDE
 * in it (a stripped module's functions are FDEs in one nameless region). */
static uint64_t skip_unnamed(struct sym_module *m, const struct hp_symtab *t, uint64_t a)
{
	Dwarf_Addr d = a + m->bias, fs, fe;
	uint64_t rlo, rhi;
	if (symtab_lookup(t, d, NULL) || symresolve_fde(m, d, 1, &fs, &fe))
		return a;
	symtab_region(t, d, &rlo, &rhi);
	Dwarf_Addr next = fdes_next(m->fdes ? m->fdes : m->dfdes, d);
	if (next < rhi)
		rhi = next;
	return rhi > d ? rhi - m->bias : a + 1;
}

/* Segments for every named address of [lo, hi) of module mi. */
static int complete_range(struct hp_symbolizer *s, uint32_t mi, uint64_t lo, uint64_t hi,
			  uint64_t deadline)
{
	struct sym_module *m = &s->mods[mi];
	const struct hp_symtab *t = symresolve_symtab(m);
	uint32_t first, n;
	for (uint64_t a = lo; a < hi;) {
		const struct sym_seg *g = symsegs_find(&m->segs, a);
		if (g || (g = symcache_take(s, mi, a))) {
			a = g->hi;
			continue;
		}
		uint64_t next = skip_unnamed(m, t, a);
		if (next != a) {
			a = next;
			continue;
		}
		if (hp_now_ns() > deadline)
			return -ETIMEDOUT;
		int err = symfill_lookup(s, mi, a, &first, &n);
		if (err)
			return err;
		if (!(g = symsegs_find(&m->segs, a)))
			return -EIO;
		a = g->hi;
	}
	return 0;
}

int symcomplete_module(struct hp_symbolizer *s, uint32_t mi)
{
	struct sym_module *m = &s->mods[mi];
	uint64_t lo[MAX_CODE_RANGES], hi[MAX_CODE_RANGES], total;
	if (!m->dm || m->pseudo || !symresolve_symtab(m))
		return 0;
	size_t n = code_ranges(m, lo, hi, &total);
	Dwarf_Addr dwbias;
	if (!n || (total > COMPLETE_MAX_CODE &&
		   (total > COMPLETE_MAX_PLAIN || dwfl_module_getdwarf(m->dm, &dwbias))))
		return 0;
	uint64_t t0 = hp_now_ns(), before = symsegs_count(&m->segs);
	int err = 0;
	s->completing = 1;
	m->units.whole = 1;             /* every unit: the module's own Dwarf */
	for (size_t i = 0; i < n && !err; i++)
		err = complete_range(s, mi, lo[i], hi[i],
				     t0 + (s->complete_budget_ns ? s->complete_budget_ns
							  : COMPLETE_BUDGET_NS));
	s->completing = 0;
	hp_debug(HP_DBG_SYMS, 1, "'%s': completed %llu bytes of code, %zu new ranges in %.1f ms%s",
		 m->path, (unsigned long long)total, symsegs_count(&m->segs) - (size_t)before,
		 (double)(hp_now_ns() - t0) / 1e6, err == -ETIMEDOUT ? " (budget spent)" : "");
	return err == -ETIMEDOUT || err == -EIO ? 0 : err;
}

/*
 * symunits.c - which compilation unit holds an address, and its line
 * there, without libdwfl's address-range table (symbolize_internal.h).
 *
 * libdwfl finds the unit of an address (dwfl_module_addrdie,
 * dwfl_module_getsrc) through dwarf_getaranges, which reads the header of
 * every unit of the module and sorts all their ranges: for libc6-dbg's
 * 2,063 units ~60% of the ~18 ms that a warm run's first cache miss in
 * libc costs (docs/performance.md, wave 10). Which code a run samples in
 * libc's start-up and exit paths changes from run to run, so warm runs go
 * on missing there, and each such run paid that again.
 *
 * Here the table is read from dwarf_getaranges once per module and kept
 * in the module's cache entry (symcache.c) with the symbol table, so that
 * a later miss opens only the unit it needs. The lookups replicate
 * libdwfl's (elfutils 0.188, libdwfl/cu.c and dwfl_module_getsrc.c): the
 * last range starting at or below the address, whose end counts for the
 * last range only; then the line-table row of dwarf_getsrc_die (the
 * search dwfl_module_getsrc makes), the unit's DW_AT_comp_dir. A skeleton
 * unit (split DWARF), which libdwfl replaces by its split unit, is left to
 * libdwfl. So the answers are libdwfl's, from the cache or not.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/symbolize_internal.h"
#include "common/log.h"

/* The table from dwarf_getaranges, in its order (sorted by start). */
static int units_build(struct sym_module *m)
{
	Dwarf_Addr dwbias = 0;
	Dwarf_Aranges *ar;
	size_t n = 0;
	Dwarf *dw = dwfl_module_getdwarf(m->dm, &dwbias);
	if (!dw || dwarf_getaranges(dw, &ar, &n) != 0 || !n)
		return 0;
	struct sym_unit *v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Addr start;
		Dwarf_Word len;
		Dwarf_Off off;
		if (dwarf_getarangeinfo(dwarf_onearange(ar, i), &start, &len, &off) != 0) {
			free(v);
			return 0;       /* as libdwfl: no unit for any address */
		}
		v[i] = (struct sym_unit){ start, len, off };
	}
	m->units.v = v;
	m->units.n = n;
	return 0;
}

int symunits_ready(struct sym_module *m)
{
	if (m->units.ready || !m->dm)
		return 0;
	m->units.ready = 1;
	if ((m->units.cached = symcache_units(m)))
		return 0;
	int err = units_build(m);
	hp_debug(HP_DBG_SYMS, 2, "'%s': %zu unit address ranges read", m->path, m->units.n);
	return err;
}

void symunits_release(struct sym_module *m)
{
	free(m->units.v);
	memset(&m->units, 0, sizeof(m->units));
}

/* Index of the range of pc (a DWARF address), or (size_t)-1: the last
 * range starting at or below pc; past the last range's end, none. */
static size_t unit_of(const struct sym_units *u, uint64_t pc, size_t *above)
{
	size_t a = 0, b = u->n;
	while (a < b) {                 /* a = first range starting above pc */
		size_t mid = a + (b - a) / 2;
		if (u->v[mid].start <= pc)
			a = mid + 1;
		else
			b = mid;
	}
	*above = a;
	if (!a)
		return (size_t)-1;
	const struct sym_unit *last = &u->v[a - 1];
	if (a == u->n && pc > last->start + last->len)
		return (size_t)-1;
	return a - 1;
}

static void clip(uint64_t *lo, uint64_t *hi, uint64_t rlo, uint64_t rhi)
{
	if (rlo > *lo)
		*lo = rlo;
	if (rhi < *hi)
		*hi = rhi;
}

void symunits_region(struct sym_module *m, Dwarf_Addr addr, uint64_t *lo, uint64_t *hi)
{
	Dwarf_Addr dwbias = 0;
	size_t a;
	if (symunits_ready(m) || !m->units.n || !dwfl_module_getdwarf(m->dm, &dwbias) ||
	    addr < dwbias)
		return;
	const struct sym_units *u = &m->units;
	uint64_t pc = addr - dwbias;
	unit_of(u, pc, &a);
	if (a < u->n)
		clip(lo, hi, 0, u->v[a].start + dwbias);
	if (!a)
		return;
	clip(lo, hi, u->v[a - 1].start + dwbias, UINT64_MAX);
	if (a == u->n) {                /* the last range: its end counts */
		uint64_t end = u->v[a - 1].start + u->v[a - 1].len + dwbias;
		if (addr <= end)
			clip(lo, hi, 0, end + 1);
		else
			clip(lo, hi, end + 1, UINT64_MAX);
	}
}

Dwarf_Die *symunits_cudie(struct sym_module *m, Dwarf_Addr addr, Dwarf_Die *mem,
			  Dwarf_Addr *dwbias)
{
	size_t above, i;
	uint8_t type;
	Dwarf_Die sub;
	*dwbias = 0;
	Dwarf *dw = m->dm ? dwfl_module_getdwarf(m->dm, dwbias) : NULL;
	if (!dw || symunits_ready(m) || addr < *dwbias ||
	    (i = unit_of(&m->units, addr - *dwbias, &above)) == (size_t)-1 ||
	    !dwarf_offdie(dw, m->units.v[i].die, mem))
		return NULL;
	if (dwarf_cu_info(mem->cu, NULL, &type, NULL, &sub, NULL, NULL, NULL) == 0 &&
	    type == DW_UT_skeleton)
		return dwfl_module_addrdie(m->dm, addr, dwbias);
	return mem;
}

int symunits_line(struct sym_module *m, Dwarf_Addr addr, const char **name,
		  const char **comp_dir, int *line)
{
	Dwarf_Die mem, *cu;
	Dwarf_Addr dwbias;
	Dwarf_Attribute attr;
	*name = *comp_dir = NULL;
	*line = 0;
	if (!(cu = symunits_cudie(m, addr, &mem, &dwbias)))
		return 0;
	Dwarf_Line *l = dwarf_getsrc_die(cu, addr - dwbias);
	if (!l || !(*name = dwarf_linesrc(l, NULL, NULL)))
		return 0;
	if (dwarf_lineno(l, line) != 0)
		*line = 0;
	*comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
	return 1;
}

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
 * a later miss opens only the unit it needs. Even dwarf_offdie walks the
 * headers of every unit before the one asked for (libc's last units: ~12
 * ms), so a miss in a module whose table came from its entry reads the
 * unit alone: a Dwarf of its own over a private mapping of the debug file
 * whose .debug_info section header is narrowed to that unit (~1 ms; the
 * other sections are the file's). A unit that refers outside itself
 * (DW_FORM_ref_addr, type signatures, dwz's alternate file) or any odd
 * file is read from the module's Dwarf instead, as are the units after
 * the first VIEWS_MAX of a run and those of a module resolved whole. The
 * lookups replicate
 * libdwfl's (elfutils 0.188, libdwfl/cu.c and dwfl_module_getsrc.c): the
 * last range starting at or below the address (but every range's end
 * counts, where libdwfl checks the last one's only: unit_of); then the
 * line-table row of dwarf_getsrc_die (the search dwfl_module_getsrc
 * makes), the unit's DW_AT_comp_dir. A skeleton unit (split DWARF), which
 * libdwfl replaces by its split unit, is left to libdwfl. So the answers
 * are libdwfl's except in the gaps between units, from the cache or not.
 */
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/symbolize_internal.h"
#include "common/grow.h"
#include "common/log.h"

#define VIEWS_MAX 16                /* units read alone per module and run */

struct sym_cuview {
	uint64_t cu_off;
	Dwarf *dw;                  /* NULL: the unit cannot be read alone */
	Elf *elf;
	void *map;
	size_t size;
};

/* [cu_off, cu_off + cu_size) of the unit whose DIE is at die; 0 size when
 * unknown (the unit is then never read alone). */
static void unit_extent(Dwarf *dw, Dwarf_Off die, struct sym_unit *u)
{
	Dwarf_Die d;
	Dwarf_Off next, abbrev;
	Dwarf_Half version;
	uint8_t asize, osize;
	size_t hsize;
	if (!dwarf_offdie(dw, die, &d))
		return;
	Dwarf_Off off = die - dwarf_cuoffset(&d);
	if (dwarf_next_unit(dw, off, &next, &hsize, &version, &abbrev, &asize, &osize, NULL,
			    NULL) == 0 && next > die) {
		u->cu_off = off;
		u->cu_size = next - off;
	}
}

static int by_start(const void *a, const void *b)
{
	const struct sym_unit *x = a, *y = b;
	return (x->start > y->start) - (x->start < y->start);
}

/* No .debug_aranges (Go programs): elfutils 0.188's dwarf_getaranges then
 * finds no unit, and libdwfl no line (binutils' addr2line reads the units'
 * own ranges). The table from each unit's DW_AT_ranges or low_pc/high_pc,
 * sorted by start. Returns 0 (none found: m->units.n 0) or -ENOMEM. */
static int units_from_dies(struct sym_module *m, Dwarf *dw)
{
	struct sym_unit *v = NULL;
	size_t cap = 0, n = 0, hsize;
	Dwarf_Off off = 0, next;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Addr base, start, end;
		ptrdiff_t it = 0;
		while (dwarf_offdie(dw, off + hsize, &cu) &&
		       (it = dwarf_ranges(&cu, it, &base, &start, &end)) > 0) {
			if (end <= start)
				continue;
			if (hp_grow((void **)&v, &cap, n + 1, sizeof(*v))) {
				free(v);
				return -ENOMEM;
			}
			v[n++] = (struct sym_unit){ start, end - start, off + hsize, off, next - off };
		}
		off = next;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_start);
	m->units.v = v;
	m->units.n = n;
	return 0;
}

/* The table from dwarf_getaranges, in its order (sorted by start); from
 * the units themselves when the module has no .debug_aranges. */
static int units_build(struct sym_module *m)
{
	Dwarf_Addr dwbias = 0;
	Dwarf_Aranges *ar;
	size_t n = 0;
	Dwarf *dw = dwfl_module_getdwarf(m->dm, &dwbias);
	if (!dw)
		return 0;
	if (dwarf_getaranges(dw, &ar, &n) != 0 || !n)
		return units_from_dies(m, dw);
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
		v[i] = (struct sym_unit){ start, len, off, 0, 0 };
		if (i && v[i - 1].die == off)
			v[i].cu_off = v[i - 1].cu_off, v[i].cu_size = v[i - 1].cu_size;
		else
			unit_extent(dw, off, &v[i]);
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

/* Close what view_open made of w (a part it did not make is NULL). */
static void view_close(struct sym_cuview *w)
{
	if (w->dw)
		dwarf_end(w->dw);
	if (w->elf)
		elf_end(w->elf);
	if (w->map)
		munmap(w->map, w->size);
}

void symunits_release(struct sym_module *m)
{
	for (size_t i = 0; i < m->units.nviews; i++)
		view_close(&m->units.views[i]);
	free(m->units.views);
	free(m->units.v);
	memset(&m->units, 0, sizeof(m->units));
}

/* Index of the range of pc (a DWARF address), or (size_t)-1: the last
 * range starting at or below pc, unless pc is past its end. libdwfl checks
 * the end of the last range only, so an address in a gap between two
 * ranges took the unit before it and the last line of that unit's code
 * (crt1's _start after a C++ main placed in .text.startup was named after
 * an inlined libstdc++ header); here no unit holds it, as for binutils'
 * addr2line. */
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
	const struct sym_unit *r = &u->v[a - 1];
	if (pc > r->start + r->len)
		return (size_t)-1;
	return a - 1;
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
		sym_clip(lo, hi, 0, u->v[a].start + dwbias);
	if (!a)
		return;
	sym_clip(lo, hi, u->v[a - 1].start + dwbias, UINT64_MAX);
	uint64_t end = u->v[a - 1].start + u->v[a - 1].len + dwbias;
	if (addr <= end)
		sym_clip(lo, hi, 0, end + 1);
	else
		sym_clip(lo, hi, end + 1, UINT64_MAX);
}

/* The file holding m's DWARF (its separate debug file, else itself). */
static const char *dwarf_file(struct sym_module *m)
{
	const char *main_file = NULL, *debug_file = NULL;
	dwfl_module_info(m->dm, NULL, NULL, NULL, NULL, NULL, &main_file, &debug_file);
	return debug_file ? debug_file : main_file;
}

/* The ULEB128 at *p (below end), or UINT64_MAX when it runs past end. */
static uint64_t uleb(const unsigned char **p, const unsigned char *end)
{
	uint64_t v = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char c = *(*p)++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	return UINT64_MAX;
}

/* 1 when no abbreviation of the table at [p, end) uses a form that refers
 * outside its unit (or one this check does not follow). Read here:
 * libdw 0.188's dwarf_getabbrevattr_data fails on some attributes. */
static int self_contained(const unsigned char *p, const unsigned char *end)
{
	while (p < end) {
		uint64_t code = uleb(&p, end);
		if (code == 0)
			return 1;               /* the end of the unit's table */
		if (code == UINT64_MAX || uleb(&p, end) == UINT64_MAX || p++ >= end)
			return 0;               /* the tag, the children flag */
		for (;;) {
			uint64_t name = uleb(&p, end), form = uleb(&p, end);
			if (name == UINT64_MAX || form == UINT64_MAX)
				return 0;
			if (!name && !form)
				break;
			switch (form) {
			case DW_FORM_ref_addr: case DW_FORM_ref_sig8: case DW_FORM_indirect:
			case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
			case DW_FORM_ref_sup4: case DW_FORM_ref_sup8: case DW_FORM_strp_sup:
				return 0;
			case DW_FORM_implicit_const:
				if (uleb(&p, end) == UINT64_MAX)    /* its value (SLEB) */
					return 0;
			}
		}
	}
	return 0;
}

/* A Dwarf of the unit u alone: path mapped privately, its .debug_info
 * section narrowed to the unit. 0 when it cannot be (w->dw stays NULL). */
static int view_open(struct sym_cuview *w, const char *path, const struct sym_unit *u)
{
	struct stat sb;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) == 0 && sb.st_size > (off_t)sizeof(Elf64_Ehdr)) {
		w->map = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		w->size = (size_t)sb.st_size;
	}
	close(fd);
	if (!w->map || w->map == MAP_FAILED) {
		w->map = NULL;
		return 0;
	}
	Elf64_Ehdr *eh = w->map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > w->size || eh->e_shnum > (w->size - eh->e_shoff) / sizeof(Elf64_Shdr) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return 0;
	Elf64_Shdr *sh = (Elf64_Shdr *)((char *)w->map + eh->e_shoff), *info = NULL, *abbrev = NULL;
	const Elf64_Shdr *names = &sh[eh->e_shstrndx];
	if (names->sh_offset >= w->size || names->sh_size > w->size - names->sh_offset)
		return 0;
	const char *strtab = (const char *)w->map + names->sh_offset;
	for (size_t i = 0; i < eh->e_shnum; i++) {
		const char *name = sh[i].sh_name < names->sh_size ? strtab + sh[i].sh_name : "";
		if (!strcmp(name, ".debug_info"))
			info = info ? NULL : &sh[i];    /* two: not a file this knows */
		else if (!strcmp(name, ".debug_abbrev"))
			abbrev = &sh[i];
	}
	if (!info || !abbrev || info->sh_type != SHT_PROGBITS || abbrev->sh_type != SHT_PROGBITS ||
	    ((info->sh_flags | abbrev->sh_flags) & SHF_COMPRESSED) ||
	    u->cu_off + u->cu_size > info->sh_size || info->sh_offset > w->size ||
	    info->sh_size > w->size - info->sh_offset || abbrev->sh_offset > w->size ||
	    abbrev->sh_size > w->size - abbrev->sh_offset)
		return 0;
	info->sh_offset += u->cu_off;
	info->sh_size = u->cu_size;
	Dwarf_Off next, abbrev_off;
	Dwarf_Half version;
	uint8_t asize, osize;
	size_t hsize;
	if (!(w->elf = elf_memory(w->map, w->size)) ||
	    !(w->dw = dwarf_begin_elf(w->elf, DWARF_C_READ, NULL)) ||
	    dwarf_next_unit(w->dw, 0, &next, &hsize, &version, &abbrev_off, &asize, &osize, NULL,
			    NULL) != 0 || next != u->cu_size || abbrev_off >= abbrev->sh_size)
		return 0;
	const unsigned char *at = (const unsigned char *)w->map + abbrev->sh_offset;
	return self_contained(at + abbrev_off, at + abbrev->sh_size);
}

/* Unit u of m read alone, or NULL when it is not (then the module's
 * Dwarf answers). */
static struct sym_cuview *unit_view(struct sym_module *m, const struct sym_unit *u)
{
	struct sym_units *g = &m->units;
	for (size_t i = 0; i < g->nviews; i++)
		if (g->views[i].cu_off == u->cu_off)
			return g->views[i].dw ? &g->views[i] : NULL;
	if (!g->cached || g->whole || !u->cu_size || g->nviews >= VIEWS_MAX)
		return NULL;
	if (!g->views && !(g->views = calloc(VIEWS_MAX, sizeof(*g->views))))
		return NULL;
	struct sym_cuview *w = &g->views[g->nviews++];
	w->cu_off = u->cu_off;
	Dwarf_Die cu;
	uint8_t type;
	if (view_open(w, dwarf_file(m), u) && dwarf_offdie(w->dw, u->die - u->cu_off, &cu) &&
	    dwarf_cu_info(cu.cu, NULL, &type, NULL, NULL, NULL, NULL, NULL) == 0 &&
	    type == DW_UT_compile && dwarf_tag(&cu) == DW_TAG_compile_unit) {
		hp_debug(HP_DBG_SYMS, 2, "'%s': unit at 0x%llx read alone", m->path,
			 (unsigned long long)u->cu_off);
		return w;
	}
	hp_debug(HP_DBG_SYMS, 2, "'%s': unit at 0x%llx not read alone", m->path,
		 (unsigned long long)u->cu_off);
	view_close(w);
	*w = (struct sym_cuview){ .cu_off = u->cu_off };
	return NULL;
}

Dwarf_Die *symunits_cudie(struct sym_module *m, uint32_t mi, Dwarf_Addr addr, Dwarf_Die *mem,
			  Dwarf_Addr *dwbias, uint32_t *key)
{
	size_t above, i;
	uint8_t type;
	Dwarf_Die sub;
	*dwbias = 0;
	*key = mi;
	Dwarf *dw = m->dm ? dwfl_module_getdwarf(m->dm, dwbias) : NULL;
	if (!dw || symunits_ready(m) || addr < *dwbias ||
	    (i = unit_of(&m->units, addr - *dwbias, &above)) == (size_t)-1)
		return NULL;
	const struct sym_unit *u = &m->units.v[i];
	struct sym_cuview *w = unit_view(m, u);
	if (w && dwarf_offdie(w->dw, u->die - u->cu_off, mem)) {
		*key = 0x80000000u | (mi << 8) | (uint32_t)(w - m->units.views);
		return mem;
	}
	if (!dwarf_offdie(dw, u->die, mem))
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
	uint32_t key;
	*name = *comp_dir = NULL;
	*line = 0;
	if (!(cu = symunits_cudie(m, 0, addr, &mem, &dwbias, &key)))
		return 0;
	Dwarf_Line *l = dwarf_getsrc_die(cu, addr - dwbias);
	if (!l || !(*name = dwarf_linesrc(l, NULL, NULL)))
		return 0;
	if (dwarf_lineno(l, line) != 0)
		*line = 0;
	*comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
	return 1;
}

size_t symunits_views(const struct sym_module *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->units.nviews; i++)
		n += m->units.views[i].dw != NULL;
	return n;
}

/*
 * symfill.c - segments: ranges of a module's addresses that resolve alike.
 *
 * Takes (module, vaddr) lookups from symbolize.c; answers them from the
 * module's segments (struct sym_segs), and on a miss resolves the
 * neighbourhood of the address into new segments first. It produces no
 * names itself: every segment's frames are what symresolve_frames says
 * for the segment's first address.
 *
 * Why ranges: a result that holds for a whole range can be cached on disk
 * (symcache.c) and still answer next run's addresses, which differ from
 * this run's (other samples, other page faults). The answer for an address
 * is a function of (1) the symbol table entries that decide its lookup,
 * (2) the compilation unit libdwfl picks for it, (3) the line-table row at
 * or before it, (4) the DWARF code scopes containing it, (5) for unnamed
 * code its FDE. Around a missed address A the fill takes the region where
 * (1), (2) and (5) are constant (symtab_region, the unit's address-range
 * table, the FDE), at most FILL_WINDOW bytes either side, and cuts it at
 * every line row (at the row's address, and one past it when several rows
 * share the address: a lookup exactly there may pick any of them) and
 * every scope or function range boundary in it. Each piece is resolved at
 * its first address; adjacent pieces with equal frames merge. Unit tests
 * check the claim address by address against direct resolution.
 */
#include <elfutils/libdw.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/fde.h"
#include "analyzer/inlines.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symtab.h"
#include "common/grow.h"
#include "common/log.h"

#define FILL_WINDOW   16384     /* bytes resolved at most on either side of a miss */
#define RECENT_MAX    1024      /* recent segments kept apart before a merge */

/* --- the segment container --- */

/* Index of the last segment of v[0..n) with lo <= addr, or (size_t)-1. */
static size_t seg_below(const struct sym_seg *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

static const struct sym_seg *find_in(const struct sym_seg *v, size_t n, uint64_t addr)
{
	size_t i = seg_below(v, n, addr);
	return i != (size_t)-1 && addr < v[i].hi ? &v[i] : NULL;
}

const struct sym_seg *symsegs_find(struct sym_segs *g, uint64_t vaddr)
{
	const struct sym_seg *hit = find_in(g->v, g->len, vaddr);
	return hit ? hit : find_in(g->recent, g->nrecent, vaddr);
}

/* The smallest segment start above addr, or UINT64_MAX. */
static uint64_t next_start(const struct sym_segs *g, uint64_t addr)
{
	uint64_t best = UINT64_MAX;
	size_t i = seg_below(g->v, g->len, addr) + 1;
	if (i < g->len)
		best = g->v[i].lo;
	i = seg_below(g->recent, g->nrecent, addr) + 1;
	if (i < g->nrecent && g->recent[i].lo < best)
		best = g->recent[i].lo;
	return best;
}

int symsegs_free(struct sym_segs *g, uint64_t lo, uint64_t hi)
{
	return !symsegs_find(g, lo) && next_start(g, lo) >= hi;
}

int symsegs_flatten(struct sym_segs *g)
{
	if (!g->nrecent)
		return 0;
	if (hp_grow((void **)&g->v, &g->cap, g->len + g->nrecent, sizeof(*g->v)))
		return -ENOMEM;
	/* Both are sorted and disjoint: merge from the back, in place. */
	size_t i = g->len, j = g->nrecent, out = g->len + g->nrecent;
	while (j) {
		if (i && g->v[i - 1].lo > g->recent[j - 1].lo)
			g->v[--out] = g->v[--i];
		else
			g->v[--out] = g->recent[--j];
	}
	g->len += g->nrecent;
	g->nrecent = 0;
	return 0;
}

int symsegs_add_run(struct sym_segs *g, const struct sym_seg *run, size_t n)
{
	if (!n)
		return 0;
	if (g->nrecent + n > RECENT_MAX && symsegs_flatten(g))
		return -ENOMEM;
	if (hp_grow((void **)&g->recent, &g->caprecent, g->nrecent + n, sizeof(*g->recent)))
		return -ENOMEM;
	size_t i = g->nrecent, j = n, out = g->nrecent + n;
	while (j) {
		if (i && g->recent[i - 1].lo > run[j - 1].lo)
			g->recent[--out] = g->recent[--i];
		else
			g->recent[--out] = run[--j];
	}
	g->nrecent += n;
	return 0;
}

int symsegs_add(struct sym_segs *g, uint64_t lo, uint64_t hi, uint32_t first, uint32_t n)
{
	struct sym_seg one = { lo, hi, first, n };
	return symsegs_add_run(g, &one, 1);
}

void symsegs_release(struct sym_segs *g)
{
	free(g->v);
	free(g->recent);
	memset(g, 0, sizeof(*g));
}

size_t symsegs_count(const struct sym_segs *g)
{
	return g->len + g->nrecent;
}

/* --- the region around a miss --- */

/* [*lo, *hi) around dwfl address addr of m where the symbol lookup, the
 * unit and (for unnamed code) the FDE stay the same. */
static void fill_region(struct sym_module *m, Dwarf_Addr addr, uint64_t *lo, uint64_t *hi)
{
	struct hp_symtab *t = symresolve_symtab(m);
	Dwarf_Addr fs, fe;
	*lo = addr > FILL_WINDOW ? addr - FILL_WINDOW : 0;
	*hi = addr < UINT64_MAX - FILL_WINDOW ? addr + FILL_WINDOW : UINT64_MAX;
	if (t) {
		uint64_t slo, shi;
		symtab_region(t, addr, &slo, &shi);
		sym_clip(lo, hi, slo, shi);
	}
	if (!t || !symtab_lookup(t, addr, NULL)) {
		/* Unnamed: its FDE names it; without one each address is its own. */
		if (symresolve_fde(m, addr, 1, &fs, &fe))
			sym_clip(lo, hi, fs, fe);
		else
			sym_clip(lo, hi, addr, addr + 1);
	}
	symunits_region(m, addr, lo, hi);
}

/* --- cut points --- */

struct cuts {
	uint64_t *v;
	size_t len, cap;
	uint64_t lo, hi;            /* only points inside (lo, hi) are kept */
	Dwarf_Addr dwbias;
};

static int add_cut(struct cuts *c, uint64_t at)
{
	if (at <= c->lo || at >= c->hi)
		return 0;
	if (hp_grow((void **)&c->v, &c->cap, c->len + 1, sizeof(*c->v)))
		return -ENOMEM;
	c->v[c->len++] = at;
	return 0;
}

static int add_dwarf_cut(void *ctx, Dwarf_Addr at)
{
	struct cuts *c = ctx;
	return add_cut(c, at + c->dwbias);
}

/* Every line row in (lo, hi) of the unit: its address, and the next one
 * when several rows share the address (a lookup exactly there may pick any
 * of them; one byte later it takes the last). */
static int add_line_cuts(struct cuts *c, Dwarf_Die *cudie)
{
	Dwarf_Lines *lines;
	size_t n, a = 0, b;
	Dwarf_Addr at, prev = 0, next;
	int err = 0;
	if (dwarf_getsrclines(cudie, &lines, &n) != 0)
		return 0;
	b = n;
	while (a < b) {                 /* a = first row at or above lo */
		size_t mid = a + (b - a) / 2;
		if (dwarf_lineaddr(dwarf_onesrcline(lines, mid), &at) != 0)
			return 0;
		if (at + c->dwbias < c->lo)
			a = mid + 1;
		else
			b = mid;
	}
	if (a && dwarf_lineaddr(dwarf_onesrcline(lines, a - 1), &prev) != 0)
		return 0;
	for (; a < n && !err; a++, prev = at) {
		if (dwarf_lineaddr(dwarf_onesrcline(lines, a), &at) != 0)
			break;
		if (at + c->dwbias >= c->hi)
			break;
		err = add_cut(c, at + c->dwbias);
		int shared = a && prev == at;
		if (!shared && a + 1 < n &&
		    dwarf_lineaddr(dwarf_onesrcline(lines, a + 1), &next) == 0)
			shared = next == at;
		if (!err && shared)
			err = add_cut(c, at + c->dwbias + 1);
	}
	return err;
}

static int compare_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return a < b ? -1 : a > b;
}

/* Cut points of [lo, hi) around dwfl address addr, sorted and unique,
 * lo first and hi last. */
static int fill_cuts(struct hp_symbolizer *s, uint32_t mi, Dwarf_Addr addr, struct cuts *c)
{
	struct sym_module *m = &s->mods[mi];
	int err = 0;
	uint32_t key;
	Dwarf_Die mem, *cudie = symunits_cudie(m, mi, addr, &mem, &c->dwbias, &key);
	if (cudie) {
		Dwarf_Addr lo = c->lo - c->dwbias, hi = c->hi - c->dwbias;
		err = add_line_cuts(c, cudie);
		if (!err)
			err = inlines_bounds(s->inlines, key, cudie, lo, hi, add_dwarf_cut, c);
	}
	uint64_t lo = c->lo, hi = c->hi;
	c->lo = 0;                      /* let the ends themselves in */
	c->hi = UINT64_MAX;
	if (!err)
		err = add_cut(c, lo);
	if (!err)
		err = add_cut(c, hi);
	c->lo = lo;
	c->hi = hi;
	if (err)
		return err;
	qsort(c->v, c->len, sizeof(*c->v), compare_u64);
	size_t out = 0;
	for (size_t i = 0; i < c->len; i++)
		if (!out || c->v[out - 1] != c->v[i])
			c->v[out++] = c->v[i];
	c->len = out;
	return 0;
}

/* --- filling --- */

static int same_frames(const struct hp_symbolizer *s, uint32_t a, uint32_t b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct sym_frame *x = &s->frames[a + i], *y = &s->frames[b + i];
		if (x->function != y->function || x->file != y->file || x->line != y->line ||
		    x->decl_file != y->decl_file || x->made_up != y->made_up)
			return 0;
	}
	return 1;
}

/* New segments of one fill, ascending, added to the module at its end. */
struct pending {
	struct sym_seg *v;
	size_t len, cap;
};

/* Resolve [lo, hi) (vaddrs) at lo into a new segment, or extend the one
 * just before it when the frames are the same. */
static int fill_piece(struct hp_symbolizer *s, uint32_t mi, uint64_t lo, uint64_t hi,
		      struct pending *p)
{
	uint32_t first = (uint32_t)s->nframes;
	int err = symresolve_frames(s, mi, lo);
	if (err) {
		s->nframes = first;
		return err;
	}
	uint32_t n = (uint32_t)(s->nframes - first);
	struct sym_seg *prev = p->len ? &p->v[p->len - 1] : NULL;
	if (prev && prev->hi == lo && prev->n == n && same_frames(s, prev->first, first, n)) {
		prev->hi = hi;
		s->nframes = first;
		return 0;
	}
	if (hp_grow((void **)&p->v, &p->cap, p->len + 1, sizeof(*p->v)))
		return -ENOMEM;
	p->v[p->len++] = (struct sym_seg){ lo, hi, first, n };
	return 0;
}

/* Resolve every piece of [lo, hi) (vaddrs) that no segment holds yet,
 * taking those the cache entry has. */
static int fill_range(struct hp_symbolizer *s, uint32_t mi, uint64_t lo, uint64_t hi,
		      struct pending *p)
{
	struct sym_module *m = &s->mods[mi];
	int err = 0;
	for (uint64_t a = lo; a < hi && !err;) {
		const struct sym_seg *held = symsegs_find(&m->segs, a);
		if (held || (held = symcache_take(s, mi, a))) {
			a = held->hi;
			continue;
		}
		uint64_t end = next_start(&m->segs, a), cached = symcache_next(m, a);
		if (cached < end)
			end = cached;
		if (end > hi)
			end = hi;
		err = fill_piece(s, mi, a, end, p);
		a = end;
	}
	return err;
}

/* Segments around vaddr of a readable module m. */
static int fill(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr)
{
	struct sym_module *m = &s->mods[mi];
	Dwarf_Addr addr = vaddr + m->bias;
	struct cuts c = { 0 };
	struct pending p = { 0 };
	fill_region(m, addr, &c.lo, &c.hi);
	int err = fill_cuts(s, mi, addr, &c);
	for (size_t i = 0; !err && i + 1 < c.len; i++)
		err = fill_range(s, mi, c.v[i] - m->bias, c.v[i + 1] - m->bias, &p);
	if (!err && p.len) {
		err = symsegs_add_run(&m->segs, p.v, p.len);
		m->cache_dirty = 1;
	}
	free(p.v);
	free(c.v);
	return err;
}

int symfill_lookup(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr, uint32_t *first,
		   uint32_t *n)
{
	struct sym_module *m = &s->mods[mi];
	const struct sym_seg *g = symsegs_find(&m->segs, vaddr);
	if (!g)
		g = symcache_take(s, mi, vaddr);
	if (!g) {
		/* level 2 lists the misses; level 3 also what completion resolves */
		hp_debug(HP_DBG_SYMS, s->completing ? 3 : 2, "'%s'+0x%lx: resolving its "
			 "neighbourhood%s", m->path, (unsigned long)vaddr,
			 s->completing ? " (completing)" : "");
		if (!s->completing)
			m->misses++;
		int err = fill(s, mi, vaddr);
		if (err)
			return err;
		if (!(g = symsegs_find(&m->segs, vaddr))) {
			hp_debug(HP_DBG_SYMS, 1, "'%s'+0x%lx: no segment after filling", m->path,
				 (unsigned long)vaddr);
			return -EIO;
		}
	}
	*first = g->first;
	*n = g->n;
	return 0;
}

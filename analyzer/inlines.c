/*
 * inlines.c - per-CU and per-function index of DWARF code scopes (inlines.h).
 *
 * Takes compilation-unit DIEs and DWARF addresses; produces the chain of
 * scope DIEs containing an address. Two lazily built levels:
 *   unit: every function (subprogram, entry point) of a CU, found through
 *         namespaces, Fortran modules and dwz imported units, as sorted
 *         [lo, hi) ranges (a function split hot/cold has several);
 *   func: the code scopes under one function in preorder, each with its
 *         ranges and the index just past its subtree.
 */
#include "analyzer/inlines.h"

#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/hmap.h"

#define MAX_NEST        256     /* DIE nesting followed */
#define OVERLAP_LOOKBACK 8      /* unit ranges searched back for overlaps */

struct pc_range {
	Dwarf_Addr lo, hi;
};

/* A code scope inside a function. */
struct scope_node {
	Dwarf_Die die;
	uint32_t end;              /* index just past this node's subtree */
	uint32_t first, nranges;   /* into func_index.ranges */
};

struct func_index {
	Dwarf_Die die;             /* the subprogram */
	int built;
	uint32_t lookups;          /* before built: the first is a plain descent */
	struct scope_node *nodes;
	size_t nnodes, capnodes;
	struct pc_range *ranges;
	size_t nranges, capranges;
};

/* One range of one function of a unit. */
struct unit_range {
	Dwarf_Addr lo, hi;
	uint32_t func;             /* into unit_index.funcs */
};

struct unit_index {
	uint32_t module;
	Dwarf_Off offset;          /* of the CU DIE */
	struct unit_range *ranges;
	size_t nranges, capranges;
	struct func_index *funcs;
	size_t nfuncs, capfuncs;
};

struct hp_inlines {
	struct unit_index *units;
	size_t nunits, capunits;
	struct hp_hmap by_unit;    /* key2(module + 1, CU offset) -> units index */
};


int inlines_new(struct hp_inlines **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	hmap_init(&(*out)->by_unit);
	return 0;
}

static void func_release(struct func_index *f)
{
	free(f->nodes);
	free(f->ranges);
}

static void unit_release(struct unit_index *u)
{
	for (size_t i = 0; i < u->nfuncs; i++)
		func_release(&u->funcs[i]);
	free(u->funcs);
	free(u->ranges);
}

void inlines_free(struct hp_inlines *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nunits; i++)
		unit_release(&x->units[i]);
	free(x->units);
	hmap_release(&x->by_unit);
	free(x);
}

/* Tags whose DIEs cover code and nest inline instances. */
static int is_code_scope(int tag)
{
	switch (tag) {
	case DW_TAG_inlined_subroutine:
	case DW_TAG_lexical_block:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
	case DW_TAG_with_stmt:
	case DW_TAG_subprogram:    /* GNU C nested functions */
	case DW_TAG_entry_point:
		return 1;
	default:
		return 0;
	}
}

/* --- unit level --- */

static int unit_add_func(struct unit_index *u, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	uint32_t fi = (uint32_t)u->nfuncs;
	int err = 0, any = 0;
	while (!err && (off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (lo >= hi)
			continue;
		err = hp_grow((void **)&u->ranges, &u->capranges, u->nranges + 1, sizeof(*u->ranges));
		if (!err)
			u->ranges[u->nranges++] = (struct unit_range){ lo, hi, fi };
		any = 1;
	}
	if (err || !any)
		return err;
	if ((err = hp_grow((void **)&u->funcs, &u->capfuncs, u->nfuncs + 1, sizeof(*u->funcs))))
		return err;
	u->funcs[u->nfuncs++] = (struct func_index){ .die = *die };
	return 0;
}

/* Functions among parent's children, through namespaces and imports. */
static int unit_collect(struct unit_index *u, Dwarf_Die *parent, int nest)
{
	Dwarf_Die child, unit;
	Dwarf_Attribute attr;
	int err = 0;
	if (nest > MAX_NEST || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_entry_point)
			err = unit_add_func(u, &child);
		else if (tag == DW_TAG_namespace || tag == DW_TAG_module)
			err = unit_collect(u, &child, nest + 1);
		else if (tag == DW_TAG_imported_unit &&
			 dwarf_formref_die(dwarf_attr(&child, DW_AT_import, &attr), &unit))
			err = unit_collect(u, &unit, nest + 1);
	} while (!err && dwarf_siblingof(&child, &child) == 0);
	return err;
}

static int compare_unit_ranges(const void *pa, const void *pb)
{
	const struct unit_range *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->func < b->func ? -1 : a->func > b->func;
}

/* The index of the unit, built on first use; NULL on ENOMEM. */
static struct unit_index *unit_get(struct hp_inlines *x, uint32_t module, Dwarf_Die *cudie)
{
	Dwarf_Off off = dwarf_dieoffset(cudie);
	uint64_t key = hmap_key2((uint64_t)module + 1, off), idx;
	if (hmap_get(&x->by_unit, key, &idx) && x->units[idx].module == module &&
	    x->units[idx].offset == off)
		return &x->units[idx];
	if (hp_grow((void **)&x->units, &x->capunits, x->nunits + 1, sizeof(*x->units)))
		return NULL;
	struct unit_index *u = &x->units[x->nunits];
	*u = (struct unit_index){ .module = module, .offset = off };
	if (unit_collect(u, cudie, 0) || hmap_put(&x->by_unit, key, x->nunits)) {
		unit_release(u);
		return NULL;
	}
	if (u->nranges)
		qsort(u->ranges, u->nranges, sizeof(*u->ranges), compare_unit_ranges);
	x->nunits++;
	return u;
}

/* The function of u whose ranges contain pc, or NULL. */
static struct func_index *unit_find(struct unit_index *u, Dwarf_Addr pc)
{
	size_t lo = 0, hi = u->nranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->ranges[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = 0; k < OVERLAP_LOOKBACK && k < lo; k++) {
		const struct unit_range *r = &u->ranges[lo - 1 - k];
		if (pc < r->hi)
			return &u->funcs[r->func];
	}
	return NULL;
}

/* --- function level --- */

/* Append die's ranges to f; *n is how many (0: the scope has no code). */
static int func_add_ranges(struct func_index *f, Dwarf_Die *die, uint32_t *n)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	int err = 0;
	*n = 0;
	while (!err && (off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (lo >= hi)
			continue;
		err = hp_grow((void **)&f->ranges, &f->capranges, f->nranges + 1, sizeof(*f->ranges));
		if (!err) {
			f->ranges[f->nranges++] = (struct pc_range){ lo, hi };
			++*n;
		}
	}
	return err;
}

/* Preorder of the code scopes under parent; scopes without code are
 * skipped with their subtrees, as they cannot contain an address. */
static int func_collect(struct func_index *f, Dwarf_Die *parent, int nest)
{
	Dwarf_Die child;
	int err = 0;
	if (nest > MAX_NEST || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		uint32_t first = (uint32_t)f->nranges, n;
		if (!is_code_scope(dwarf_tag(&child)))
			continue;
		if ((err = func_add_ranges(f, &child, &n)) || !n)
			continue;
		err = hp_grow((void **)&f->nodes, &f->capnodes, f->nnodes + 1, sizeof(*f->nodes));
		if (err)
			break;
		size_t at = f->nnodes++;
		f->nodes[at] = (struct scope_node){ .die = child, .first = first, .nranges = n };
		err = func_collect(f, &child, nest + 1);
		f->nodes[at].end = (uint32_t)f->nnodes;
	} while (!err && dwarf_siblingof(&child, &child) == 0);
	return err;
}

static int node_has(const struct func_index *f, const struct scope_node *node, Dwarf_Addr pc)
{
	for (uint32_t i = 0; i < node->nranges; i++) {
		const struct pc_range *r = &f->ranges[node->first + i];
		if (pc >= r->lo && pc < r->hi)
			return 1;
	}
	return 0;
}

/* Descend: the first child containing pc at each level, skipping the
 * subtrees of those that do not. */
static int func_path(const struct func_index *f, Dwarf_Addr pc, Dwarf_Die *path, int n,
		     int max)
{
	size_t i = 0, end = f->nnodes;
	while (i < end && n < max) {
		const struct scope_node *node = &f->nodes[i];
		if (node_has(f, node, pc)) {
			path[n++] = node->die;
			end = node->end;
			i++;
		} else {
			i = node->end;
		}
	}
	return n;
}

/* Without the index: the pruned walk from parent, first child containing
 * pc at each level (what the index computes, for a function asked once). */
static int descend(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *path, int n, int max,
		   int nest)
{
	Dwarf_Die child;
	if (n >= max || nest > MAX_NEST || dwarf_child(parent, &child) != 0)
		return n;
	do {
		if (is_code_scope(dwarf_tag(&child)) && dwarf_haspc(&child, pc) > 0) {
			path[n++] = child;
			return descend(&child, pc, path, n, max, nest + 1);
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return n;
}

int inlines_lookup(struct hp_inlines *x, uint32_t module, Dwarf_Die *cudie, Dwarf_Addr pc,
		   Dwarf_Die *path, int max)
{
	struct unit_index *u = unit_get(x, module, cudie);
	if (!u)
		return -ENOMEM;
	struct func_index *f = unit_find(u, pc);
	if (!f || max < 1)
		return 0;
	path[0] = f->die;
	/* Most functions of a profile are asked once or twice: index a function
	 * (a walk of its whole subtree) only when it is asked again. */
	if (!f->built && f->lookups++ == 0)
		return descend(&f->die, pc, path, 1, max, 0);
	if (!f->built) {
		if (func_collect(f, &f->die, 0)) {
			func_release(f);
			*f = (struct func_index){ .die = f->die, .lookups = 1 };
			return -ENOMEM;
		}
		f->built = 1;
	}
	return func_path(f, pc, path, 1, max);
}

/* Report lo and hi of r when inside [lo, hi). */
static int report_range(Dwarf_Addr rlo, Dwarf_Addr rhi, Dwarf_Addr lo, Dwarf_Addr hi,
			int (*cb)(void *, Dwarf_Addr), void *ctx)
{
	int err = 0;
	if (rlo > lo && rlo < hi)
		err = cb(ctx, rlo);
	if (!err && rhi > lo && rhi < hi)
		err = cb(ctx, rhi);
	return err;
}

static int func_build(struct func_index *f)
{
	if (f->built)
		return 0;
	if (func_collect(f, &f->die, 0)) {
		func_release(f);
		*f = (struct func_index){ .die = f->die, .lookups = 1 };
		return -ENOMEM;
	}
	f->built = 1;
	return 0;
}

int inlines_bounds(struct hp_inlines *x, uint32_t module, Dwarf_Die *cudie, Dwarf_Addr lo,
		   Dwarf_Addr hi, int (*cb)(void *ctx, Dwarf_Addr addr), void *ctx)
{
	struct unit_index *u = unit_get(x, module, cudie);
	int err = 0;
	if (!u)
		return -ENOMEM;
	for (size_t i = 0; i < u->nranges && !err; i++) {
		const struct unit_range *r = &u->ranges[i];
		if (r->hi <= lo || r->lo >= hi)
			continue;
		if ((err = report_range(r->lo, r->hi, lo, hi, cb, ctx)))
			break;
		struct func_index *f = &u->funcs[r->func];
		if ((err = func_build(f)))
			break;
		for (size_t k = 0; k < f->nranges && !err; k++)
			err = report_range(f->ranges[k].lo, f->ranges[k].hi, lo, hi, cb, ctx);
	}
	return err;
}

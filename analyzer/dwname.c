/*
 * dwname.c - qualified names of DWARF functions without a linkage name
 * (dwname.h).
 *
 * The declaration of a function is found through DW_AT_abstract_origin
 * and DW_AT_specification; its enclosing scopes through parent links that
 * libdw does not keep: the first question about a unit walks its scope
 * DIEs once (namespaces, classes, functions, blocks) and records each one's
 * parent. Units of languages without such scopes (C) are never walked, and
 * every answer is memoized per declaration (keyed by the Dwarf it lies in
 * and its offset).
 */
#include "analyzer/dwname.h"

#include <dwarf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/symbolize_internal.h"
#include "common/grow.h"

#define MAX_HOPS   8             /* origin/specification links followed */
#define MAX_DEPTH  8             /* enclosing functions qualified in turn */
#define NAME_MAX_LEN 4096
#define PATH_MAX_LAMBDA 256

struct hp_dwname {
	Dwarf **dbgs;            /* the Dwarf handles seen: a key's high bits */
	size_t ndbgs, capdbgs;
	struct hp_hmap memo;     /* key (dbg, declaration offset) -> interned name */
	struct hp_hmap parent;   /* key (dbg, scope or function offset) -> parent offset + 1 */
	struct hp_hmap units;    /* key (dbg, unit offset) -> 1 once its parents are in */
	Dwarf_Die *work;         /* index_unit's list of scopes to expand */
	size_t capwork;
};

#define OFF_BITS 40

static uint64_t okey(size_t dbg, Dwarf_Off off)
{
	return ((uint64_t)dbg << OFF_BITS) | (off & ((1ull << OFF_BITS) - 1));
}

static struct hp_dwname *state(struct hp_symbolizer *s)
{
	if (!s->dwnames && (s->dwnames = calloc(1, sizeof(*s->dwnames)))) {
		hmap_init(&s->dwnames->memo);
		hmap_init(&s->dwnames->parent);
		hmap_init(&s->dwnames->units);
	}
	return s->dwnames;
}

void dwname_free(struct hp_symbolizer *s)
{
	if (!s->dwnames)
		return;
	hmap_release(&s->dwnames->memo);
	hmap_release(&s->dwnames->parent);
	hmap_release(&s->dwnames->units);
	free(s->dwnames->work);
	free(s->dwnames->dbgs);
	free(s->dwnames);
	s->dwnames = NULL;
}

/* The declaration of die: DW_AT_abstract_origin, then DW_AT_specification. */
static void declaration(Dwarf_Die *die, Dwarf_Die *decl)
{
	Dwarf_Attribute attr;
	Dwarf_Die next;
	*decl = *die;
	for (int i = 0; i < MAX_HOPS; i++) {
		if (!dwarf_attr(decl, DW_AT_abstract_origin, &attr) &&
		    !dwarf_attr(decl, DW_AT_specification, &attr))
			return;
		if (!dwarf_formref_die(&attr, &next))
			return;
		*decl = next;
	}
}

/* The separator of die's language; NULL for languages without scopes. */
static const char *separator(Dwarf_Die *die)
{
	Dwarf_Die cu;
	if (!dwarf_diecu(die, &cu, NULL, NULL))
		return NULL;
	switch (dwarf_srclang(&cu)) {
	case DW_LANG_C_plus_plus: case DW_LANG_C_plus_plus_03: case DW_LANG_C_plus_plus_11:
	case DW_LANG_C_plus_plus_14: case DW_LANG_ObjC_plus_plus: case DW_LANG_Rust:
	case DW_LANG_Fortran90: case DW_LANG_Fortran95: case DW_LANG_Fortran03:
	case DW_LANG_Fortran08:
		return "::";
	case DW_LANG_D:
		return ".";
	default:
		return NULL;
	}
}

static int dbg_index(struct hp_dwname *d, Dwarf *dbg, size_t *idx)
{
	size_t i;
	for (i = 0; i < d->ndbgs && d->dbgs[i] != dbg; i++)
		;
	if (i == d->ndbgs) {
		if (hp_grow((void **)&d->dbgs, &d->capdbgs, d->ndbgs + 1, sizeof(*d->dbgs)))
			return -ENOMEM;
		d->dbgs[d->ndbgs++] = dbg;
	}
	*idx = i;
	return 0;
}

/* DIEs that can be a function's scope (or hold one): their children are
 * walked and their parents recorded. */
static int is_scope(int tag)
{
	switch (tag) {
	case DW_TAG_namespace: case DW_TAG_class_type: case DW_TAG_structure_type:
	case DW_TAG_union_type: case DW_TAG_interface_type: case DW_TAG_module:
	case DW_TAG_subprogram: case DW_TAG_lexical_block:
		return 1;
	default:
		return 0;
	}
}

/* Record the parent of every scope DIE of unit (one walk per unit: libdw
 * has no parent links, and dwarf_getscopes_die walks the unit from its top
 * for every question). */
static int index_unit(struct hp_dwname *d, size_t idx, Dwarf_Die *unit)
{
	uint64_t seen;
	size_t n = 0;
	if (hmap_get(&d->units, okey(idx, dwarf_dieoffset(unit)), &seen))
		return 0;
	if (hmap_put(&d->units, okey(idx, dwarf_dieoffset(unit)), 1) ||
	    hp_grow((void **)&d->work, &d->capwork, 1, sizeof(*d->work)))
		return -ENOMEM;
	d->work[n++] = *unit;
	while (n) {
		Dwarf_Die scope = d->work[--n], child;
		Dwarf_Off off = dwarf_dieoffset(&scope);
		if (dwarf_child(&scope, &child) != 0)
			continue;
		do {
			if (!is_scope(dwarf_tag(&child)))
				continue;
			if (hmap_put(&d->parent, okey(idx, dwarf_dieoffset(&child)), off + 1) ||
			    hp_grow((void **)&d->work, &d->capwork, n + 1, sizeof(*d->work)))
				return -ENOMEM;
			d->work[n++] = child;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return 0;
}

static const char *qualify(struct hp_symbolizer *s, Dwarf_Die *die, int depth, int *enomem);

/* "<lambda at FILE:LINE>" (FILE's basename) for an unnamed class, as
 * clang names lambdas; "<lambda>" without a declaration line. */
static const char *lambda_name(Dwarf_Die *cls, char *buf, size_t size)
{
	const char *file = dwarf_decl_file(cls), *slash;
	int line = 0;
	if (!file || dwarf_decl_line(cls, &line) || line <= 0)
		return "<lambda>";
	slash = strrchr(file, '/');
	snprintf(buf, size, "<lambda at %s:%d>", slash ? slash + 1 : file, line);
	return buf;
}

/* Append scope's part of a qualified name to buf (at *len): a namespace,
 * class or module its name ("(anonymous namespace)" when it has none), an
 * enclosing function its own qualified name (which ends the walk: it
 * carries its own scopes); 1 when the walk is to stop there. */
static int add_scope(struct hp_symbolizer *s, Dwarf_Die *scope, int depth, char *buf,
		     size_t *len, const char *sep, int *enomem)
{
	const char *name = NULL;
	char lambda[PATH_MAX_LAMBDA];
	int stop = 0;
	switch (dwarf_tag(scope)) {
	case DW_TAG_namespace:
		name = dwarf_diename(scope);
		if (!name)
			name = "(anonymous namespace)";
		break;
	case DW_TAG_class_type: case DW_TAG_structure_type:
		/* GCC's lambda closure types are structures without a name (the
		 * only unnamed classes with member functions in practice): named
		 * by where they are, so that two lambdas of one function stay
		 * apart */
		if (!(name = dwarf_diename(scope)))
			name = lambda_name(scope, lambda, sizeof(lambda));
		break;
	case DW_TAG_union_type: case DW_TAG_interface_type: case DW_TAG_module:
		name = dwarf_diename(scope);
		break;
	case DW_TAG_subprogram:
		if (depth < MAX_DEPTH)
			name = qualify(s, scope, depth + 1, enomem);
		stop = 1;
		break;
	default:
		break;
	}
	if (!name)
		return stop;
	/* scopes come innermost first: prepend */
	size_t nl = strlen(name), sl = strlen(sep);
	if (nl + sl + *len >= NAME_MAX_LEN)
		return 1;
	memmove(buf + nl + sl, buf, *len + 1);
	memcpy(buf, name, nl);
	memcpy(buf + nl, sep, sl);
	*len += nl + sl;
	return stop;
}

static const char *qualify(struct hp_symbolizer *s, Dwarf_Die *die, int depth, int *enomem)
{
	struct hp_dwname *d = state(s);
	Dwarf_Die decl, unit, cur, up;
	Dwarf *dbg;
	uint64_t val;
	size_t idx;
	const char *base, *sep, *out;
	char buf[NAME_MAX_LEN];
	if (!d)
		goto enomem;
	declaration(die, &decl);
	dbg = dwarf_cu_getdwarf(decl.cu);
	if (dbg_index(d, dbg, &idx))
		goto enomem;
	if (hmap_get(&d->memo, okey(idx, dwarf_dieoffset(&decl)), &val))
		return (const char *)(uintptr_t)val;
	if (!(base = dwarf_diename(&decl)))
		return NULL;
	size_t len = strlen(base);
	if (len >= sizeof(buf))
		return base;
	memcpy(buf, base, len + 1);
	sep = separator(&decl);
	if (sep && dwarf_diecu(&decl, &unit, NULL, NULL)) {
		if (index_unit(d, idx, &unit))
			goto enomem;
		for (cur = decl; hmap_get(&d->parent, okey(idx, dwarf_dieoffset(&cur)), &val) &&
				 dwarf_offdie(dbg, val - 1, &up); cur = up)
			if (add_scope(s, &up, depth, buf, &len, sep, enomem))
				break;
		if (*enomem)
			return NULL;
	}
	if (!(out = symbolize_intern(s, buf)) ||
	    hmap_put(&d->memo, okey(idx, dwarf_dieoffset(&decl)), (uint64_t)(uintptr_t)out))
		goto enomem;
	return out;
enomem:
	*enomem = 1;
	return NULL;
}

const char *dwname_qualified(struct hp_symbolizer *s, Dwarf_Die *die, int *enomem)
{
	*enomem = 0;
	return qualify(s, die, 0, enomem);
}

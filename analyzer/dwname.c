/*
 * dwname.c - qualified names of DWARF functions without a linkage name
 * (dwname.h).
 *
 * The declaration of a function is found through DW_AT_abstract_origin
 * and DW_AT_specification; its enclosing scopes through libdw's
 * dwarf_getscopes_die, which walks its compilation unit from the top, so
 * every answer is memoized per declaration (keyed by the Dwarf it lies in
 * and its offset) and the walk is only made for languages that have such
 * scopes.
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

struct hp_dwname {
	Dwarf **dbgs;            /* the Dwarf handles seen: a key's high bits */
	size_t ndbgs, capdbgs;
	struct hp_hmap memo;     /* (dbg index, die offset) -> interned name */
};

static struct hp_dwname *state(struct hp_symbolizer *s)
{
	if (!s->dwnames && (s->dwnames = calloc(1, sizeof(*s->dwnames))))
		hmap_init(&s->dwnames->memo);
	return s->dwnames;
}

void dwname_free(struct hp_symbolizer *s)
{
	if (!s->dwnames)
		return;
	hmap_release(&s->dwnames->memo);
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

static int memo_key(struct hp_dwname *d, Dwarf_Die *decl, uint64_t *key)
{
	Dwarf *dbg = dwarf_cu_getdwarf(decl->cu);
	size_t i;
	for (i = 0; i < d->ndbgs && d->dbgs[i] != dbg; i++)
		;
	if (i == d->ndbgs) {
		if (hp_grow((void **)&d->dbgs, &d->capdbgs, d->ndbgs + 1, sizeof(*d->dbgs)))
			return -ENOMEM;
		d->dbgs[d->ndbgs++] = dbg;
	}
	*key = ((uint64_t)i << 40) | (dwarf_dieoffset(decl) & ((1ull << 40) - 1));
	return 0;
}

static const char *qualify(struct hp_symbolizer *s, Dwarf_Die *die, int depth, int *enomem);

/* Append scope's part of a qualified name to buf (at *len): a namespace,
 * class or module its name ("(anonymous namespace)" when it has none), an
 * enclosing function its own qualified name (which ends the walk: it
 * carries its own scopes); 1 when the walk is to stop there. */
static int add_scope(struct hp_symbolizer *s, Dwarf_Die *scope, int depth, char *buf,
		     size_t *len, const char *sep, int *enomem)
{
	const char *name = NULL;
	int stop = 0;
	switch (dwarf_tag(scope)) {
	case DW_TAG_namespace:
		name = dwarf_diename(scope);
		if (!name)
			name = "(anonymous namespace)";
		break;
	case DW_TAG_class_type: case DW_TAG_structure_type: case DW_TAG_union_type:
	case DW_TAG_interface_type: case DW_TAG_module:
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
	Dwarf_Die decl, *scopes = NULL;
	uint64_t key, val;
	const char *base, *sep, *out;
	char buf[NAME_MAX_LEN];
	if (!d || (declaration(die, &decl), memo_key(d, &decl, &key))) {
		*enomem = 1;
		return NULL;
	}
	if (hmap_get(&d->memo, key, &val))
		return (const char *)(uintptr_t)val;
	if (!(base = dwarf_diename(&decl)))
		return NULL;
	size_t len = strlen(base);
	if (len >= sizeof(buf))
		return base;
	memcpy(buf, base, len + 1);
	int n = (sep = separator(&decl)) ? dwarf_getscopes_die(&decl, &scopes) : 0;
	for (int i = 1; i < n; i++)         /* scopes[0] is decl itself */
		if (add_scope(s, &scopes[i], depth, buf, &len, sep, enomem))
			break;
	free(scopes);
	if (!(out = symbolize_intern(s, buf)) ||
	    hmap_put(&d->memo, key, (uint64_t)(uintptr_t)out)) {
		*enomem = 1;
		return NULL;
	}
	return out;
}

const char *dwname_qualified(struct hp_symbolizer *s, Dwarf_Die *die, int *enomem)
{
	*enomem = 0;
	return qualify(s, die, 0, enomem);
}

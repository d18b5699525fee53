/*
 * symcache_index.c - a module's index in its symbol cache entry: the
 * address ranges of its compilation units (symunits.c) and its finished
 * symbol table (symtab.h), so that a later miss in the module needs
 * neither dwarf_getaranges (libdw reads every unit header for it: ~60% of
 * a libc miss) nor the symbol table's construction (~20%). Entry layout
 * and checks: symcache_format.h, symcache.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/symbolize_internal.h"
#include "analyzer/symcache_format.h"
#include "analyzer/symtab.h"

/* NULL when the unit table and the symbols are sound, else what is wrong
 * (their blocks checked first: symcache_index_sound). */
const char *symcache_check_index(const struct cache_view *v)
{
	const struct cache_header *h = v->h;
	if ((h->nunits && !(h->flags & HAS_UNITS)) || (h->nsyms && !(h->flags & HAS_SYMS)))
		return "bad index flags";
	if (h->symbytes && v->symstrings[h->symbytes - 1] != '\0')
		return "unterminated symbol names";
	for (uint32_t i = 0; i < h->nunits; i++)
		if ((i && v->units[i].start < v->units[i - 1].start) ||
		    (v->units[i].cu_size && (v->units[i].die < v->units[i].cu_off ||
					     v->units[i].die >= v->units[i].cu_off +
								  v->units[i].cu_size)))
			return "bad unit range";
	for (uint32_t i = 0; i < h->nsyms; i++) {
		const struct cache_sym *y = &v->syms[i];
		if (y->name >= h->symbytes || y->end <= y->start || y->sized > 1 ||
		    (i && y->start <= v->syms[i - 1].start))
			return "bad symbol";
	}
	return NULL;
}

int symcache_units(struct sym_module *m)
{
	const struct cache_view *v = m->cache && !symcache_index_sound(m->cache) ? &m->cache->v
										: NULL;
	if (!v || !(v->h->flags & HAS_UNITS))
		return 0;
	if (v->h->nunits && !(m->units.v = calloc(v->h->nunits, sizeof(*m->units.v))))
		return 0;
	for (uint32_t i = 0; i < v->h->nunits; i++)
		m->units.v[i] = (struct sym_unit){ v->units[i].start, v->units[i].len,
						   v->units[i].die, v->units[i].cu_off,
						   v->units[i].cu_size };
	m->units.n = v->h->nunits;
	return 1;
}

struct hp_symtab *symcache_symtab(struct sym_module *m, int *had)
{
	const struct cache_view *v = m->cache && !symcache_index_sound(m->cache) ? &m->cache->v
										: NULL;
	struct hp_symtab *t;
	*had = v && (v->h->flags & HAS_SYMS);
	if (!*had || !v->h->nsyms || symtab_new(&t))
		return NULL;
	/* The names stay in the entry's mapping, which lives as long as m. */
	for (uint32_t i = 0; i < v->h->nsyms; i++) {
		const struct cache_sym *y = &v->syms[i];
		if (symtab_restore(t, v->symstrings + y->name, y->start, y->end, (int)y->sized)) {
			symtab_free(t);
			*had = 0;       /* built the usual way instead */
			return NULL;
		}
	}
	symtab_restored(t);
	return t;
}

int symcache_index_build(struct sym_module *m, struct cache_index *w)
{
	int err = symunits_ready(m);
	const struct hp_symtab *t = symresolve_symtab(m);
	size_t nsyms = t ? symtab_count(t) : 0, bytes = 0;
	if (err)
		return err;
	for (size_t i = 0; i < nsyms; i++) {
		const char *name;
		uint64_t start, end;
		int sized;
		symtab_entry(t, i, &name, &start, &end, &sized);
		bytes += strlen(name) + 1;
	}
	if (bytes >= CACHE_MAX)
		return -E2BIG;
	if (bytes && !(w->symstrings = malloc(bytes)))
		return -ENOMEM;
	if (m->units.n && !(w->units = calloc(m->units.n, sizeof(*w->units))))
		return -ENOMEM;
	if (nsyms && !(w->syms = calloc(nsyms, sizeof(*w->syms))))
		return -ENOMEM;
	for (size_t i = 0; i < m->units.n; i++)
		w->units[i] = (struct cache_unit){ m->units.v[i].start, m->units.v[i].len,
						   m->units.v[i].die, m->units.v[i].cu_off,
						   m->units.v[i].cu_size };
	for (size_t i = 0; i < nsyms; i++) {
		const char *name;
		int sized;
		struct cache_sym *y = &w->syms[i];
		symtab_entry(t, i, &name, &y->start, &y->end, &sized);
		size_t len = strlen(name) + 1;
		y->sized = sized ? 1 : 0;
		y->name = (uint32_t)w->symbytes;
		memcpy(w->symstrings + w->symbytes, name, len);
		w->symbytes += len;
	}
	w->nunits = (uint32_t)m->units.n;
	w->nsyms = (uint32_t)nsyms;
	w->flags = HAS_UNITS | HAS_SYMS;
	return err;
}


void symcache_index_release(struct cache_index *x)
{
	free(x->units);
	free(x->syms);
	free(x->symstrings);
	memset(x, 0, sizeof(*x));
}

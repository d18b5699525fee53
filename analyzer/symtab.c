/*
 * symtab.c - sorted per-module function symbol table (symtab.h).
 *
 * Takes (name, start, size, binding) tuples and produces a sorted array of
 * [start, end) ranges with one name each; lookups are a binary search.
 * It knows nothing about ELF files or libdw: symbolize.c feeds it.
 */
#include "analyzer/symtab.h"

#include <assert.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/arena.h"
#include "common/grow.h"

#define SIZELESS_MAX_SPAN  (64 * 1024)  /* a size-0 symbol covers at most this */
#define OVERLAP_LOOKBACK   8            /* entries searched back for nested ranges */

struct symtab_entry {
	uint64_t start;
	uint64_t end;        /* exclusive; start + size, or 0 before finish when size is 0 */
	const char *name;
	uint64_t limit;      /* size 0: the inferred end is at most this (0: none) */
	int bind;
	int sized;           /* 0: end was inferred from the next symbol */
};

struct hp_symtab {
	struct symtab_entry *v;
	size_t len, cap;
	struct hp_arena owned;  /* names copied without their "@VERSION" suffix */
	int finished;
};

int symtab_new(struct hp_symtab **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void symtab_free(struct hp_symtab *t)
{
	if (!t)
		return;
	arena_release(&t->owned);
	free(t->v);
	free(t);
}

/* name without a symbol version ("xdr_int@GLIBC_2.2.5" -> "xdr_int", as
 * glibc's debug .symtab spells compat symbols), or NULL on ENOMEM. */
static const char *strip_version(struct hp_symtab *t, const char *name)
{
	const char *at = strchr(name, '@');
	if (!at || at == name)
		return name;
	size_t len = (size_t)(at - name);
	char *copy = arena_alloc(&t->owned, len + 1);
	if (copy) {
		memcpy(copy, name, len);
		copy[len] = '\0';
	}
	return copy;
}

static int add_entry(struct hp_symtab *t, const char *name, uint64_t start, uint64_t size,
		     int bind, uint64_t limit)
{
	assert(!t->finished);
	if (hp_grow((void **)&t->v, &t->cap, t->len + 1, sizeof(*t->v)))
		return -ENOMEM;
	t->v[t->len++] = (struct symtab_entry){
		.start = start, .end = size ? start + size : 0, .name = name, .bind = bind,
		.sized = size != 0, .limit = size ? 0 : limit,
	};
	return 0;
}

int symtab_add_bounded(struct hp_symtab *t, const char *name, uint64_t start, uint64_t size,
		       int bind, uint64_t limit)
{
	if (!(name = strip_version(t, name)))
		return -ENOMEM;
	return add_entry(t, name, start, size, bind, limit);
}

int symtab_add(struct hp_symtab *t, const char *name, uint64_t start, uint64_t size,
	       int bind)
{
	return symtab_add_bounded(t, name, start, size, bind, 0);
}

int symtab_add_owned(struct hp_symtab *t, const char *name, uint64_t start, uint64_t size,
		     int bind)
{
	char *copy = arena_strdup(&t->owned, name);
	return copy ? add_entry(t, copy, start, size, bind, 0) : -ENOMEM;
}

static int bind_rank(int bind)
{
	switch (bind) {
	case STB_GLOBAL: return 0;
	case STB_WEAK:   return 1;
	default:         return 2;
	}
}

static size_t leading_underscores(const char *s)
{
	return strspn(s, "_");
}

/* <0 when a is the better name for the address they share (the order
 * perf uses: sized, then binding, then fewer underscores; then shorter). */
static int compare_names(const struct symtab_entry *a, const struct symtab_entry *b)
{
	int d = b->sized - a->sized;
	if (d)
		return d;
	d = bind_rank(a->bind) - bind_rank(b->bind);
	if (d)
		return d;
	size_t ua = leading_underscores(a->name), ub = leading_underscores(b->name);
	if (ua != ub)
		return ua < ub ? -1 : 1;
	size_t la = strlen(a->name), lb = strlen(b->name);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* By start, then best name first. */
static int compare_entries(const void *pa, const void *pb)
{
	const struct symtab_entry *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return compare_names(a, b);
}

/* Collapse runs with one start into their first (best-named) entry,
 * keeping the largest known end and the widest bound of sizeless ones. */
static void merge_aliases(struct hp_symtab *t)
{
	size_t out = 0;
	for (size_t i = 0; i < t->len; i++) {
		if (out && t->v[out - 1].start == t->v[i].start) {
			struct symtab_entry *keep = &t->v[out - 1];
			if (t->v[i].end > keep->end) {
				keep->end = t->v[i].end;
				keep->sized = 1;
			}
			if (!t->v[i].sized && keep->limit &&
			    (!t->v[i].limit || t->v[i].limit > keep->limit))
				keep->limit = t->v[i].limit;
			continue;
		}
		t->v[out++] = t->v[i];
	}
	t->len = out;
}

/* A size-0 symbol reaches to the next start, capped (and bounded). */
static void close_sizeless(struct hp_symtab *t)
{
	for (size_t i = 0; i < t->len; i++) {
		struct symtab_entry *e = &t->v[i];
		if (e->end)
			continue;
		uint64_t cap = e->start + SIZELESS_MAX_SPAN;
		if (e->limit > e->start && e->limit < cap)
			cap = e->limit;
		uint64_t next = i + 1 < t->len ? t->v[i + 1].start : cap;
		e->end = next < cap ? next : cap;
		if (e->end == e->start)
			e->end = e->start + 1;
	}
}

void symtab_finish(struct hp_symtab *t)
{
	if (t->finished)
		return;
	if (t->len)
		qsort(t->v, t->len, sizeof(*t->v), compare_entries);
	merge_aliases(t);
	close_sizeless(t);
	t->finished = 1;
}

/* Index of the last entry with start <= addr, or (size_t)-1. */
static size_t last_at_or_below(const struct hp_symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

const char *symtab_lookup(const struct hp_symtab *t, uint64_t addr, uint64_t *start)
{
	assert(t->finished);
	size_t i = last_at_or_below(t, addr);
	if (i == (size_t)-1)
		return NULL;
	/* The nearest symbol usually covers addr. A function that starts a
	 * little earlier and covers it too wins over a sizeless label (asm
	 * labels inside functions); a miss may still lie in such a function. */
	const struct symtab_entry *hit = NULL;
	for (size_t k = 0; k <= OVERLAP_LOOKBACK && k <= i; k++) {
		const struct symtab_entry *e = &t->v[i - k];
		if (addr >= e->end)
			continue;
		if (!hit || (e->sized && !hit->sized))
			hit = e;
		if (hit->sized)
			break;
	}
	if (hit && start)
		*start = hit->start;
	return hit ? hit->name : NULL;
}

void symtab_region(const struct hp_symtab *t, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	assert(t->finished);
	size_t i = last_at_or_below(t, addr);
	*lo = 0;
	*hi = UINT64_MAX;
	if (i == (size_t)-1) {
		if (t->len)
			*hi = t->v[0].start;
		return;
	}
	/* symtab_lookup depends on i (fixed between two starts) and on which
	 * of the entries it looks back at end above addr. */
	*lo = t->v[i].start;
	if (i + 1 < t->len)
		*hi = t->v[i + 1].start;
	for (size_t k = 0; k <= OVERLAP_LOOKBACK && k <= i; k++) {
		uint64_t end = t->v[i - k].end;
		if (end <= addr && end > *lo)
			*lo = end;
		else if (end > addr && end < *hi)
			*hi = end;
	}
}

size_t symtab_count(const struct hp_symtab *t)
{
	return t->len;
}

void symtab_entry(const struct hp_symtab *t, size_t i, const char **name, uint64_t *start,
		  uint64_t *end, int *sized)
{
	assert(t->finished && i < t->len);
	*name = t->v[i].name;
	*start = t->v[i].start;
	*end = t->v[i].end;
	*sized = t->v[i].sized;
}

int symtab_restore(struct hp_symtab *t, const char *name, uint64_t start, uint64_t end,
		   int sized)
{
	if (add_entry(t, name, start, sized ? end - start : 0, STB_GLOBAL, 0))
		return -ENOMEM;
	t->v[t->len - 1].end = end;
	return 0;
}

void symtab_restored(struct hp_symtab *t)
{
	t->finished = 1;
}

/*
 * calltree.c - top-down and bottom-up call trees, and per-line call-path
 * costs of a source file (calltree.h).
 *
 * Takes a loaded hp_profile (its stacks[], functions[] and lines[]) and
 * produces hp_calltree / hp_file_costs; reads no database. Building is one
 * pass over the distinct stacks with a hash map from (parent, function) to
 * child, then one sort that links siblings heaviest first.
 */
#include "analyzer/calltree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "common/hmap.h"

struct tree_priv {
	struct hp_hmap children;      /* hmap_key2(parent + 1, func + 1) -> node */
	int64_t *cbuf;                /* nnodes * nevents counter sums */
	uint32_t cap;                 /* nodes[] and cbuf capacity, in nodes */
};

struct builder {
	const struct hp_profile *p;
	struct hp_calltree *t;
	struct tree_priv *pv;
	uint32_t *seq;                /* frames of the path being inserted */
};

void calltree_opts_init(struct hp_calltree_opts *o)
{
	o->kind = HP_CALLTREE_TOP_DOWN;
	o->focus_func = HP_CT_NONE;
	o->leaf_line = HP_CT_NONE;
}

static int grow(struct hp_calltree *t, struct tree_priv *pv)
{
	uint32_t cap = pv->cap ? pv->cap * 2 : 1024;
	struct hp_cnode *n = realloc(t->nodes, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->nodes = n;
	if (t->nevents) {
		int64_t *c = realloc(pv->cbuf, (size_t)cap * t->nevents * sizeof(*c));
		if (!c)
			return -ENOMEM;
		memset(c + (size_t)pv->cap * t->nevents, 0,
		       (size_t)(cap - pv->cap) * t->nevents * sizeof(*c));
		pv->cbuf = c;
	}
	pv->cap = cap;
	return 0;
}

static uint32_t new_node(struct hp_calltree *t, struct tree_priv *pv, uint32_t parent,
			 uint32_t func)
{
	if (t->nnodes == pv->cap && grow(t, pv))
		return HP_CT_NONE;
	uint32_t i = t->nnodes++;
	struct hp_cnode *n = &t->nodes[i];
	memset(n, 0, sizeof(*n));
	n->func = func;
	n->parent = parent;
	n->first_child = n->next_sibling = HP_CT_NONE;
	n->depth = parent == HP_CT_NONE ? 0 : t->nodes[parent].depth + 1;
	return i;
}

uint32_t calltree_child(const struct hp_calltree *t, uint32_t parent, uint32_t func)
{
	const struct tree_priv *pv = t->priv;
	uint64_t v;
	if (hmap_get(&pv->children, hmap_key2((uint64_t)parent + 1, (uint64_t)func + 1), &v))
		return (uint32_t)v;
	return HP_CT_NONE;
}

static uint32_t child_of(struct hp_calltree *t, struct tree_priv *pv, uint32_t parent,
			 uint32_t func)
{
	uint32_t c = calltree_child(t, parent, func);
	if (c != HP_CT_NONE)
		return c;
	c = new_node(t, pv, parent, func);
	if (c == HP_CT_NONE ||
	    hmap_put(&pv->children, hmap_key2((uint64_t)parent + 1, (uint64_t)func + 1), c))
		return HP_CT_NONE;
	t->nodes[parent].nchildren++;
	return c;
}

static void add_counters(struct hp_calltree *t, struct tree_priv *pv, uint32_t node,
			 const int64_t *c)
{
	int64_t *d = pv->cbuf + (size_t)node * t->nevents;
	for (uint32_t e = 0; e < t->nevents; e++)
		d[e] += c[e];
}

/* Insert seq[0..n) below the root, adding s's samples and counters. */
static int insert(struct builder *b, const struct hp_pstack *s, uint32_t n)
{
	struct hp_calltree *t = b->t;
	uint32_t node = 0;
	t->nodes[0].total += s->samples;
	if (s->c)
		add_counters(t, b->pv, 0, s->c);
	if (!n)
		t->nodes[0].self += s->samples;
	for (uint32_t i = 0; i < n; i++) {
		node = child_of(t, b->pv, node, b->seq[i]);
		if (node == HP_CT_NONE)
			return -ENOMEM;
		t->nodes[node].total += s->samples;
		if (s->c)
			add_counters(t, b->pv, node, s->c);
		if (t->kind == HP_CALLTREE_BOTTOM_UP && i == 0)
			t->nodes[node].self += s->samples;
	}
	if (t->kind == HP_CALLTREE_TOP_DOWN && n)
		t->nodes[node].self += s->samples;
	return 0;
}

/* The path of stack s in tree order, into b->seq; returns its length, or
 * -1 when the stack is not selected by o. */
static int path_of(const struct builder *b, const struct hp_pstack *s,
		   const struct hp_calltree_opts *o)
{
	uint32_t n = s->nframes, k = 0;
	if (o->leaf_line != HP_CT_NONE && s->leaf_line != o->leaf_line)
		return -1;
	if (o->kind == HP_CALLTREE_TOP_DOWN) {
		uint32_t from = 0;
		if (o->focus_func != HP_CT_NONE) {
			while (from < n && s->frames[from] != o->focus_func)
				from++;
			if (from == n)
				return -1;
		}
		for (uint32_t i = from; i < n; i++)
			b->seq[k++] = s->frames[i];
	} else {
		uint32_t from = n;
		if (o->focus_func != HP_CT_NONE) {
			while (from > 0 && s->frames[from - 1] != o->focus_func)
				from--;
			if (from == 0)
				return -1;
		}
		for (uint32_t i = from; i-- > 0;)
			b->seq[k++] = s->frames[i];
	}
	return (int)k;
}

struct sort_ctx {
	const struct hp_profile *p;
	const struct hp_cnode *nodes;
};

static int by_parent_weight(const void *a, const void *b, void *ctx)
{
	const struct sort_ctx *s = ctx;
	const struct hp_cnode *x = &s->nodes[*(const uint32_t *)a];
	const struct hp_cnode *y = &s->nodes[*(const uint32_t *)b];
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	int c = strcmp(s->p->functions[x->func].name, s->p->functions[y->func].name);
	return c ? c : (*(const uint32_t *)a > *(const uint32_t *)b) -
		       (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* Link every node's children heaviest first. */
static int link_children(const struct hp_profile *p, struct hp_calltree *t)
{
	uint32_t n = t->nnodes - 1;
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	struct sort_ctx s = { p, t->nodes };
	if (!idx)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i + 1;
	qsort_r(idx, n, sizeof(*idx), by_parent_weight, &s);
	for (uint32_t i = n; i-- > 0;) {
		struct hp_cnode *c = &t->nodes[idx[i]], *parent = &t->nodes[c->parent];
		c->next_sibling = parent->first_child;
		parent->first_child = idx[i];
	}
	free(idx);
	return 0;
}

int calltree_build(const struct hp_profile *p, const struct hp_calltree_opts *o,
		   struct hp_calltree **out)
{
	struct hp_calltree *t = calloc(1, sizeof(*t));
	struct tree_priv *pv = calloc(1, sizeof(*pv));
	struct builder b = { p, t, pv, NULL };
	uint32_t maxf = 1;
	int err = -ENOMEM;

	if (!t || !pv) {
		free(t);
		free(pv);
		return -ENOMEM;
	}
	t->priv = pv;
	t->kind = o->kind;
	t->nevents = p->nevents;
	hmap_init(&pv->children);
	for (uint32_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].nframes > maxf)
			maxf = p->stacks[i].nframes;
	if (!(b.seq = malloc(maxf * sizeof(*b.seq))) || new_node(t, pv, HP_CT_NONE, HP_CT_NONE))
		goto fail;
	for (uint32_t i = 0; i < p->nstacks; i++) {
		int n = path_of(&b, &p->stacks[i], o);
		if (n >= 0 && (err = insert(&b, &p->stacks[i], (uint32_t)n)))
			goto fail;
	}
	if ((err = link_children(p, t)))
		goto fail;
	for (uint32_t i = 0; i < t->nnodes; i++)
		t->nodes[i].c = t->nevents ? pv->cbuf + (size_t)i * t->nevents : NULL;
	free(b.seq);
	*out = t;
	return 0;
fail:
	free(b.seq);
	calltree_free(t);
	return err ? err : -ENOMEM;
}

void calltree_free(struct hp_calltree *t)
{
	if (!t)
		return;
	struct tree_priv *pv = t->priv;
	if (pv) {
		hmap_release(&pv->children);
		free(pv->cbuf);
		free(pv);
	}
	free(t->nodes);
	free(t);
}

/* --- source lines of functions and files --- */

const char *calltree_file_path(const struct hp_profile *p, uint32_t file_id)
{
	for (uint32_t i = 0; i < p->nlines; i++)
		if (p->lines[i].file_id == file_id && p->lines[i].file)
			return p->lines[i].file;
	return NULL;
}

uint32_t calltree_file_id(const struct hp_profile *p, const char *path)
{
	for (uint32_t i = 0; path && i < p->nlines; i++)
		if (p->lines[i].file && !strcmp(p->lines[i].file, path))
			return p->lines[i].file_id;
	return 0;
}

/* The call site inside f that most samples pass through (once per stack). */
static int hottest_call_site(const struct hp_profile *p, uint32_t f, uint32_t *file_id,
			     uint32_t *line)
{
	struct hp_hmap sums;
	uint64_t best = 0;
	hmap_init(&sums);
	for (uint32_t s = 0; s < p->nstacks; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		for (uint32_t i = 0; i < st->nframes; i++) {
			uint64_t key = ((uint64_t)st->files[i] << 32) | st->lines[i], v = 0;
			if (st->frames[i] != f || !st->files[i] || !st->lines[i])
				continue;
			hmap_get(&sums, key, &v);
			v += st->samples;
			if (hmap_put(&sums, key, v))
				break;
			if (v > best) {
				best = v;
				*file_id = st->files[i];
				*line = st->lines[i];
			}
			break;
		}
	}
	hmap_release(&sums);
	return best ? 0 : -ENOENT;
}

int calltree_function_line(const struct hp_profile *p, uint32_t f, uint32_t *file_id,
			   uint32_t *line, const char **path)
{
	const struct hp_pline *best = NULL;
	for (uint32_t i = 0; i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		if (l->func == f && l->file_id && l->line && (!best || l->self > best->self))
			best = l;
	}
	if (best) {
		*file_id = best->file_id;
		*line = best->line;
		*path = best->file;
		return 0;
	}
	if (hottest_call_site(p, f, file_id, line))
		return -ENOENT;
	*path = calltree_file_path(p, *file_id);
	if (!*path)
		*path = p->functions[f].file;
	return 0;
}

/* --- per-line costs of a file --- */

static uint32_t max_line(const struct hp_profile *p, uint32_t file_id)
{
	uint32_t m = 0;
	for (uint32_t i = 0; i < p->nlines; i++)
		if (p->lines[i].file_id == file_id && p->lines[i].line > m)
			m = p->lines[i].line;
	for (uint32_t s = 0; s < p->nstacks; s++)
		for (uint32_t i = 0; i < p->stacks[s].nframes; i++)
			if (p->stacks[s].files[i] == file_id && p->stacks[s].lines[i] > m)
				m = p->stacks[s].lines[i];
	return m;
}

static void add_self(const struct hp_profile *p, struct hp_file_costs *fc)
{
	for (uint32_t i = 0; i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		if (l->file_id != fc->file_id)
			continue;
		struct hp_line_cost *lc = &fc->lines[l->line];
		lc->self += l->self;
		fc->self += l->self;
		for (uint32_t e = 0; e < p->nevents; e++)
			lc->c[e] += l->c[e];
		if (l->line && (!fc->hottest || lc->self > fc->lines[fc->hottest].self))
			fc->hottest = l->line;
	}
}

/* Each line of the file counts a stack's samples once, however often it
 * appears in the stack (recursion); mark[] holds the stack last counted. */
static void add_totals(const struct hp_profile *p, struct hp_file_costs *fc, uint32_t *mark)
{
	for (uint32_t s = 0; s < p->nstacks; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		int in_file = 0;
		for (uint32_t i = 0; i < st->nframes; i++) {
			if (st->files[i] != fc->file_id)
				continue;
			in_file = 1;
			if (mark[st->lines[i]] != s + 1) {
				mark[st->lines[i]] = s + 1;
				fc->lines[st->lines[i]].total += st->samples;
			}
		}
		if (in_file)
			fc->total += st->samples;
	}
}

int calltree_file_costs(const struct hp_profile *p, uint32_t file_id, struct hp_file_costs **out)
{
	struct hp_file_costs *fc = calloc(1, sizeof(*fc));
	uint32_t *mark = NULL;
	int64_t *cbuf = NULL;
	if (!fc)
		return -ENOMEM;
	fc->file_id = file_id;
	fc->nlines = max_line(p, file_id) + 1;
	fc->lines = calloc(fc->nlines, sizeof(*fc->lines));
	mark = calloc(fc->nlines, sizeof(*mark));
	if (p->nevents)
		cbuf = calloc((size_t)fc->nlines * p->nevents, sizeof(*cbuf));
	if (!fc->lines || !mark || (p->nevents && !cbuf)) {
		free(mark);
		free(cbuf);
		calltree_file_costs_free(fc);
		return -ENOMEM;
	}
	fc->priv = cbuf;
	for (uint32_t l = 0; l < fc->nlines; l++)
		fc->lines[l].c = cbuf ? cbuf + (size_t)l * p->nevents : NULL;
	add_self(p, fc);
	add_totals(p, fc, mark);
	free(mark);
	*out = fc;
	return 0;
}

void calltree_file_costs_free(struct hp_file_costs *fc)
{
	if (!fc)
		return;
	free(fc->priv);
	free(fc->lines);
	free(fc);
}

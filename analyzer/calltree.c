/*
 * calltree.c - top-down and bottom-up call-path trees (calltree.h).
 *
 * Takes a loaded hp_profile (its stacks[] and functions[]) and produces an
 * hp_calltree; reads no database. Building is one pass over the distinct
 * stacks with a hash map from (parent, function) to child, then one sort
 * that links siblings heaviest first.
 */
#include "analyzer/calltree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/satarith.h"

struct tree_priv {
	struct hp_hmap children;      /* hmap_key2(parent + 1, func + 1) -> node */
	int64_t *cbuf;                /* nnodes * nevents counter sums */
	size_t cap;                   /* nodes[] capacity, in nodes */
	size_t cbuf_cap;              /* cbuf capacity, in nodes */
};

struct builder {
	const struct hp_profile *p;
	struct hp_calltree *t;
	struct tree_priv *pv;
	uint32_t *seq;                /* functions of the path being inserted */
	uint32_t *frame;              /* seq[i] is s->func[frame[i]] */
};

void calltree_opts_init(struct hp_calltree_opts *o)
{
	o->kind = HP_CALLTREE_TOP_DOWN;
	o->focus_func = HP_CT_NONE;
	o->leaf_line = HP_CT_NONE;
	o->weighted_only = 0;
	o->weight = -1;
	o->sort_by_weight = 0;
	o->on_frame = NULL;
	o->ctx = NULL;
}

static int grow(struct hp_calltree *t, struct tree_priv *pv)
{
	size_t old = pv->cbuf_cap;
	if (hp_grow((void **)&t->nodes, &pv->cap, t->nnodes + 1, sizeof(*t->nodes)))
		return -ENOMEM;
	if (!t->nevents)
		return 0;
	if (hp_grow((void **)&pv->cbuf, &pv->cbuf_cap, pv->cap, t->nevents * sizeof(*pv->cbuf)))
		return -ENOMEM;
	memset(pv->cbuf + old * t->nevents, 0,
	       (pv->cbuf_cap - old) * t->nevents * sizeof(*pv->cbuf));
	return 0;
}

static uint32_t new_node(struct hp_calltree *t, struct tree_priv *pv, uint32_t parent,
			 uint32_t func)
{
	if (grow(t, pv))
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
		d[e] = hp_add_sat(d[e], c[e]);
}

/* Insert seq[0..n) below the root, adding s's samples and counters. */
static int insert(struct builder *b, const struct hp_calltree_opts *o, const struct hp_pstack *s,
		  uint32_t n)
{
	struct hp_calltree *t = b->t;
	uint32_t node = 0;
	int err;
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
		if (o->on_frame && (err = o->on_frame(o->ctx, node, s, b->frame[i])))
			return err;
	}
	if (t->kind == HP_CALLTREE_TOP_DOWN && n)
		t->nodes[node].self += s->samples;
	return 0;
}

/* Whether the stack is only in the profile for its allocation weights
 * (profile.h): those trees are asked for by weight; a samples tree leaves
 * such stacks out. */
static int alloc_only(const struct hp_profile *p, const struct hp_pstack *s)
{
	int any = 0;
	for (uint32_t e = 0; s->c && e < p->nevents; e++) {
		if (!s->c[e])
			continue;
		if (strcmp(p->events[e].role, "alloc"))
			return 0;
		any = 1;
	}
	return any;
}

/* The path of stack s in tree order, into b->seq (and b->frame); returns
 * its length, or -1 when the stack is not selected by o. */
static int path_of(const struct builder *b, const struct hp_pstack *s,
		   const struct hp_calltree_opts *o)
{
	uint32_t n = s->nframes, k = 0;
	if (o->leaf_line != HP_CT_NONE && s->leaf_line != o->leaf_line)
		return -1;
	if (o->weighted_only && profile_stack_weight(s, o->weight) <= 0)
		return -1;
	if (!o->weighted_only && !s->samples && alloc_only(b->p, s))
		return -1;
	if (o->kind == HP_CALLTREE_TOP_DOWN) {
		uint32_t from = 0;
		if (o->focus_func != HP_CT_NONE) {
			while (from < n && s->func[from] != o->focus_func)
				from++;
			if (from == n)
				return -1;
		}
		for (uint32_t i = from; i < n; i++, k++) {
			b->seq[k] = s->func[i];
			b->frame[k] = i;
		}
	} else {
		/* the callers of a line start at its frame: the kernel functions
		 * it entered are beneath it, not its callers */
		uint32_t from = o->leaf_line != HP_CT_NONE && n ? s->user_leaf + 1 : n;
		if (o->focus_func != HP_CT_NONE) {
			while (from > 0 && s->func[from - 1] != o->focus_func)
				from--;
			if (from == 0)
				return -1;
		}
		for (uint32_t i = from; i-- > 0; k++) {
			b->seq[k] = s->func[i];
			b->frame[k] = i;
		}
	}
	return (int)k;
}

struct sort_ctx {
	const struct hp_profile *p;
	const struct hp_cnode *nodes;
	int col;                      /* order by c[col]; -1: by samples */
};

static int by_parent_weight(const void *a, const void *b, void *ctx)
{
	const struct sort_ctx *s = ctx;
	const struct hp_cnode *x = &s->nodes[*(const uint32_t *)a];
	const struct hp_cnode *y = &s->nodes[*(const uint32_t *)b];
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (s->col >= 0 && x->c[s->col] != y->c[s->col])
		return x->c[s->col] > y->c[s->col] ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	int c = strcmp(s->p->functions[x->func].name, s->p->functions[y->func].name);
	return c ? c : (*(const uint32_t *)a > *(const uint32_t *)b) -
		       (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* Link every node's children heaviest first. */
static int link_children(const struct hp_profile *p, struct hp_calltree *t, int col)
{
	uint32_t n = t->nnodes - 1;
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	struct sort_ctx s = { p, t->nodes, col };
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
	struct builder b = { p, t, pv, NULL, NULL };
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
	b.seq = malloc(maxf * sizeof(*b.seq));
	b.frame = malloc(maxf * sizeof(*b.frame));
	if (!b.seq || !b.frame || new_node(t, pv, HP_CT_NONE, HP_CT_NONE))
		goto fail;
	for (uint32_t i = 0; i < p->nstacks; i++) {
		int n = path_of(&b, &p->stacks[i], o);
		if (n >= 0 && (err = insert(&b, o, &p->stacks[i], (uint32_t)n)))
			goto fail;
	}
	for (uint32_t i = 0; i < t->nnodes; i++)
		t->nodes[i].c = t->nevents ? pv->cbuf + (size_t)i * t->nevents : NULL;
	if ((err = link_children(p, t, o->sort_by_weight && o->weight >= 0 &&
				 (uint32_t)o->weight < t->nevents ? o->weight : -1)))
		goto fail;
	free(b.seq);
	free(b.frame);
	*out = t;
	return 0;
fail:
	free(b.seq);
	free(b.frame);
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

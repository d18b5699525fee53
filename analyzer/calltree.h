/*
 * calltree.h - the call-path tree of a profile's stacks (profile.h): the
 * one tree behind the browser's call tree and flame graph and the SVG flame
 * graph export; presentation code only walks the result.
 *
 * Top-down: the roots are the outermost frames (main, thread starts) and a
 * node's children are its callees; total = samples whose stack has this
 * path, self = samples whose innermost frame ends this path (stacks.h).
 * Bottom-up: the roots are the functions where samples landed and a node's
 * children are its callers; total = samples whose stack ends (innermost
 * first) with this path; self is only set on the first level (= total).
 * A path is a sequence of frames, so a recursive function is a new node at
 * each level and every node counts a sample once.
 *
 * A tree always has one synthetic root node (index 0, func HP_CT_NONE) that
 * holds all the selected samples. Children are ordered heaviest first (ties
 * by function name), so the first child is the hottest path. Nodes are
 * numbered in the order they were first reached (stacks in profile order,
 * frames outermost first for top-down).
 */
#ifndef HP_CALLTREE_H
#define HP_CALLTREE_H

#include <stdint.h>

struct hp_profile;

#define HP_CT_NONE UINT32_MAX

struct hp_cnode {
	uint32_t func;                /* index into profile->functions[]; HP_CT_NONE: the root */
	uint32_t parent;              /* node index; HP_CT_NONE for the root */
	uint32_t first_child;         /* heaviest child; HP_CT_NONE for a leaf */
	uint32_t next_sibling;        /* next lighter sibling; HP_CT_NONE at the end */
	uint32_t nchildren;
	uint32_t depth;               /* root = 0 */
	uint64_t self, total;         /* main-sampler samples (see above) */
	int64_t *c;                   /* [profile->nevents] counter sums of total, or NULL */
};

enum hp_calltree_kind { HP_CALLTREE_TOP_DOWN, HP_CALLTREE_BOTTOM_UP };

struct hp_pstack;

struct hp_calltree_opts {
	enum hp_calltree_kind kind;
	/* Focus on one function (HP_CT_NONE: all stacks). Top-down: the tree
	 * of its callees, from its outermost occurrence in each stack. Bottom-up:
	 * the tree of its callers, from its innermost occurrence. */
	uint32_t focus_func;
	/* Only stacks whose line (their innermost user frame's: hp_pstack's
	 * leaf_line) is profile->lines[leaf_line] (HP_CT_NONE: all). With
	 * bottom-up this gives "who calls this line", from the line's frame. */
	uint32_t leaf_line;
	/* With weighted_only: only stacks with a positive weight in column
	 * weight (profile_weight_column: -1 samples, else an event index). */
	int weighted_only;
	int weight;
	/* Order children by column weight (heaviest first) instead of samples:
	 * for trees weighed by a counter or by allocations. */
	int sort_by_weight;
	/* Called, when set, for each frame of each stack as it is added: node
	 * is where frame s->frames[k] landed. A non-zero return (a negative
	 * error) stops the build and is returned by calltree_build. */
	int (*on_frame)(void *ctx, uint32_t node, const struct hp_pstack *s, uint32_t k);
	void *ctx;
};

struct hp_calltree {
	enum hp_calltree_kind kind;
	struct hp_cnode *nodes;       /* nodes[0] is the root */
	uint32_t nnodes;
	uint32_t nevents;             /* length of every node's c[] */
	void *priv;
};

/* Default options: top-down, no focus, every stack, no callback. */
void calltree_opts_init(struct hp_calltree_opts *o);

/* Build a tree of p's stacks. *out is owned by the caller (calltree_free);
 * it does not point into p, but its func indices are only meaningful for p.
 * Returns 0, -ENOMEM, or the error of o->on_frame. */
int calltree_build(const struct hp_profile *p, const struct hp_calltree_opts *o,
		   struct hp_calltree **out);
void calltree_free(struct hp_calltree *t);

/* Node index of the child of parent for function func, or HP_CT_NONE. */
uint32_t calltree_child(const struct hp_calltree *t, uint32_t parent, uint32_t func);

#endif

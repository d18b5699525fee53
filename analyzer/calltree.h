/*
 * calltree.h - call trees and per-line call-path costs built from a
 * profile's stacks (profile.h), for the browser's tree, flame graph and
 * source views; presentation code only walks the result.
 *
 * Top-down: the roots are the outermost frames (main, thread starts) and a
 * node's children are its callees; total = samples whose stack has this
 * path, self = samples whose innermost frame ends this path.
 * Bottom-up: the roots are the functions where samples landed and a node's
 * children are its callers; total = samples whose stack ends (innermost
 * first) with this path; self is only set on the first level (= total).
 *
 * A tree always has one synthetic root node (index 0, func HP_CT_NONE) that
 * holds all the selected samples. Children are ordered heaviest first (ties
 * by function name), so the first child is the hottest path.
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

struct hp_calltree_opts {
	enum hp_calltree_kind kind;
	/* Focus on one function (HP_CT_NONE: all stacks). Top-down: the tree
	 * of its callees, from its outermost occurrence in each stack. Bottom-up:
	 * the tree of its callers, from its innermost occurrence. */
	uint32_t focus_func;
	/* Only stacks whose innermost frame is profile->lines[leaf_line]
	 * (HP_CT_NONE: all). With bottom-up this gives "who calls this line". */
	uint32_t leaf_line;
};

struct hp_calltree {
	enum hp_calltree_kind kind;
	struct hp_cnode *nodes;       /* nodes[0] is the root */
	uint32_t nnodes;
	uint32_t nevents;             /* length of every node's c[] */
	void *priv;
};

/* Default options: top-down, no focus. */
void calltree_opts_init(struct hp_calltree_opts *o);

/* Build a tree of p's stacks. *out is owned by the caller (calltree_free);
 * it does not point into p, but its func indices are only meaningful for p.
 * Returns 0 or -ENOMEM. */
int calltree_build(const struct hp_profile *p, const struct hp_calltree_opts *o,
		   struct hp_calltree **out);
void calltree_free(struct hp_calltree *t);

/* Node index of the child of parent for function func, or HP_CT_NONE. */
uint32_t calltree_child(const struct hp_calltree *t, uint32_t parent, uint32_t func);

/* Where function f (an index into p->functions[]) spends its samples: the
 * line with the most self samples, else the call site in f through which
 * most samples pass. Sets *file_id, *line and *path (owned by p; NULL when
 * only the id is known). Returns 0, or -ENOENT when f has no line
 * information. */
int calltree_function_line(const struct hp_profile *p, uint32_t f, uint32_t *file_id,
			   uint32_t *line, const char **path);

/* Path of a file id seen in p's lines, or NULL. */
const char *calltree_file_path(const struct hp_profile *p, uint32_t file_id);
/* File id of path in p's lines, or 0 when no line of p is in that file. */
uint32_t calltree_file_id(const struct hp_profile *p, const char *path);

/* Costs of one source line of a file. */
struct hp_line_cost {
	uint64_t self;                /* samples with this line innermost (all functions) */
	uint64_t total;               /* samples with this line anywhere in the stack, once each */
	int64_t *c;                   /* [nevents] counter sums of self, or NULL */
};

struct hp_file_costs {
	uint32_t file_id;
	uint32_t nlines;              /* lines[0..nlines): indexed by line number (0 unused) */
	struct hp_line_cost *lines;
	uint64_t self, total;         /* sums over the file (total: once per sample) */
	uint32_t hottest;             /* line number with the most self, 0 if none */
	void *priv;
};

/* Per-line self and call-path totals of file_id (profile->lines[].file_id)
 * from p's lines and stacks. *out is owned by the caller
 * (calltree_file_costs_free). Returns 0 or -ENOMEM. */
int calltree_file_costs(const struct hp_profile *p, uint32_t file_id, struct hp_file_costs **out);
void calltree_file_costs_free(struct hp_file_costs *fc);

#endif

/*
 * difftree.h - the call-path tree of a profile with each path's time in a
 * second profile beside it: what a differential flame graph draws (the
 * TUI's flame graph with --diff, `export --format svg --diff`).
 *
 * The tree is the AFTER profile's (calltree.h, top-down: the one call
 * tree); each node is matched to the same path in the BEFORE profile's
 * tree, function by function (name and module basename, the program
 * itself whatever its file is called, as diff.h joins rows). A node's
 * change is its self time's, judged as diff.h judges a row with one run
 * per side: the binomial sampling error of its samples, the paths tested
 * together (alpha / paths judged, Bonferroni), the threshold in percent of
 * the before time, and paths under min_samples on both sides left neutral.
 * So a frame is coloured only when its own time moved beyond the noise, as
 * Brendan Gregg's difffolded colours by the change of a frame's own
 * samples. A path only in BEFORE is not in the tree (it has no width in
 * AFTER): swap the profiles to see it.
 */
#ifndef HP_DIFFTREE_H
#define HP_DIFFTREE_H

#include <stdint.h>

#include "analyzer/calltree.h"
#include "analyzer/diff.h"

struct hp_diffnode {
	uint32_t before_node;         /* the same path in the before tree, or HP_CT_NONE */
	double before_self, after_self;     /* time of the path's own samples */
	double before_total, after_total;   /* with callees */
	uint64_t before_nself, after_nself; /* samples */
	double before_neff, after_neff;     /* their effective count (diff.h: = the samples
					     * unless a merge of runs at different rates) */
	struct hp_diff_change change; /* of the self time (ci at the paths' level) */
	int verdict;                  /* -1 faster, 0 same or not judged, +1 slower */
	double intensity;             /* |change.delta| / the largest |delta| judged, 0..1 */
};

struct hp_difftree {
	struct hp_calltree *after;    /* the tree drawn: nodes[i] <-> diff[i] */
	struct hp_calltree *before;
	struct hp_diffnode *diff;
	enum hp_diff_time_basis basis;  /* seconds, or samples */
	double before_time, after_time; /* all samples */
	uint32_t judged;              /* paths tested */
	double node_alpha;
};

/* Build the tree of after (o: its options, callbacks included; NULL =
 * top-down, every stack; bottom-up trees are refused with -EINVAL), match
 * before's, judge each node with dopts' threshold, alpha and min_samples
 * (NULL = diff_opts_init). *out is owned by the caller (difftree_free).
 * Returns 0, -EINVAL, -ENOMEM or the error of o->on_frame. */
int difftree_build(const struct hp_profile *before, const struct hp_profile *after,
		   const struct hp_calltree_opts *o, const struct hp_diff_opts *dopts,
		   struct hp_difftree **out);
void difftree_free(struct hp_difftree *t);

#endif

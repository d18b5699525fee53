/*
 * difftree.c - the after profile's call-path tree with the before
 * profile's times beside each node (difftree.h).
 *
 * Takes two hp_profile models; builds both call trees with calltree.c,
 * maps each after node to the same path of the before tree by the join key
 * of its function (diff_function_key), and judges each node's self time
 * with diff.h's test (diff_judge_change: one run per side, binomial
 * sampling error; of a merge of runs at different rates, the bound of its
 * weighted sum's, diff_weighted_counts; the kernel's nodes with the
 * machine's run-to-run spread, as diff's kernel rows). Produces per-node times and a verdict; draws nothing.
 */
#include "analyzer/difftree.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff_internal.h"
#include "analyzer/profile.h"
#include "common/hmap.h"

/* fmap[i]: the before function joined with after function i, or HP_CT_NONE. */
static uint32_t *function_map(const struct hp_profile *before, const struct hp_profile *after)
{
	uint32_t *fmap = malloc((after->nfunctions + 1) * sizeof(*fmap));
	struct hp_hmap index;
	char key[4096], other[4096];
	int err = !fmap;
	hmap_init(&index);
	for (uint32_t i = 0; i < before->nfunctions && !err; i++) {
		diff_function_key(before, &before->functions[i], key, sizeof(key));
		uint64_t h = hmap_str_key(key), v;
		for (uint64_t k = 1; hmap_get(&index, h, &v); k++)
			h = hmap_key2(h, k);         /* a collision or the same key again */
		err = hmap_put(&index, h, i);
	}
	for (uint32_t i = 0; i < after->nfunctions && !err; i++) {
		diff_function_key(after, &after->functions[i], key, sizeof(key));
		uint64_t h = hmap_str_key(key), v;
		fmap[i] = HP_CT_NONE;
		for (uint64_t k = 1; hmap_get(&index, h, &v); h = hmap_key2(h, k++)) {
			diff_function_key(before, &before->functions[v], other, sizeof(other));
			if (!strcmp(key, other)) {
				fmap[i] = (uint32_t)v;
				break;
			}
		}
	}
	hmap_release(&index);
	if (err) {
		free(fmap);
		return NULL;
	}
	return fmap;
}

/* Self and total time of node i of tree t (of profile p), and the
 * effective samples of its self (diff_effective; no samples per run in a
 * tree node: bounded by the longest period). */
static void node_times(const struct hp_profile *p, const struct hp_calltree *t, uint32_t i,
		       enum hp_diff_time_basis basis, double *self, double *total, double *neff)
{
	const struct hp_cnode *n = &t->nodes[i];
	double w1, w2;
	*total = diff_time_of(p, basis, n->total, n->c);
	if ((basis != HP_DIFF_TIME_TASK_CLOCK && p->cpu_col < 0) || !n->c) {
		*self = diff_time_of(p, basis, n->self, NULL);
		*neff = (double)n->self;
		return;
	}
	/* top-down: a node's own counters are its total less its children's */
	int64_t c[p->nevents ? p->nevents : 1];
	memcpy(c, n->c, p->nevents * sizeof(*c));
	for (uint32_t k = n->first_child; k != HP_CT_NONE; k = t->nodes[k].next_sibling)
		for (uint32_t e = 0; e < p->nevents; e++)
			c[e] -= t->nodes[k].c[e];
	*self = diff_time_of(p, basis, n->self, c);
	diff_weighted_counts(p, n->self, NULL, c, &w1, &w2);
	*neff = diff_effective(p, n->self, w1, w2);
}

static void match(struct hp_difftree *dt, const struct hp_profile *before,
		  const struct hp_profile *after, const uint32_t *fmap)
{
	struct hp_calltree *a = dt->after, *b = dt->before;
	for (uint32_t i = 0; i < a->nnodes; i++) {
		struct hp_diffnode *d = &dt->diff[i];
		uint32_t parent = a->nodes[i].parent, f = a->nodes[i].func;
		if (!i)
			d->before_node = 0;
		else if (dt->diff[parent].before_node == HP_CT_NONE || fmap[f] == HP_CT_NONE)
			d->before_node = HP_CT_NONE;
		else      /* nodes are numbered after their parents */
			d->before_node = calltree_child(b, dt->diff[parent].before_node, fmap[f]);
		node_times(after, a, i, dt->basis, &d->after_self, &d->after_total, &d->after_neff);
		d->after_nself = a->nodes[i].self;
		if (d->before_node != HP_CT_NONE) {
			node_times(before, b, d->before_node, dt->basis, &d->before_self,
				   &d->before_total, &d->before_neff);
			d->before_nself = b->nodes[d->before_node].self;
		}
	}
}

/* Judge every node's self time as a diff judges a row of one run per side. */
static void judge(struct hp_difftree *dt, const struct hp_profile *before,
		  const struct hp_profile *after, const struct hp_diff_opts *o)
{
	struct hp_diff d;
	memset(&d, 0, sizeof(d));
	d.opts = *o;
	d.before.runs = d.after.runs = 1;
	d.before.samples.mean = (double)before->nsamples;
	d.after.samples.mean = (double)after->nsamples;
	d.before.neff.mean = diff_run_neff(before);
	d.after.neff.mean = diff_run_neff(after);
	double max = 0;
	for (uint32_t i = 1; i < dt->after->nnodes; i++) {
		const struct hp_diffnode *n = &dt->diff[i];
		dt->judged += !(o->min_samples > 0 && (double)n->before_nself < o->min_samples &&
				(double)n->after_nself < o->min_samples);
	}
	dt->node_alpha = o->alpha / (dt->judged ? dt->judged : 1);
	for (uint32_t i = 1; i < dt->after->nnodes; i++) {
		struct hp_diffnode *n = &dt->diff[i];
		struct hp_diff_stat b = { n->before_self, 0 }, a = { n->after_self, 0 };
		const char *module = after->functions[dt->after->nodes[i].func].module;
		diff_judge_change(&d, dt->node_alpha, b, a, n->before_neff, n->after_neff,
				  diff_module_pool(module), &n->change);
		int minor = o->min_samples > 0 && (double)n->before_nself < o->min_samples &&
			    (double)n->after_nself < o->min_samples;
		n->verdict = minor || !n->change.beyond ? 0 : n->change.delta > 0 ? 1 : -1;
		if (n->verdict)
			max = fmax(max, fabs(n->change.delta));
	}
	for (uint32_t i = 1; i < dt->after->nnodes; i++)
		if (dt->diff[i].verdict && max > 0)
			dt->diff[i].intensity = fabs(dt->diff[i].change.delta) / max;
}

/* The CPU time of all of p's samples. */
static double profile_time(const struct hp_profile *p, enum hp_diff_time_basis basis)
{
	int64_t sums[p->nevents ? p->nevents : 1];
	profile_stack_sums(p, sums);
	return diff_time_of(p, basis, p->nsamples, sums);
}

int difftree_build(const struct hp_profile *before, const struct hp_profile *after,
		   const struct hp_calltree_opts *o, const struct hp_diff_opts *dopts,
		   struct hp_difftree **out)
{
	struct hp_calltree_opts plain;
	struct hp_diff_opts defaults;
	const struct hp_profile *both[2] = { before, after };
	struct hp_difftree *dt = calloc(1, sizeof(*dt));
	uint32_t *fmap = NULL;
	int err = -ENOMEM;
	calltree_opts_init(&plain);
	if (!dopts) {
		diff_opts_init(&defaults);
		dopts = &defaults;
	}
	if (!o)
		o = &plain;
	if (o->kind != HP_CALLTREE_TOP_DOWN) {
		free(dt);
		return -EINVAL;
	}
	if (!dt)
		return -ENOMEM;
	dt->basis = diff_pick_basis(both, 2);
	if ((err = calltree_build(after, o, &dt->after)) ||
	    (err = calltree_build(before, &plain, &dt->before)))
		goto fail;
	err = -ENOMEM;
	if (!(dt->diff = calloc(dt->after->nnodes, sizeof(*dt->diff))) ||
	    !(fmap = function_map(before, after)))
		goto fail;
	match(dt, before, after, fmap);
	judge(dt, before, after, dopts);
	dt->before_time = profile_time(before, dt->basis);
	dt->after_time = profile_time(after, dt->basis);
	free(fmap);
	*out = dt;
	return 0;
fail:
	free(fmap);
	difftree_free(dt);
	return err;
}

void difftree_free(struct hp_difftree *t)
{
	if (!t)
		return;
	calltree_free(t->after);
	calltree_free(t->before);
	free(t->diff);
	free(t);
}

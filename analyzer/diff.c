/*
 * diff.c - compare two sides of profiles, function by function or line by
 * line (diff.h). Printing lives in diff_format.c.
 *
 * Takes hp_profile models (one or more runs per side) and produces an
 * hp_diff: rows keyed by function (name + module basename) or by line
 * (file + line), with per-run values (CPU time and samples, self and
 * total; shares of the profile; counters), times and counters normalized
 * (diff.h), reduced to mean and run-to-run standard deviation per side,
 * then judged (diff_judge.c).
 *
 * Steps: collect entries from every run (hash of the key string), pair
 * lines that moved by a few lines, reduce, judge, sort. The result owns
 * copies of every string, so the profiles may be freed after.
 */
#include "analyzer/diff.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/arena.h"
#include "analyzer/diff_internal.h"
#include "analyzer/profile.h"
#include "analyzer/stats.h"
#include "common/grow.h"
#include "common/hmap.h"

#define SHIFT_LINES 3        /* a vanished and an appeared line this close are one line */

/* Values of an entry per run: then nc counters self, nc counters total.
 * W1, W2: the sums of its sampling error (diff_weighted_counts). */
enum { V_SELF_PCT, V_TOTAL_PCT, V_SELF_T, V_TOTAL_T, V_SELF_N, V_TOTAL_N, V_SELF_W1, V_SELF_W2,
       V_TOTAL_W1, V_TOTAL_W2, V_COUNTERS };

/* One row in the making: values of every run, before runs first. */
struct entry {
	char *key;
	char *name, *module, *file;
	char *fkey;              /* lines: function + file key, for pairing moved lines */
	uint32_t line, before_line;
	double best_self;        /* lines: samples of the function that names the line */
	double *v;               /* [nruns * nv] */
	unsigned char *present;  /* [nruns] */
	int dead;                /* merged into a moved line */
	int named_after;         /* name and module come from an after run */
};

struct priv {
	struct hp_arena strs;    /* every string handed out */
	struct hp_diff_stat *stats;   /* counter columns of all rows */
};

struct build {
	struct hp_diff *d;
	struct priv *pv;
	const struct hp_profile *const *runs;  /* before runs, then after runs */
	unsigned nb, na, nruns;
	uint32_t nc, nv;                       /* counters; values per run and entry */
	int (*ev)[64];                         /* [run][counter] -> index in that run's events */
	double *norm;                          /* [run] factor of times and counters */
	const double *work;                    /* [run] work counts (HP_DIFF_PER_WORK) */
	struct hp_hmap index;                  /* hash(key) -> entry */
	struct entry *e;
	uint32_t ne;
	size_t cap;
	struct hp_hmap file_keys;              /* hash(path) -> index into fk_key */
	char **fk_key;
	uint32_t nfk;
	size_t fk_cap;
	int err;
};

/* --- strings --- */

/* A copy of s owned by the diff (its arena, freed by diff_free). */
static char *keep(struct priv *pv, const char *s)
{
	return arena_strdup(&pv->strs, s);
}

/* --- statistics --- */

static struct hp_diff_stat reduce(const double *v, unsigned n, unsigned stride)
{
	struct hp_diff_stat s = { 0 };
	stats_mean_sd(v, n, stride, &s.mean, &s.sd);
	return s;
}

/* --- counters both sides measured --- */

static int measured_in(const struct hp_profile *p, const char *name)
{
	int e = profile_event_index(p, name);
	return e >= 0 && p->events[e].measured ? e : -1;
}

static int pick_counters(struct build *b)
{
	const struct hp_profile *first = b->runs[0];
	b->ev = calloc(b->nruns, sizeof(*b->ev));
	b->d->counters = calloc(first->nevents ? first->nevents : 1, sizeof(*b->d->counters));
	if (!b->ev || !b->d->counters)
		return -ENOMEM;
	for (uint32_t e = 0; e < first->nevents && b->nc < 64; e++) {
		int all = 1;
		for (unsigned r = 0; r < b->nruns && all; r++)
			all = (b->ev[r][b->nc] = measured_in(b->runs[r], first->events[e].name)) >= 0;
		if (!all)
			continue;
		struct hp_diff_counter *c = &b->d->counters[b->nc];
		c->rows = 1;
		for (unsigned r = 0; r < b->nruns; r++)
			c->rows &= b->runs[r]->events[b->ev[r][b->nc]].rows;
		b->nc++;
		c->name = keep(b->pv, first->events[e].name);
		/* a whole-run total in some run: compared as a total on both sides */
		c->role = keep(b->pv, c->rows ? first->events[e].role : "total");
		if (!c->name || !c->role)
			return -ENOMEM;
	}
	b->d->ncounters = b->nc;
	b->nv = V_COUNTERS + 2 * b->nc;
	return 0;
}

static double run_seconds(const struct hp_profile *p)
{
	double secs = (double)p->duration_ns / 1e9;
	return secs > 0 ? secs : (double)(p->t_last - p->t_first) / 1e9;
}

/* Factors that normalize the times and counters of each run. */
static int norm_factors(struct build *b)
{
	if (!(b->norm = calloc(b->nruns, sizeof(*b->norm))))
		return -ENOMEM;
	for (unsigned r = 0; r < b->nruns; r++) {
		const struct hp_profile *p = b->runs[r];
		double secs = run_seconds(p), f = 1;
		switch (b->d->opts.norm) {
		case HP_DIFF_PER_SECOND:
			f = secs > 0 ? 1 / secs : 1;
			break;
		case HP_DIFF_PER_SAMPLE:
			f = p->nsamples ? 1.0 / (double)p->nsamples : 0;
			break;
		case HP_DIFF_PER_WORK:
			if (!b->work || !(b->work[r] > 0))
				return -EINVAL;
			f = 1 / b->work[r];
			break;
		default:
			break;
		}
		b->norm[r] = f;
	}
	return 0;
}

/* --- entries --- */

static struct entry *entry_of(struct build *b, const char *key)
{
	uint64_t h = hmap_str_key(key), v;
	for (uint64_t attempt = 1;; attempt++) {
		if (!hmap_get(&b->index, h, &v))
			break;
		if (!strcmp(b->e[v].key, key))
			return &b->e[v];
		h = hmap_key2(h, attempt);
	}
	if (hp_grow((void **)&b->e, &b->cap, (size_t)b->ne + 1, sizeof(*b->e)))
		return NULL;
	struct entry *e = &b->e[b->ne];
	memset(e, 0, sizeof(*e));
	e->key = keep(b->pv, key);
	e->v = calloc((size_t)b->nruns * b->nv, sizeof(double));
	e->present = calloc(b->nruns, 1);
	if (!e->key || !e->v || !e->present || hmap_put(&b->index, h, b->ne))
		return NULL;
	b->ne++;
	return e;
}

/* A function's or line's samples: self and total with their counter sums
 * (the run's event columns) and their samples per run of a merged file
 * (NULL in a recorded profile); lines: total = self. */
struct group {
	uint64_t self, total;
	const int64_t *cself, *ctotal;
	const uint64_t *rself, *rtotal;
};

/* Add one run's values of a function or line to entry e: its shares are
 * of CPU time (profile_share: in a merge of runs at different rates, each
 * sample weighs its run's period). */
static void add_values(struct build *b, unsigned r, struct entry *e, const struct group *g)
{
	const struct hp_profile *p = b->runs[r];
	double *v = e->v + (size_t)r * b->nv, w1, w2;
	const int64_t *cself = g->cself, *ctotal = g->ctotal;
	uint64_t self = g->self, total = g->total;
	enum hp_diff_time_basis basis = b->d->basis;
	v[V_SELF_PCT] += profile_share(p, self, cself);
	v[V_TOTAL_PCT] += profile_share(p, total, ctotal);
	v[V_SELF_T] += diff_time_of(p, basis, self, cself) * b->norm[r];
	v[V_TOTAL_T] += diff_time_of(p, basis, total, ctotal) * b->norm[r];
	v[V_SELF_N] += (double)self;
	v[V_TOTAL_N] += (double)total;
	diff_weighted_counts(p, self, g->rself, cself, &w1, &w2);
	v[V_SELF_W1] += w1;
	v[V_SELF_W2] += w2;
	diff_weighted_counts(p, total, g->rtotal, ctotal, &w1, &w2);
	v[V_TOTAL_W1] += w1;
	v[V_TOTAL_W2] += w2;
	for (uint32_t c = 0; c < b->nc; c++) {
		v[V_COUNTERS + c] += (double)cself[b->ev[r][c]] * b->norm[r];
		v[V_COUNTERS + b->nc + c] += (double)ctotal[b->ev[r][c]] * b->norm[r];
	}
	e->present[r] |= self || total;
	for (uint32_t c = 0; c < b->nc; c++)
		e->present[r] |= cself[b->ev[r][c]] || ctotal[b->ev[r][c]];
}

static int add_function(struct build *b, unsigned r, const struct hp_pfunc *f)
{
	const char *module = stacks_basename(f->module);
	char key[4096];
	diff_function_key(b->runs[r], f, key, sizeof(key));
	struct entry *e = entry_of(b, key);
	if (!e)
		return -ENOMEM;
	if (!e->name || (r >= b->nb && !e->named_after)) {   /* the after side names it */
		e->named_after = r >= b->nb;
		e->name = keep(b->pv, f->name);
		e->module = keep(b->pv, module);
		e->file = keep(b->pv, f->file);
	}
	add_values(b, r, e, &(struct group){ f->self, f->total, f->cself, f->ctotal, f->rself,
					     f->rtotal });
	return 0;
}

/* --- file keys for lines: the path when both sides know it, else the
 * basename when it is unambiguous, so two checkouts of one program still
 * pair their lines. --- */

/* Note that path was seen on side (0 before, 1 after), and count the
 * distinct paths of each side per basename. */
static int file_key_add(const char *path, unsigned side, struct hp_hmap *seen,
			struct hp_hmap *base_seen)
{
	uint64_t v = 0, h = hmap_str_key(path), hb = hmap_str_key(stacks_basename(path));
	hmap_get(seen, h, &v);
	if (!(v & (1u << side))) {
		uint64_t bv = 0;
		hmap_get(base_seen, hmap_key2(hb, side), &bv);
		if (hmap_put(base_seen, hmap_key2(hb, side), bv + 1))
			return -ENOMEM;
	}
	return hmap_put(seen, h, v | (1u << side));
}

static int file_keys(struct build *b)
{
	struct hp_hmap seen, base_seen;
	int err = 0;
	hmap_init(&seen);
	hmap_init(&base_seen);
	for (unsigned r = 0; r < b->nruns && !err; r++)
		for (uint32_t i = 0; i < b->runs[r]->nlines && !err; i++)
			if (b->runs[r]->lines[i].file)
				err = file_key_add(b->runs[r]->lines[i].file, r >= b->nb, &seen,
						   &base_seen);
	for (unsigned r = 0; r < b->nruns && !err; r++) {
		char script_buf[256];
		const char *script = diff_script(b->runs[r], script_buf, sizeof(script_buf));
		for (uint32_t i = 0; i < b->runs[r]->nlines && !err; i++) {
			const char *path = b->runs[r]->lines[i].file;
			uint64_t v = 0, h, n0 = 0, n1 = 0, idx;
			if (!path || hmap_get(&b->file_keys, h = hmap_str_key(path), &idx))
				continue;
			hmap_get(&seen, h, &v);
			uint64_t hb = hmap_str_key(stacks_basename(path));
			hmap_get(&base_seen, hmap_key2(hb, 0), &n0);
			hmap_get(&base_seen, hmap_key2(hb, 1), &n1);
			char key[4096];
			if (script && !strcmp(stacks_basename(path), script))
				snprintf(key, sizeof(key), "\001script");  /* as its functions */
			else if (v != 3 && n0 <= 1 && n1 <= 1)
				snprintf(key, sizeof(key), "*/%s", stacks_basename(path));
			else
				snprintf(key, sizeof(key), "%s", path);
			if (hp_grow((void **)&b->fk_key, &b->fk_cap, (size_t)b->nfk + 1,
				    sizeof(*b->fk_key)) ||
			    !(b->fk_key[b->nfk] = keep(b->pv, key))) {
				err = -ENOMEM;
				break;
			}
			err = hmap_put(&b->file_keys, h, b->nfk++);
		}
	}
	hmap_release(&seen);
	hmap_release(&base_seen);
	return err;
}

static const char *file_key(const struct build *b, const char *path)
{
	uint64_t idx, h = hmap_str_key(path);
	/* str_hash collisions between two paths are not resolved here: they
	 * would only merge the key of two files in a diff by line */
	return hmap_get(&b->file_keys, h, &idx) ? b->fk_key[idx] : path;
}

static int add_line(struct build *b, unsigned r, const struct hp_pline *l)
{
	const struct hp_profile *p = b->runs[r];
	const struct hp_pfunc *f = &p->functions[l->func];
	const char *module = stacks_basename(f->module);
	char key[4096], fkey[4096];
	if (l->file && l->line) {
		snprintf(key, sizeof(key), "%s:%u", file_key(b, l->file), l->line);
		snprintf(fkey, sizeof(fkey), "%s\x1f%s", f->name, file_key(b, l->file));
	} else {   /* no line: one row per function */
		snprintf(key, sizeof(key), "?\x1f%s\x1f%s", f->name, diff_join_module(p, module, 0));
		fkey[0] = '\0';
	}
	struct entry *e = entry_of(b, key);
	if (!e)
		return -ENOMEM;
	if (!e->name || (double)l->self > e->best_self) {
		e->best_self = (double)l->self;
		e->name = keep(b->pv, f->name);
		e->module = keep(b->pv, module);
		e->file = keep(b->pv, l->file);
		e->fkey = keep(b->pv, fkey);
		e->line = e->before_line = l->line;
	}
	add_values(b, r, e, &(struct group){ l->self, l->self, l->c, l->c, l->rself, l->rself });
	return 0;
}

static int collect(struct build *b)
{
	int err = 0;
	if (b->d->opts.by == HP_DIFF_LINE && (err = file_keys(b)))
		return err;
	for (unsigned r = 0; r < b->nruns && !err; r++) {
		const struct hp_profile *p = b->runs[r];
		if (b->d->opts.by == HP_DIFF_FUNCTION)
			for (uint32_t i = 0; i < p->nfunctions && !err; i++)
				err = add_function(b, r, &p->functions[i]);
		else
			for (uint32_t i = 0; i < p->nlines && !err; i++)
				err = add_line(b, r, &p->lines[i]);
	}
	return err;
}

/* --- moved lines --- */

static int on_side(const struct build *b, const struct entry *e, int after)
{
	unsigned from = after ? b->nb : 0, to = after ? b->nruns : b->nb;
	for (unsigned r = from; r < to; r++)
		if (e->present[r])
			return 1;
	return 0;
}

struct pair {
	uint32_t gone, added, dist;
	int offset;              /* line after - line before */
	double mass;             /* samples the pair would match: min of the two sides */
	double support;          /* mass of the candidate pairs of its function with this offset */
};

/* An edit moves a block of lines by one offset. Each candidate pair votes
 * for its offset with the samples it would match, so the hot lines decide
 * and a line of two skid samples next to them cannot: pairs agreeing with
 * the offset holding most of their function's mass go first, then the
 * heaviest, then the closest. */
static int by_support(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;
	if (a->support != b->support)
		return a->support > b->support ? -1 : 1;
	if (a->mass != b->mass)
		return a->mass > b->mass ? -1 : 1;
	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	if (a->gone != b->gone)
		return a->gone < b->gone ? -1 : 1;
	return (a->added > b->added) - (a->added < b->added);
}

/* Mean total samples of an entry over the runs of one side. */
static double side_samples(const struct build *b, const struct entry *e, int after)
{
	unsigned from = after ? b->nb : 0, to = after ? b->nruns : b->nb;
	double s = 0;
	for (unsigned r = from; r < to; r++)
		s += e->v[(size_t)r * b->nv + V_TOTAL_N];
	return to > from ? s / (to - from) : 0;
}

/* Merge the after-run values of entry `added` into entry `gone`. */
static void merge_moved(struct build *b, struct entry *gone, struct entry *added)
{
	for (unsigned r = b->nb; r < b->nruns; r++) {
		memcpy(gone->v + (size_t)r * b->nv, added->v + (size_t)r * b->nv,
		       b->nv * sizeof(double));
		gone->present[r] = added->present[r];
	}
	gone->line = added->line;
	added->dead = 1;
}

/* Indices of the entries found on one side only (lines with a line number). */
static uint32_t *one_sided(const struct build *b, int after, uint32_t *n)
{
	uint32_t *idx = malloc((b->ne ? b->ne : 1) * sizeof(*idx));
	*n = 0;
	for (uint32_t i = 0; idx && i < b->ne; i++) {
		const struct entry *e = &b->e[i];
		if (e->fkey && e->fkey[0] && on_side(b, e, after) && !on_side(b, e, !after))
			idx[(*n)++] = i;
	}
	return idx;
}

static int pair_moved_lines(struct build *b)
{
	uint32_t ng, na;
	uint32_t *gone = one_sided(b, 0, &ng), *added = one_sided(b, 1, &na);
	struct pair *pairs = NULL;
	size_t n = 0, cap = 0;
	int err = gone && added ? 0 : -ENOMEM;
	for (uint32_t g = 0; g < ng && !err; g++)
		for (uint32_t a = 0; a < na && !err; a++) {
			const struct entry *eg = &b->e[gone[g]], *ea = &b->e[added[a]];
			uint32_t dist = ea->line > eg->line ? ea->line - eg->line : eg->line - ea->line;
			if (dist > SHIFT_LINES || strcmp(ea->fkey, eg->fkey))
				continue;
			if (hp_grow((void **)&pairs, &cap, n + 1, sizeof(*pairs))) {
				err = -ENOMEM;
				break;
			}
			double wg = side_samples(b, eg, 0), wa = side_samples(b, ea, 1);
			pairs[n++] = (struct pair){ gone[g], added[a], dist,
						    (int)ea->line - (int)eg->line,
						    wg < wa ? wg : wa, 0 };
		}
	for (size_t i = 0; i < n && !err; i++)
		for (size_t j = 0; j < n; j++)
			if (pairs[j].offset == pairs[i].offset &&
			    !strcmp(b->e[pairs[j].gone].fkey, b->e[pairs[i].gone].fkey))
				pairs[i].support += pairs[j].mass;
	if (!err && n) {
		/* each line pairs at most once */
		qsort(pairs, n, sizeof(*pairs), by_support);
		for (size_t i = 0; i < n; i++) {
			struct entry *g = &b->e[pairs[i].gone], *a = &b->e[pairs[i].added];
			if (!g->dead && !a->dead && !on_side(b, g, 1))
				merge_moved(b, g, a);
		}
	}
	free(gone);
	free(added);
	free(pairs);
	return err;
}

/* --- rows --- */

/* The effective samples (diff_effective) of the samples at value n_at
 * (V_SELF_N or V_TOTAL_N) with their sums at w_at (V_SELF_W1 or V_TOTAL_W1,
 * then W2), in runs [from, from + n). */
static struct hp_diff_stat reduce_neff(const struct build *b, const struct entry *e, unsigned from,
				       unsigned n, unsigned n_at, unsigned w_at)
{
	double x[n ? n : 1];
	for (unsigned i = 0; i < n; i++) {
		const double *v = e->v + (size_t)(from + i) * b->nv;
		x[i] = diff_effective(b->runs[from + i], (uint64_t)v[n_at], v[w_at], v[w_at + 1]);
	}
	return reduce(x, n, 1);
}

static void make_row(struct build *b, const struct entry *e, struct hp_diff_row *row,
		     struct hp_diff_stat *cstats)
{
	unsigned nb = b->nb, na = b->na, nv = b->nv;
	const double *vb = e->v, *va = e->v + (size_t)nb * nv;
	row->name = e->name;
	row->module = e->module;
	row->file = e->file;
	row->line = e->line;
	row->before_line = e->before_line;
	row->before_self = reduce(vb + V_SELF_PCT, nb, nv);
	row->after_self = reduce(va + V_SELF_PCT, na, nv);
	row->before_total = reduce(vb + V_TOTAL_PCT, nb, nv);
	row->after_total = reduce(va + V_TOTAL_PCT, na, nv);
	row->before_time = reduce(vb + V_SELF_T, nb, nv);
	row->after_time = reduce(va + V_SELF_T, na, nv);
	row->before_ttime = reduce(vb + V_TOTAL_T, nb, nv);
	row->after_ttime = reduce(va + V_TOTAL_T, na, nv);
	row->before_self_samples = reduce(vb + V_SELF_N, nb, nv);
	row->after_self_samples = reduce(va + V_SELF_N, na, nv);
	row->before_samples = reduce(vb + V_TOTAL_N, nb, nv);
	row->after_samples = reduce(va + V_TOTAL_N, na, nv);
	row->before_self_neff = reduce_neff(b, e, 0, nb, V_SELF_N, V_SELF_W1);
	row->after_self_neff = reduce_neff(b, e, nb, na, V_SELF_N, V_SELF_W1);
	row->before_neff = reduce_neff(b, e, 0, nb, V_TOTAL_N, V_TOTAL_W1);
	row->after_neff = reduce_neff(b, e, nb, na, V_TOTAL_N, V_TOTAL_W1);
	row->before_c = cstats;
	row->after_c = cstats + b->nc;
	row->before_ct = cstats + 2 * b->nc;
	row->after_ct = cstats + 3 * b->nc;
	for (uint32_t c = 0; c < b->nc; c++) {
		row->before_c[c] = reduce(vb + V_COUNTERS + c, nb, nv);
		row->after_c[c] = reduce(va + V_COUNTERS + c, na, nv);
		row->before_ct[c] = reduce(vb + V_COUNTERS + b->nc + c, nb, nv);
		row->after_ct[c] = reduce(va + V_COUNTERS + b->nc + c, na, nv);
		if (!b->d->counters[c].rows)      /* a whole-run total: not per row */
			row->before_c[c] = row->after_c[c] = row->before_ct[c] = row->after_ct[c] =
				(struct hp_diff_stat){ NAN, NAN };
	}
	row->in_before = on_side(b, e, 0);
	row->in_after = on_side(b, e, 1);
}

static int cmp_abs(double x, double y)
{
	x = fabs(x);
	y = fabs(y);
	return x == y ? 0 : x > y ? -1 : 1;
}

/* Largest self time change first, then total; minor rows last. Rows of
 * runs simulated instead of sampled (no time) by the change of sim_Ir. */
static int by_delta(const void *x, const void *y, void *ctx)
{
	const struct hp_diff_row *a = x, *b = y;
	const struct hp_diff *d = ctx;
	int k = d->sim_counter;
	int c = (a->verdict == HP_VERDICT_MINOR) - (b->verdict == HP_VERDICT_MINOR);
	if (c || (c = cmp_abs(a->self.delta, b->self.delta)) ||
	    (c = cmp_abs(a->total.delta, b->total.delta)) ||
	    (c = cmp_abs(a->delta_self, b->delta_self)) ||
	    (c = cmp_abs(a->delta_total, b->delta_total)))
		return c;
	if (k >= 0 && (c = cmp_abs(a->after_c[k].mean - a->before_c[k].mean,
				   b->after_c[k].mean - b->before_c[k].mean)))
		return c;
	c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
	if (c)
		return c;
	c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	return c ? c : (a->line > b->line) - (a->line < b->line);
}

static int make_rows(struct build *b)
{
	uint32_t live = 0, k = 0;
	for (uint32_t i = 0; i < b->ne; i++)
		live += !b->e[i].dead;
	b->d->rows = calloc(live ? live : 1, sizeof(*b->d->rows));
	b->pv->stats = calloc((size_t)(live ? live : 1) * 4 * (b->nc ? b->nc : 1),
			      sizeof(*b->pv->stats));
	if (!b->d->rows || !b->pv->stats)
		return -ENOMEM;
	for (uint32_t i = 0; i < b->ne; i++)
		if (!b->e[i].dead) {
			make_row(b, &b->e[i], &b->d->rows[k], b->pv->stats + (size_t)k * 4 * b->nc);
			k++;
		}
	b->d->nrows = k;
	/* every row that gets a faster/slower/same verdict is one more test */
	struct hp_diff *d = b->d;
	d->simulated = b->nruns > 0;
	for (unsigned r = 0; r < b->nruns; r++)
		d->simulated &= profile_simulated_only(b->runs[r]);
	d->sim_counter = -1;
	for (uint32_t c = 0; c < d->ncounters && d->simulated; c++)
		if (!strcmp(d->counters[c].name, "sim_Ir"))
			d->sim_counter = (int)c;
	for (uint32_t i = 0; i < k; i++)
		d->judged += !diff_row_minor(d, &d->rows[i]) && d->rows[i].in_before &&
			     d->rows[i].in_after;
	d->row_alpha = d->opts.alpha / (d->judged ? d->judged : 1);
	int err = diff_pool_spread(d);
	if (err)
		return err;
	for (uint32_t i = 0; i < k; i++)
		diff_judge_row(d, &d->rows[i], d->opts.by == HP_DIFF_FUNCTION);
	qsort_r(b->d->rows, k, sizeof(*b->d->rows), by_delta, d);
	return 0;
}

/* --- the runs as a whole --- */

static double peak_rss(const struct hp_profile *p)
{
	const char *v = profile_meta(p, "peak_rss_bytes");
	double best = v ? strtod(v, NULL) : -1;
	for (uint32_t i = 0; i < p->nprocesses; i++)
		if ((double)p->processes[i].peak_rss > best)
			best = (double)p->processes[i].peak_rss;
	return best > 0 ? best : -1;
}

/* The CPU time of every sample of a run, normalized. */
static double run_time(const struct build *b, unsigned r)
{
	const struct hp_profile *p = b->runs[r];
	int64_t sums[p->nevents ? p->nevents : 1];
	profile_stack_sums(p, sums);
	return diff_time_of(p, b->d->basis, p->nsamples, sums) * b->norm[r];
}

static void summarize_side(struct build *b, struct hp_diff_side *s, unsigned from, unsigned n,
			   const struct hp_diff_allocs *allocs)
{
	double dur[n], smp[n], rss[n], al[n], ab[n], cpu[n], neff[n];
	int rss_known = 1, alloc_known = allocs != NULL;
	for (unsigned i = 0; i < n; i++) {
		const struct hp_profile *p = b->runs[from + i];
		dur[i] = (double)p->duration_ns / 1e9;
		smp[i] = (double)p->nsamples;
		neff[i] = diff_run_neff(p);
		cpu[i] = run_time(b, from + i);
		rss[i] = peak_rss(p);
		rss_known &= rss[i] >= 0;
		al[i] = allocs ? (double)allocs[i].allocs : 0;
		ab[i] = allocs ? (double)allocs[i].bytes : 0;
		alloc_known &= allocs && allocs[i].sites > 0;
	}
	s->runs = n;
	s->duration_s = reduce(dur, n, 1);
	s->samples = reduce(smp, n, 1);
	s->neff = reduce(neff, n, 1);
	s->time = reduce(cpu, n, 1);
	s->peak_rss = rss_known ? reduce(rss, n, 1) : (struct hp_diff_stat){ -1, 0 };
	s->allocs = alloc_known ? reduce(al, n, 1) : (struct hp_diff_stat){ -1, 0 };
	s->alloc_bytes = alloc_known ? reduce(ab, n, 1) : (struct hp_diff_stat){ -1, 0 };
}

static void summarize_counters(struct build *b)
{
	for (uint32_t c = 0; c < b->nc; c++) {
		double v[b->nruns];
		for (unsigned r = 0; r < b->nruns; r++) {
			const struct hp_pevent *ev = &b->runs[r]->events[b->ev[r][c]];
			v[r] = ev->total >= 0 ? (double)ev->total * b->norm[r] : 0;
		}
		b->d->counters[c].before = reduce(v, b->nb, 1);
		b->d->counters[c].after = reduce(v + b->nb, b->na, 1);
	}
}

/* --- API --- */

void diff_opts_init(struct hp_diff_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->by = HP_DIFF_FUNCTION;
	o->norm = HP_DIFF_PER_RUN;
	o->threshold = 5;
	o->alpha = 0.05;
	o->min_samples = 10;
	o->run_noise = HP_DIFF_RUN_NOISE;      /* diff, the TUI and export alike */
}

static void build_release(struct build *b)
{
	for (uint32_t i = 0; i < b->ne; i++) {
		free(b->e[i].v);
		free(b->e[i].present);
	}
	free(b->e);
	free(b->ev);
	free(b->norm);
	free((void *)b->runs);
	free(b->fk_key);
	hmap_release(&b->index);
	hmap_release(&b->file_keys);
}

int diff_profiles(const struct hp_profile *const *before, unsigned nb,
		  const struct hp_profile *const *after, unsigned na,
		  const struct hp_diff_allocs *allocs_before, const struct hp_diff_allocs *allocs_after,
		  const struct hp_diff_opts *opts, struct hp_diff **out)
{
	struct build b = { .nb = nb, .na = na, .nruns = nb + na };
	const struct hp_profile **runs;
	int err;
	if (!nb || !na)
		return -EINVAL;
	b.d = calloc(1, sizeof(*b.d));
	b.pv = calloc(1, sizeof(*b.pv));
	runs = calloc(nb + na, sizeof(*runs));
	if (!b.d || !b.pv || !runs) {
		free(b.d);
		free(b.pv);
		free(runs);
		return -ENOMEM;
	}
	memcpy(runs, before, nb * sizeof(*runs));
	memcpy(runs + nb, after, na * sizeof(*runs));
	b.runs = runs;
	b.d->priv = b.pv;
	if (opts)
		b.d->opts = *opts;
	else
		diff_opts_init(&b.d->opts);
	b.work = b.d->opts.work;
	b.d->opts.work = NULL;         /* the caller's array: not kept */
	b.d->basis = diff_pick_basis(runs, nb + na);
	char sb[256], sa[256];
	if (diff_script(runs[0], sb, sizeof(sb)) && diff_script(runs[nb], sa, sizeof(sa)) &&
	    strcmp(sb, sa)) {
		b.d->script_before = keep(b.pv, sb);
		b.d->script_after = keep(b.pv, sa);
	}
	b.d->welch = nb >= 2 && na >= 2;
	hmap_init(&b.index);
	hmap_init(&b.file_keys);
	if ((err = norm_factors(&b)) || (err = pick_counters(&b)) || (err = collect(&b)) ||
	    (b.d->opts.by == HP_DIFF_LINE && (err = pair_moved_lines(&b))))
		goto fail;
	summarize_side(&b, &b.d->before, 0, nb, allocs_before);
	summarize_side(&b, &b.d->after, nb, na, allocs_after);
	summarize_counters(&b);
	if ((err = make_rows(&b)))
		goto fail;
	diff_judge_runs(b.d);
	build_release(&b);
	*out = b.d;
	return 0;
fail:
	build_release(&b);
	diff_free(b.d);
	return err;
}

int diff_pair(const struct hp_profile *before, const struct hp_profile *after,
	      const struct hp_diff_opts *opts, struct hp_diff **out)
{
	return diff_profiles(&before, 1, &after, 1, NULL, NULL, opts, out);
}

void diff_free(struct hp_diff *d)
{
	if (!d)
		return;
	struct priv *pv = d->priv;
	if (pv) {
		arena_release(&pv->strs);
		free(pv->stats);
		free(pv);
	}
	free(d->counters);
	free(d->rows);
	free(d);
}

const char *diff_verdict_name(enum hp_verdict v)
{
	static const char *const names[] = { "same", "faster", "slower", "new", "gone", "minor" };
	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

const char *diff_norm_name(enum hp_diff_norm n)
{
	switch (n) {
	case HP_DIFF_PER_SECOND: return "per second";
	case HP_DIFF_PER_SAMPLE: return "per sample";
	case HP_DIFF_PER_WORK:   return "per unit of work";
	default:                 return "per run";
	}
}

const char *diff_basis_name(enum hp_diff_time_basis b)
{
	switch (b) {
	case HP_DIFF_TIME_TASK_CLOCK: return "task-clock";
	case HP_DIFF_TIME_PERIOD:     return "samples x sampling period";
	default:                      return "samples";
	}
}

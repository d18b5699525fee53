/*
 * export_callgrind.c - the callgrind format (callgrind_annotate, KCachegrind).
 *
 * Events: "Samples", then every measured counter of the run (its name with
 * characters other than letters, digits and '_' turned into '_'). In a
 * merge of runs sampled at different rates the first event, which viewers
 * open, is "cpu_time" (ns: each sample its own run's period), then
 * "Samples" and the counters. Positions
 * are source lines. Self costs go to the innermost frame's line; every
 * caller -> callee pair of a stack adds the stack's costs to a call record
 * at the caller's line ("calls=" is the number of samples through it: a
 * sampler does not count calls), counted once per stack, so recursion does
 * not inflate inclusive costs. Inline frames are functions of their own, as
 * everywhere in hpprof. Names are compressed ("fn=(3) name" once, then
 * "fn=(3)").
 *
 * Takes the profile model (profile.h): its stacks' frames and the stack
 * model's file paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "analyzer/profile.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/satarith.h"

#define NO_FUNC UINT32_MAX   /* the frame of a sample without a stack */
#define SAMPLES (-1)         /* the cost column of the main sampler's samples */

/* Compressed names: "(id) name" the first time a name is written. */
struct names {
	struct hp_hmap map;          /* hash(name) -> index into strs */
	const char **strs;
	uint32_t n;
	size_t cap;
};

struct cg {
	FILE *out;
	const struct hp_profile *p;
	int col[65];                 /* cost column k: SAMPLES, or p->events[col[k]] */
	uint32_t ncost;
	struct hp_xmap self;         /* (func, file, line) */
	int64_t *self_cost;          /* [self.n * ncost] */
	size_t self_cap, call_cap;   /* cost vectors allocated */
	struct hp_xmap calls;        /* (caller, file, line, callee) */
	int64_t *call_cost;          /* [calls.n * (ncost + 1)], [0] = calls */
	uint32_t *call_seen;         /* stack generation that last added the call */
	size_t seen_cap;
	struct names fl, fn, ob;
	const char *cur_file, *cur_ob;
};

/* Write "(id) name" or "(id)" for name in table t. */
static int put_name(FILE *out, struct names *t, const char *name)
{
	uint64_t h = hmap_str_key(name), v;
	for (uint64_t attempt = 1;; attempt++) {
		if (!hmap_get(&t->map, h, &v))
			break;
		if (!strcmp(t->strs[v], name)) {
			fprintf(out, "(%llu)\n", (unsigned long long)v + 1);
			return 0;
		}
		h = hmap_key2(h, attempt);
	}
	if (hp_grow((void **)&t->strs, &t->cap, (size_t)t->n + 1, sizeof(*t->strs)))
		return -ENOMEM;
	t->strs[t->n] = name;
	if (hmap_put(&t->map, h, t->n))
		return -ENOMEM;
	fprintf(out, "(%u) %s\n", ++t->n, name);
	return 0;
}

static const char *func_name(const struct cg *c, uint32_t f)
{
	return f == NO_FUNC ? "[no stack]" : c->p->functions[f].name;
}

static const char *func_module(const struct cg *c, uint32_t f)
{
	const char *m = f == NO_FUNC ? NULL : c->p->functions[f].module;
	return m ? m : "???";
}

static const char *func_file(const struct cg *c, uint32_t f)
{
	const char *fl = f == NO_FUNC ? NULL : c->p->functions[f].file;
	return fl ? fl : "???";
}

static const char *file_of(const struct cg *c, uint32_t file_id, uint32_t f)
{
	const char *path = stacks_file(c->p->model, file_id);
	return path ? path : func_file(c, f);
}

/* --- aggregation --- */

static int64_t cost_of(const struct cg *c, uint32_t k, const struct hp_pstack *s)
{
	return c->col[k] == SAMPLES ? (int64_t)s->samples : s->c[c->col[k]];
}

static void add_costs(const struct cg *c, int64_t *dst, const struct hp_pstack *s)
{
	for (uint32_t k = 0; k < c->ncost; k++)
		dst[k] = hp_add_sat(dst[k], cost_of(c, k, s));
}

/* Make room for n cost vectors of width in *arr (capacity *cap), zeroed. */
static int ensure(int64_t **arr, size_t *cap, uint32_t n, uint32_t width)
{
	size_t old = *cap;
	if (hp_grow((void **)arr, cap, n, width * sizeof(**arr)))
		return -ENOMEM;
	memset(*arr + old * width, 0, (*cap - old) * width * sizeof(**arr));
	return 0;
}

static int add_self(struct cg *c, const struct hp_pstack *s)
{
	uint32_t n = s->nframes, key[3], idx;
	int added, err;
	key[0] = n ? s->func[n - 1] : NO_FUNC;
	key[1] = n ? s->frames[n - 1].file : 0;
	key[2] = n ? s->frames[n - 1].line : 0;
	if ((err = xmap_index(&c->self, key, &idx, &added)) ||
	    (err = ensure(&c->self_cost, &c->self_cap, c->self.n, c->ncost)))
		return err;
	add_costs(c, c->self_cost + (size_t)idx * c->ncost, s);
	return 0;
}

static int add_calls(struct cg *c, const struct hp_pstack *s, uint32_t gen)
{
	for (uint32_t i = 0; i + 1 < s->nframes; i++) {
		const struct hp_sframe *fr = &s->frames[i];
		uint32_t key[4] = { s->func[i], fr->file, fr->line, s->func[i + 1] };
		uint32_t idx, width = c->ncost + 1;
		int added, err;
		if ((err = xmap_index(&c->calls, key, &idx, &added)) ||
		    (err = ensure(&c->call_cost, &c->call_cap, c->calls.n, width)))
			return err;
		if (hp_grow((void **)&c->call_seen, &c->seen_cap, c->calls.n, sizeof(*c->call_seen)))
			return -ENOMEM;
		if (added)
			c->call_seen[idx] = 0;
		if (c->call_seen[idx] == gen)     /* recursion: once per stack */
			continue;
		c->call_seen[idx] = gen;
		int64_t *cost = c->call_cost + (size_t)idx * width;
		cost[0] = hp_add_sat(cost[0], (int64_t)s->samples);
		add_costs(c, cost + 1, s);
	}
	return 0;
}

static int aggregate(struct cg *c)
{
	for (uint32_t i = 0; i < c->p->nstacks; i++) {
		const struct hp_pstack *s = &c->p->stacks[i];
		int err;
		int64_t any = 0;
		for (uint32_t k = 0; k < c->ncost; k++)
			any |= cost_of(c, k, s);
		if (!any)
			continue;
		if ((err = add_self(c, s)) || (err = add_calls(c, s, i + 1)))
			return err;
	}
	return 0;
}

/* --- output --- */

static void put_costs(FILE *out, const int64_t *cost, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		putc_unlocked(' ', out);
		xw_i64(out, cost[k]);
	}
	putc_unlocked('\n', out);
}

static void put_event_name(FILE *out, const char *name)
{
	putc_unlocked(' ', out);
	for (; *name; name++) {
		char ch = *name;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '_';
		putc_unlocked(ok ? ch : '_', out);
	}
}

static void header(struct cg *c)
{
	const char *cmd = profile_meta(c->p, "command");
	int64_t total[65] = { 0 };
	fprintf(c->out, "# callgrind format\nversion: 1\ncreator: hpprof %s\n", HPPROF_VERSION);
	if (c->p->nprocesses)
		fprintf(c->out, "pid: %u\n", c->p->processes[0].pid);
	fprintf(c->out, "cmd: %s\npart: 1\npositions: line\nevents:", cmd ? cmd : "");
	for (uint32_t k = 0; k < c->ncost; k++) {
		if (c->col[k] == SAMPLES) {
			fputs(" Samples", c->out);
			total[k] = (int64_t)c->p->nsamples;
			continue;
		}
		put_event_name(c->out, c->p->events[c->col[k]].name);
		for (uint32_t i = 0; i < c->p->nstacks; i++)
			total[k] = hp_add_sat(total[k], c->p->stacks[i].c[c->col[k]]);
	}
	fputs("\nsummary:", c->out);
	put_costs(c->out, total, c->ncost);
	putc_unlocked('\n', c->out);
}

/* Switch the current source file of a cost line ("fi=") when it changes. */
static int set_file(struct cg *c, const char *file)
{
	if (c->cur_file && !strcmp(c->cur_file, file))
		return 0;
	c->cur_file = file;
	fputs("fi=", c->out);
	return put_name(c->out, &c->fl, file);
}

static int begin_function(struct cg *c, uint32_t f)
{
	int err;
	const char *ob = func_module(c, f);
	if (!c->cur_ob || strcmp(c->cur_ob, ob)) {
		c->cur_ob = ob;
		fputs("ob=", c->out);
		if ((err = put_name(c->out, &c->ob, ob)))
			return err;
	}
	c->cur_file = func_file(c, f);
	fputs("fl=", c->out);
	if ((err = put_name(c->out, &c->fl, c->cur_file)))
		return err;
	fputs("fn=", c->out);
	return put_name(c->out, &c->fn, func_name(c, f));
}

static int put_call(struct cg *c, const uint32_t *key, const int64_t *cost)
{
	int err;
	uint32_t callee = key[3];
	if ((err = set_file(c, file_of(c, key[1], key[0]))))
		return err;
	fputs("cob=", c->out);
	if ((err = put_name(c->out, &c->ob, func_module(c, callee))))
		return err;
	fputs("cfi=", c->out);
	if ((err = put_name(c->out, &c->fl, func_file(c, callee))))
		return err;
	fputs("cfn=", c->out);
	if ((err = put_name(c->out, &c->fn, func_name(c, callee))))
		return err;
	fprintf(c->out, "calls=%lld 0\n%u", (long long)cost[0], key[2]);
	put_costs(c->out, cost + 1, c->ncost);
	return 0;
}

/* Sort orders: by function (the profile's hot-first order), file, line. */
struct sort_ctx { const struct hp_xmap *m; const uint32_t *rank; };

static int by_key(const void *a, const void *b, void *ctx)
{
	const struct sort_ctx *s = ctx;
	const uint32_t *x = s->m->keys + (size_t)*(const uint32_t *)a * s->m->width;
	const uint32_t *y = s->m->keys + (size_t)*(const uint32_t *)b * s->m->width;
	uint32_t rx = x[0] == NO_FUNC ? UINT32_MAX : s->rank[x[0]];
	uint32_t ry = y[0] == NO_FUNC ? UINT32_MAX : s->rank[y[0]];
	if (rx != ry)
		return rx < ry ? -1 : 1;
	for (uint32_t i = 1; i < s->m->width; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static uint32_t *sorted(const struct hp_xmap *m, const uint32_t *rank)
{
	uint32_t *idx = malloc((m->n ? m->n : 1) * sizeof(*idx));
	struct sort_ctx s = { m, rank };
	if (!idx)
		return NULL;
	for (uint32_t i = 0; i < m->n; i++)
		idx[i] = i;
	qsort_r(idx, m->n, sizeof(*idx), by_key, &s);
	return idx;
}

static int body(struct cg *c, const uint32_t *rank)
{
	uint32_t *si = sorted(&c->self, rank), *ci = sorted(&c->calls, rank);
	uint32_t i = 0, j = 0;
	int err = si && ci ? 0 : -ENOMEM;
	while (!err && (i < c->self.n || j < c->calls.n)) {
		/* the next function: whichever list comes first in rank order */
		uint32_t fs = i < c->self.n ? c->self.keys[(size_t)si[i] * 3] : NO_FUNC;
		uint32_t fc = j < c->calls.n ? c->calls.keys[(size_t)ci[j] * 4] : NO_FUNC;
		uint32_t rs = i < c->self.n ? (fs == NO_FUNC ? UINT32_MAX : rank[fs]) : UINT32_MAX;
		uint32_t rc = j < c->calls.n ? rank[fc] : UINT32_MAX;
		uint32_t f = (i < c->self.n && (j >= c->calls.n || rs <= rc)) ? fs : fc;
		if ((err = begin_function(c, f)))
			break;
		for (; !err && i < c->self.n && c->self.keys[(size_t)si[i] * 3] == f; i++) {
			const uint32_t *k = c->self.keys + (size_t)si[i] * 3;
			if ((err = set_file(c, file_of(c, k[1], f))))
				break;
			xw_u64(c->out, k[2]);
			put_costs(c->out, c->self_cost + (size_t)si[i] * c->ncost, c->ncost);
		}
		for (; !err && j < c->calls.n && c->calls.keys[(size_t)ci[j] * 4] == f; j++)
			err = put_call(c, c->calls.keys + (size_t)ci[j] * 4,
				       c->call_cost + (size_t)ci[j] * (c->ncost + 1));
		putc_unlocked('\n', c->out);
	}
	free(si);
	free(ci);
	return err;
}

static void release(struct cg *c)
{
	xmap_release(&c->self);
	xmap_release(&c->calls);
	free(c->self_cost);
	free(c->call_cost);
	free(c->call_seen);
	hmap_release(&c->fl.map);
	hmap_release(&c->fn.map);
	hmap_release(&c->ob.map);
	free(c->fl.strs);
	free(c->fn.strs);
	free(c->ob.strs);
}

int export_callgrind(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o)
{
	struct cg c = { .out = out, .p = p };
	uint32_t *order = NULL, *rank = NULL;
	int err;
	(void)o;
	if (p->cpu_col >= 0)                 /* runs at different rates: time first */
		c.col[c.ncost++] = p->cpu_col;
	c.col[c.ncost++] = SAMPLES;
	for (uint32_t e = 0; e < p->nevents && c.ncost < 65; e++)
		if (p->events[e].measured && p->events[e].rows && (int)e != p->cpu_col)
			c.col[c.ncost++] = (int)e;
	xmap_init(&c.self, 3);
	xmap_init(&c.calls, 4);
	hmap_init(&c.fl.map);
	hmap_init(&c.fn.map);
	hmap_init(&c.ob.map);
	if ((err = aggregate(&c)))
		goto out;
	order = profile_functions_by_self(p);
	rank = malloc((p->nfunctions ? p->nfunctions : 1) * sizeof(*rank));
	if (!order || !rank) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < p->nfunctions; i++)
		rank[order[i]] = i;
	header(&c);
	err = body(&c, rank);
out:
	free(order);
	free(rank);
	release(&c);
	return err;
}

/*
 * live_rows.c - the tables of a live view (live.h): a span's functions
 * sorted by self or total weight, with their seconds and percentages.
 */
#include "analyzer/live.h"
#include "analyzer/live_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/grow.h"

struct sort_ctx {
	const struct hp_live *l;
	const struct live_stat *st;
	enum live_weight w;
	enum live_sort sort;
};

/* The weight of a stat in ns (wall) or samples (CPU). */
static uint64_t weight(const struct hp_live *l, const struct live_stat *s, enum live_weight w,
		       int self)
{
	if (w == LIVE_CPU)
		return self ? s->self_n : s->total_n;
	/* wall: self where wall_profile puts it, the innermost frame
	 * outside the kernel (a kernel function's time is its caller's) */
	return (self ? s->self_user_n : s->total_n) * l->o.cpu_sample_ns +
	       (self ? s->self_off : s->total_off);
}

static int by_weight(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int self = c->sort == LIVE_SORT_SELF;
	uint64_t wx = weight(c->l, &c->st[x], c->w, self), wy = weight(c->l, &c->st[y], c->w, self);
	if (wx != wy)
		return wx > wy ? -1 : 1;
	uint64_t tx = weight(c->l, &c->st[x], c->w, !self), ty = weight(c->l, &c->st[y], c->w, !self);
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(c->l->fns[x].name, c->l->fns[y].name);
}

static uint64_t span_weight(const struct hp_live *l, enum live_span span, enum live_weight w)
{
	const struct live_span_totals *t = &l->tot[span];
	return w == LIVE_CPU ? t->samples : t->samples * l->o.cpu_sample_ns + t->off_ns;
}

size_t live_rows(struct hp_live *l, enum live_span span, enum live_weight w,
		 enum live_sort sort, struct live_row *rows, size_t max)
{
	const struct live_stat *st = span == LIVE_INTERVAL ? l->iv : l->all;
	size_t n = 0;
	if (hp_grow((void **)&l->order, &l->order_cap, l->nfns ? l->nfns : 1, sizeof(*l->order)))
		return 0;
	for (uint32_t f = 0; f < l->nfns; f++)
		if (weight(l, &st[f], w, 0) || weight(l, &st[f], w, 1))
			l->order[n++] = f;
	struct sort_ctx c = { l, st, w, sort };
	qsort_r(l->order, n, sizeof(*l->order), by_weight, &c);
	uint64_t whole = span_weight(l, span, w);
	double unit = w == LIVE_CPU ? (double)l->o.cpu_sample_ns / 1e9 : 1e-9;
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++) {
		const struct live_stat *s = &st[l->order[i]];
		const struct live_fn *fn = &l->fns[l->order[i]];
		uint64_t ws = weight(l, s, w, 1), wt = weight(l, s, w, 0);
		rows[i] = (struct live_row){
			.function = fn->name,
			.module = fn->module < l->nmods && l->mods[fn->module].path
				  ? l->mods[fn->module].base : "",
			.self_samples = s->self_n, .total_samples = s->total_n,
			.self_s = (double)ws * unit, .total_s = (double)wt * unit,
			.self_pct = whole ? 100.0 * (double)ws / (double)whole : 0,
			.total_pct = whole ? 100.0 * (double)wt / (double)whole : 0,
		};
	}
	return n;
}

void live_totals(const struct hp_live *l, enum live_span span, enum live_weight w,
		 struct live_totals *t)
{
	const struct live_span_totals *s = &l->tot[span];
	uint64_t whole = span_weight(l, span, w);
	t->samples = s->samples;
	t->off_ns = s->off_ns;
	t->seconds = s->seconds;
	t->weight_s = w == LIVE_CPU ? (double)whole * (double)l->o.cpu_sample_ns / 1e9
				    : (double)whole / 1e9;
	t->addresses = l->naddrs;
}

int live_has_wall(const struct hp_live *l)
{
	return l->o.offcpu_event && l->tot[LIVE_OVERALL].off_ns > 0;
}

/*
 * profile_query.c - questions asked of a loaded profile (profile.h): its
 * meta facts, event columns and weights, the functions and lines in order
 * of self cost, and the statistics tables written back to the store.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "common/store.h"

const char *profile_meta(const struct hp_profile *p, const char *key)
{
	for (uint32_t i = 0; i < p->nmeta; i++)
		if (!strcmp(p->meta_keys[i], key))
			return p->meta_values[i];
	return NULL;
}

const char *profile_ppid_text(const struct hp_pprocess *r, char *buf, size_t len)
{
	if (r->ppid)
		snprintf(buf, len, "%" PRIu32, r->ppid);
	else
		snprintf(buf, len, "?");
	return buf;
}

int profile_simulated_only(const struct hp_profile *p)
{
	return profile_meta(p, "simulation") && !profile_meta(p, "samples");
}

int profile_event_index(const struct hp_profile *p, const char *name)
{
	for (uint32_t i = 0; i < p->nevents; i++)
		if (!strcmp(p->events[i].name, name))
			return (int)i;
	return -1;
}

double profile_pct(const struct hp_profile *p, uint64_t n)
{
	return p->nsamples ? 100.0 * (double)n / (double)p->nsamples : 0.0;
}

int profile_weight_column(const struct hp_profile *p, const char *name)
{
	if (!name || !strcmp(name, "samples"))
		return -1;
	int e = profile_event_index(p, name);
	/* simulated counts are per line, not per stack: no weight */
	return e >= 0 && p->events[e].measured && p->events[e].rows &&
	       strcmp(p->events[e].role, "simulated") ? e : -2;
}

int64_t profile_stack_weight(const struct hp_pstack *s, int col)
{
	return col < 0 ? (int64_t)s->samples : s->c[col];
}

int profile_write_stats(struct hp_store *st, const struct hp_profile *p)
{
	int err = profile_write_stats_rows(st, p);
	return err ? err : store_flush(st);
}

/* Counter stats of event e: an events row's, or the CPU time of a merge of
 * runs at different rates (HP_PEVENT_CPU_TIME: wall_profile's on-CPU time). */
static int stat_event(const struct hp_profile *p, uint32_t e)
{
	return p->events[e].id >= 0 || (int)e == p->cpu_col;
}

/* The views first: they read the events, whose check of the tables' ids
 * (store_bounds) profile_load's reads left valid; any write before would
 * have the check made again. */
int profile_write_stats_rows(struct hp_store *st, const struct hp_profile *p)
{
	int err = store_create_views(st);
	if (!err)
		err = store_clear_stats(st);
	for (uint32_t i = 0; i < p->nfunctions && !err; i++) {
		const struct hp_pfunc *f = &p->functions[i];
		if (!f->id)
			continue;
		err = store_add_function_stat(st, f->id, f->self, f->total);
		for (uint32_t e = 0; e < p->nevents && !err; e++)
			if (p->events[e].measured && stat_event(p, e) && (f->cself[e] || f->ctotal[e]))
				err = store_add_function_counter(st, f->id, p->events[e].id,
								 f->cself[e], f->ctotal[e]);
	}
	for (uint32_t i = 0; i < p->nlines && !err; i++) {
		const struct hp_pline *l = &p->lines[i];
		uint32_t fid = p->functions[l->func].id;
		if (!fid)
			continue;
		err = store_add_line_stat(st, l->file_id, l->line, fid, l->self);
		for (uint32_t e = 0; e < p->nevents && !err; e++)
			if (p->events[e].measured && stat_event(p, e) && l->c[e])
				err = store_add_line_counter(st, l->file_id, l->line, fid,
							     p->events[e].id, l->c[e]);
	}
	if (!err)
		err = profile_write_rank_stats(st, p);
	return err;
}

/* qsort_r comparators over index arrays */
static int by_self(const void *a, const void *b, void *ctx)
{
	const struct hp_profile *p = ctx;
	const struct hp_pfunc *x = &p->functions[*(const uint32_t *)a];
	const struct hp_pfunc *y = &p->functions[*(const uint32_t *)b];
	if (p->cpu_col >= 0 && x->cself && y->cself &&      /* runs at different rates */
	    x->cself[p->cpu_col] != y->cself[p->cpu_col])
		return x->cself[p->cpu_col] > y->cself[p->cpu_col] ? -1 : 1;
	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int line_by_self(const void *a, const void *b, void *ctx)
{
	const struct hp_profile *p = ctx;
	const struct hp_pline *x = &p->lines[*(const uint32_t *)a];
	const struct hp_pline *y = &p->lines[*(const uint32_t *)b];
	if (p->cpu_col >= 0 && x->c && y->c && x->c[p->cpu_col] != y->c[p->cpu_col])
		return x->c[p->cpu_col] > y->c[p->cpu_col] ? -1 : 1;
	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static uint32_t *sorted(const struct hp_profile *p, uint32_t n,
			int (*cmp)(const void *, const void *, void *))
{
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i;
	if (n)
		qsort_r(idx, n, sizeof(*idx), cmp, (void *)p);
	return idx;
}

uint32_t *profile_functions_by_self(const struct hp_profile *p)
{
	return sorted(p, p->nfunctions, by_self);
}

uint32_t *profile_lines_by_self(const struct hp_profile *p)
{
	return sorted(p, p->nlines, line_by_self);
}

int64_t profile_stack_cpu_ns(const struct hp_profile *p, const struct hp_pstack *s)
{
	return p->cpu_col >= 0 && s->c ? s->c[p->cpu_col] : 0;
}

double profile_time_share(const struct hp_profile *p, uint64_t n, int64_t cpu_ns)
{
	if (p->cpu_col < 0)
		return profile_pct(p, n);
	int64_t all = p->events[p->cpu_col].total;
	return all > 0 ? 100.0 * (double)cpu_ns / (double)all : 0.0;
}

double profile_share(const struct hp_profile *p, uint64_t n, const int64_t *c)
{
	if (p->cpu_col < 0 || !c)
		return profile_pct(p, n);
	return profile_time_share(p, n, c[p->cpu_col]);
}

int64_t profile_thread_cpu_ns(const struct hp_profile *p, const struct hp_pthread *t, uint64_t n)
{
	int64_t ns = t->run < p->nruns && p->runs[t->run].sample_ns > 0 ? p->runs[t->run].sample_ns
									    : p->cpu_sample_ns;
	return (int64_t)n * ns;
}

double profile_thread_share(const struct hp_profile *p, const struct hp_pthread *t)
{
	int64_t all = p->cpu_col >= 0 ? p->events[p->cpu_col].total : 0;
	if (all <= 0)
		return profile_pct(p, t->samples);
	return 100.0 * (double)profile_thread_cpu_ns(p, t, t->samples) / (double)all;
}

int profile_name_is_time(const char *name)
{
	static const char *const clocks[] = { "task-clock", "cpu-clock", "off-cpu", "wall",
					      "cpu-time" };
	for (size_t i = 0; name && i < sizeof(clocks) / sizeof(clocks[0]); i++)
		if (!strcmp(name, clocks[i]))
			return 1;
	return 0;
}

int profile_event_is_time(const struct hp_pevent *ev)
{
	return ev && profile_name_is_time(ev->name);
}

const char *profile_count_unit(const struct hp_pevent *ev, int64_t v, char *buf, size_t len)
{
	buf[0] = '\0';
	if (profile_event_is_time(ev))
		snprintf(buf, len, " ns (%.3f s)", (double)v / 1e9);
	return buf;
}

const char *profile_ms_text(int64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f", (double)ns / 1e6);
	return buf;
}

const char *profile_event_cell(const struct hp_pevent *ev, int64_t v, char *buf, size_t len)
{
	if (profile_event_is_time(ev))
		return profile_ms_text(v, buf, len);
	snprintf(buf, len, "%" PRId64, v);
	return buf;
}

const char *profile_event_header(const struct hp_pevent *ev, int narrow)
{
	static const char *const brief[][2] = {   /* within 10 columns */
		{ "task-clock", "task ms" }, { "cpu-clock", "cpu ms" },
	};
	for (size_t i = 0; narrow && i < sizeof(brief) / sizeof(brief[0]); i++)
		if (!strcmp(ev->name, brief[i][0]))
			return brief[i][1];
	static const char *const headers[][2] = {
		{ "task-clock", "task-clock ms" }, { "cpu-clock", "cpu-clock ms" },
		{ "off-cpu", "off-cpu ms" }, { "wall", "wall ms" },
		/* counted, charged to the next sample's stack / sampled where the
		 * fault happened (report explains both under its table) */
		{ "page-faults", "Faults near" }, { "page-faults:sampled", "Faults at" },
	};
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (!strcmp(ev->name, headers[i][0]))
			return headers[i][1];
	return ev->name;
}

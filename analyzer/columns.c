/*
 * columns.c - the column tables of columns.h: formatting and ordering of
 * function, line and thread rows.
 */
#include "analyzer/columns.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/cachegrind.h"
#include "analyzer/metrics.h"
#include "analyzer/profile.h"
#include "common/textsafe.h"

static int cmp_u64(uint64_t x, uint64_t y)
{
	return x == y ? 0 : x > y ? -1 : 1;
}

static int cmp_str(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "");
}

/* --- functions --- */

#define F(r) (&p->functions[r])

static void f_self_pct(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		       char *b, size_t n)
{
	snprintf(b, n, "%.2f", profile_share(p, F(r)->self, F(r)->cself));
}
static void f_total_pct(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
			char *b, size_t n)
{
	snprintf(b, n, "%.2f", profile_share(p, F(r)->total, F(r)->ctotal));
}
static void f_self(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		   char *b, size_t n)
{
	snprintf(b, n, "%" PRIu64, F(r)->self);
}
static void f_total(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		    char *b, size_t n)
{
	snprintf(b, n, "%" PRIu64, F(r)->total);
}
static void f_name(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		   char *b, size_t n)
{
	snprintf(b, n, "%s", F(r)->name);
}
static void f_module(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		     char *b, size_t n)
{
	snprintf(b, n, "%s", F(r)->module ? stacks_basename(F(r)->module) : "?");
}
static void f_file(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		   char *b, size_t n)
{
	snprintf(b, n, "%s", F(r)->file ? F(r)->file : "");
}

static void counter_text(const struct hp_profile *p, int e, int64_t v, char *b, size_t n)
{
	if (!p->events[e].measured)
		snprintf(b, n, "n/a");
	else
		snprintf(b, n, "%" PRId64, v);
}

static void f_counter(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		      char *b, size_t n)
{
	counter_text(p, c->event, F(r)->cself[c->event], b, n);
}

/* A time (off-CPU, wall, a software clock) in ms for the tables. */
static void time_text(const struct hp_profile *p, int e, int64_t v, char *b, size_t n)
{
	if (!p->events[e].measured)
		snprintf(b, n, "n/a");
	else
		profile_ms_text(v, b, n);
}

static void f_counter_ms(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
			 char *b, size_t n)
{
	time_text(p, c->event, F(r)->cself[c->event], b, n);
}

/* In a merge of runs at different rates, rows order by their CPU time
 * (the shares shown) before their sample counts. */
static int cmp_time(const struct hp_profile *p, const int64_t *x, const int64_t *y)
{
	if (p->cpu_col < 0 || !x || !y)
		return 0;
	return cmp_u64((uint64_t)x[p->cpu_col], (uint64_t)y[p->cpu_col]);
}

static int fc_self(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	int r = cmp_time(p, F(a)->cself, F(b)->cself);
	if (r)
		return r;
	r = cmp_u64(F(a)->self, F(b)->self);
	return r ? r : cmp_u64(F(a)->total, F(b)->total);
}
static int fc_total(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	int r = cmp_time(p, F(a)->ctotal, F(b)->ctotal);
	if (r)
		return r;
	r = cmp_u64(F(a)->total, F(b)->total);
	return r ? r : cmp_u64(F(a)->self, F(b)->self);
}
static int fc_name(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	return cmp_str(F(a)->name, F(b)->name);
}
static int fc_module(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	return cmp_str(F(a)->module, F(b)->module);
}
static int fc_file(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	return cmp_str(F(a)->file, F(b)->file);
}
static int fc_counter(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	int64_t x = F(a)->cself[c->event], y = F(b)->cself[c->event];
	return x == y ? 0 : x > y ? -1 : 1;
}

/* --- lines --- */

#define L(r) (&p->lines[r])

static void l_self_pct(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		       char *b, size_t n)
{
	snprintf(b, n, "%.2f", profile_share(p, L(r)->self, L(r)->c));
}
static void l_self(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		   char *b, size_t n)
{
	snprintf(b, n, "%" PRIu64, L(r)->self);
}
static void l_location(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		       char *b, size_t n)
{
	if (L(r)->file && L(r)->line)
		snprintf(b, n, "%s:%u", stacks_basename(L(r)->file), L(r)->line);
	else
		snprintf(b, n, "%s", "??");
}
static void l_file(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		   char *b, size_t n)
{
	snprintf(b, n, "%s", L(r)->file ? L(r)->file : "");
}
static void l_line(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		   char *b, size_t n)
{
	snprintf(b, n, "%u", L(r)->line);
}
static void l_function(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		       char *b, size_t n)
{
	snprintf(b, n, "%s", p->functions[L(r)->func].name);
}
static void l_counter(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		      char *b, size_t n)
{
	counter_text(p, c->event, L(r)->c[c->event], b, n);
}
static void l_counter_ms(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
			 char *b, size_t n)
{
	time_text(p, c->event, L(r)->c[c->event], b, n);
}
static int lc_self(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	int r = cmp_time(p, L(a)->c, L(b)->c);
	return r ? r : cmp_u64(L(a)->self, L(b)->self);
}
static int lc_location(const struct hp_profile *p, const struct hp_column *c, uint32_t a,
		       uint32_t b)
{
	int r = cmp_str(L(a)->file, L(b)->file);
	return r ? r : (L(a)->line > L(b)->line) - (L(a)->line < L(b)->line);
}
static int lc_function(const struct hp_profile *p, const struct hp_column *c, uint32_t a,
		       uint32_t b)
{
	return cmp_str(p->functions[L(a)->func].name, p->functions[L(b)->func].name);
}
static int lc_counter(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	int64_t x = L(a)->c[c->event], y = L(b)->c[c->event];
	return x == y ? 0 : x > y ? -1 : 1;
}

/* --- threads --- */

#define T(r) (&p->threads[r])

static void t_pid(const struct hp_profile *p, const struct hp_column *c, uint32_t r, char *b,
		  size_t n)
{
	snprintf(b, n, "%u", T(r)->pid);
}
static void t_tid(const struct hp_profile *p, const struct hp_column *c, uint32_t r, char *b,
		  size_t n)
{
	snprintf(b, n, "%u", T(r)->tid);
}
static void t_comm(const struct hp_profile *p, const struct hp_column *c, uint32_t r, char *b,
		   size_t n)
{
	snprintf(b, n, "%s", T(r)->comm ? T(r)->comm : "?");
}
static void t_samples(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		      char *b, size_t n)
{
	snprintf(b, n, "%" PRIu64, T(r)->samples);
}
static void t_pct(const struct hp_profile *p, const struct hp_column *c, uint32_t r, char *b,
		  size_t n)
{
	snprintf(b, n, "%.2f", profile_thread_share(p, T(r)));
}
static int tc_samples(const struct hp_profile *p, const struct hp_column *c, uint32_t a,
		      uint32_t b)
{
	int r = cmp_u64(T(a)->samples, T(b)->samples);
	return r ? r : (T(a)->tid > T(b)->tid) - (T(a)->tid < T(b)->tid);
}
static int tc_tid(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	return (T(a)->tid > T(b)->tid) - (T(a)->tid < T(b)->tid);
}
static int tc_comm(const struct hp_profile *p, const struct hp_column *c, uint32_t a, uint32_t b)
{
	return cmp_str(T(a)->comm, T(b)->comm);
}

static const struct hp_column function_cols[] = {
	{ "self_pct",  "Self%",    7, 1, 1, -1, fc_self,   f_self_pct },
	{ "total_pct", "Total%",   7, 1, 1, -1, fc_total,  f_total_pct },
	{ "self",      "Self",     8, 1, 1, -1, fc_self,   f_self },
	{ "total",     "Total",    8, 1, 1, -1, fc_total,  f_total },
};
static const struct hp_column function_tail[] = {
	{ "function",  "Function", 0, 0, 0, -1, fc_name,   f_name },
	{ "module",    "Module",  18, 0, 0, -1, fc_module, f_module },
	{ "file",      "File",     0, 0, 0, -1, fc_file,   f_file },
};
static const struct hp_column line_cols[] = {
	{ "self_pct",  "Self%",    7, 1, 1, -1, lc_self,     l_self_pct },
	{ "self",      "Self",     8, 1, 1, -1, lc_self,     l_self },
};
static const struct hp_column line_tail[] = {
	{ "location",  "Location",28, 0, 0, -1, lc_location, l_location },
	{ "function",  "Function", 0, 0, 0, -1, lc_function, l_function },
	{ "file",      "File",     0, 0, 0, -1, lc_location, l_file },
	{ "line",      "Line",     6, 1, 1, -1, lc_location, l_line },
};
static const struct hp_column thread_cols[] = {
	{ "pid",       "PID",      8, 1, 1, -1, tc_tid,     t_pid },
	{ "tid",       "TID",      8, 1, 1, -1, tc_tid,     t_tid },
	{ "samples",   "Samples",  9, 1, 1, -1, tc_samples, t_samples },
	{ "pct",       "Share%",   7, 1, 1, -1, tc_samples, t_pct },
	{ "comm",      "Command",  0, 0, 0, -1, tc_comm,    t_comm },
};

/* --- derived columns: the metrics (metrics.h) that have a column --- */

/* c->event holds num | den << 16 (event indices). */
static int derived_value(const int64_t *v, const struct hp_column *c, double *out)
{
	int64_t num = v[c->event & 0xffff], den = v[c->event >> 16];
	if (den <= 0)
		return 0;
	*out = (double)num / (double)den;
	return 1;
}

static void format_ratio(const int64_t *v, const struct hp_column *c, char *b, size_t n)
{
	const struct hp_metric *m = metrics_for_column(c->id);
	double r;
	if (!m || !metrics_value(m, (double)v[c->event & 0xffff], (double)v[c->event >> 16], &r))
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.2f", r);
}

static void f_derived(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		      char *b, size_t n)
{
	format_ratio(F(r)->cself, c, b, n);
}

static void l_derived(const struct hp_profile *p, const struct hp_column *c, uint32_t r,
		      char *b, size_t n)
{
	format_ratio(L(r)->c, c, b, n);
}

static int cmp_ratio(const int64_t *x, const int64_t *y, const struct hp_column *c)
{
	double a = -1, b = -1;
	derived_value(x, c, &a);
	derived_value(y, c, &b);
	return a == b ? 0 : a > b ? -1 : 1;
}

static int fc_derived(const struct hp_profile *p, const struct hp_column *c, uint32_t a,
		      uint32_t b)
{
	return cmp_ratio(F(a)->cself, F(b)->cself, c);
}

static int lc_derived(const struct hp_profile *p, const struct hp_column *c, uint32_t a,
		      uint32_t b)
{
	return cmp_ratio(L(a)->c, L(b)->c, c);
}

static int measured_event(const struct hp_profile *p, const char *name)
{
	int e = profile_event_index(p, name);
	return e >= 0 && p->events[e].measured && p->events[e].rows ? e : -1;
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int append_derived(const struct hp_profile *p, struct hp_column *cols, int n, int max,
			  enum hp_row_kind kind)
{
	for (unsigned i = 0; i < hp_nmetrics && n < max; i++) {
		const struct hp_metric *m = &hp_metrics[i];
		int num = m->column ? measured_event(p, m->num.name) : -1;
		int den = m->column ? measured_event(p, m->den.name) : -1;
		if (num < 0 || den < 0)
			continue;
		struct hp_column c = {
			.id = m->column, .header = m->column,
			.width = (int)strlen(m->column) > 12 ? (int)strlen(m->column) : 12,
			.right = 1, .numeric = 1, .event = num | den << 16, .derived = 1,
			.compare = kind == HP_ROWS_FUNCTIONS ? fc_derived : lc_derived,
			.format = kind == HP_ROWS_FUNCTIONS ? f_derived : l_derived,
		};
		cols[n++] = c;
	}
	return n;
}

static int append(struct hp_column *cols, int n, int max, const struct hp_column *src, int k)
{
	for (int i = 0; i < k && n < max; i++)
		cols[n++] = src[i];
	return n;
}

/* Off-CPU and wall time (run --off-cpu, on by default as root) are the
 * weights of their own views (`report --weight off|wall`, the TUI's weight
 * toggle), not counters beside CPU samples: in CSV, JSON and --columns,
 * but not a default column of the CPU tables. */
static int time_weight(const struct hp_pevent *ev)
{
	return !strcmp(ev->role, "offcpu") || !strcmp(ev->role, "wall") ||
	       !strcmp(ev->role, "cpu-time");
}

static int append_counters(const struct hp_profile *p, struct hp_column *cols, int n, int max,
			   enum hp_row_kind kind)
{
	for (uint32_t e = 0; e < p->nevents && n < max; e++) {
		const struct hp_sim_event *sim = strcmp(p->events[e].role, "simulated") ? NULL
						 : cachegrind_sim_event(p->events[e].name);
		const char *header = profile_event_header(&p->events[e], 0);
		int time = profile_event_is_time(&p->events[e]);
		if (!p->events[e].rows)
			continue;             /* a whole-run total: no value per row */
		struct hp_column c = {
			.id = p->events[e].name, .header = header,
			.width = (int)strlen(header) > 10 ? (int)strlen(header) : 10,
			.right = 1, .numeric = 1, .event = (int)e,
			.compare = kind == HP_ROWS_FUNCTIONS ? fc_counter : lc_counter,
			.format = kind == HP_ROWS_FUNCTIONS ? f_counter : l_counter,
			.detail = (sim && !sim->shown) || time_weight(&p->events[e]),
			.text = !time ? NULL : kind == HP_ROWS_FUNCTIONS ? f_counter_ms : l_counter_ms,
		};
		cols[n++] = c;
	}
	return n;
}

int columns_build(const struct hp_profile *p, enum hp_row_kind kind, struct hp_column *cols,
		  int max)
{
	int n = 0, sampled = !profile_simulated_only(p);
	switch (kind) {
	case HP_ROWS_FUNCTIONS:
		if (sampled)
			n = append(cols, n, max, function_cols, N(function_cols));
		n = append_counters(p, cols, n, max, kind);
		n = append_derived(p, cols, n, max, kind);
		return append(cols, n, max, function_tail, N(function_tail));
	case HP_ROWS_LINES:
		if (sampled)
			n = append(cols, n, max, line_cols, N(line_cols));
		n = append_counters(p, cols, n, max, kind);
		n = append_derived(p, cols, n, max, kind);
		return append(cols, n, max, line_tail, N(line_tail));
	case HP_ROWS_THREADS:
		return append(cols, n, max, thread_cols, N(thread_cols));
	}
	return 0;
}

void columns_cell(const struct hp_profile *p, const struct hp_column *c, uint32_t row, char *buf,
		  size_t len)
{
	(c->text ? c->text : c->format)(p, c, row, buf, len);
}

uint32_t columns_nrows(const struct hp_profile *p, enum hp_row_kind kind)
{
	switch (kind) {
	case HP_ROWS_FUNCTIONS: return p->nfunctions;
	case HP_ROWS_LINES:     return p->nlines;
	case HP_ROWS_THREADS:   return p->nthreads;
	}
	return 0;
}

struct sort_ctx { const struct hp_profile *p; const struct hp_column *c; };

static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const struct sort_ctx *s = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = s->c->compare(s->p, s->c, x, y);
	return r ? r : (x > y) - (x < y);
}

void columns_sort(const struct hp_profile *p, const struct hp_column *c, uint32_t *rows,
		  uint32_t n)
{
	struct sort_ctx s = { p, c };
	qsort_r(rows, n, sizeof(*rows), cmp_rows, &s);
}

int columns_event_shown(const struct hp_profile *p, uint32_t e)
{
	const struct hp_sim_event *sim;
	if (e >= p->nevents || !p->events[e].measured || !p->events[e].rows)
		return 0;
	if (strcmp(p->events[e].role, "simulated"))
		return 1;
	return (sim = cachegrind_sim_event(p->events[e].name)) && sim->shown;
}

const char *columns_default_sort(const struct hp_profile *p, enum hp_row_kind kind)
{
	if (kind == HP_ROWS_THREADS)
		return "samples";
	return profile_simulated_only(p) && profile_event_index(p, "sim_Ir") >= 0 ? "sim_Ir" : "self";
}

const struct hp_column *columns_find(const struct hp_column *cols, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(cols[i].id, id))
			return &cols[i];
	return NULL;
}

const char *columns_counter_why(const struct hp_profile *p, const char *name, char *buf,
				size_t len)
{
	int e = profile_event_index(p, name);
	char sn[256], reason[256];
	const char *safe;
	if (e < 0)
		return NULL;
	safe = textsafe(name, sn, sizeof(sn));
	if (!p->events[e].measured) {
		snprintf(buf, len, "%s was not measured in this run: %s", safe,
			 p->events[e].reason ? textsafe(p->events[e].reason, reason, sizeof(reason))
					     : "no reason recorded");
	} else if (!p->events[e].rows) {
		snprintf(buf, len, "%s was counted for the whole run only (%" PRId64 "), not with"
			 " each sample, so no function or line has a value of it (`hpprof run"
			 " --counters-per-sample` reads it with every sample)", safe,
			 p->events[e].total);
	} else {
		return NULL;
	}
	return buf;
}

/*
 * export_pprof.c - the pprof format: a gzipped perftools.profiles.Profile
 * protocol buffer (github.com/google/pprof, proto/profile.proto), encoded
 * by hand: varints and length-delimited fields are all it takes.
 *
 * Sample types: samples/count and cpu/nanoseconds (samples x the sampling
 * period), then one column per measured counter of the run (page-faults,
 * ..., and the page-fault sampler as samples x its period). One Sample per
 * distinct (stack, thread), labelled so a fleet or an MPI job can be
 * sliced (`go tool pprof -tagfocus='rank=^3$'`): numeric tid and pid;
 * string thread (the thread's name), host and, for an MPI rank, rank. The
 * rank is a string because pprof drops a numeric label of value 0 that has
 * no unit (and a filter without the unit would not match one that has):
 * rank 0 must survive. A Location is a stored
 * location (one code address) whose Lines are its inline chain, innermost
 * first, as pprof wants. Addresses are module-relative (ELF vaddrs: the
 * database keeps no load addresses), each module given its own address
 * range in a Mapping, with has_functions etc. set so pprof never tries to
 * symbolize them again; kernel frames keep their kernel addresses.
 *
 * With an allocation weight (-w allocs, alloc-bytes, leaked-bytes,
 * peak-bytes, temporary) it writes a heap profile instead, as pprof's own
 * are: one Sample per allocating (stack, process) of alloc_stacks, labelled
 * pid (and host, and rank for an MPI rank), with sample types alloc_objects/count, alloc_space/bytes,
 * inuse_objects/count and inuse_space/bytes (in use = never freed before
 * exit), then peak_space/bytes (held at the process's heap peak) and
 * temporary/count; the default sample type is the one -w names.
 *
 * Reads the samples (or the allocation stacks) and the stack model
 * (stacks.h), not the aggregated profile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "analyzer/export_internal.h"
#include "analyzer/profile.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/record.h"
#include "common/satarith.h"
#include "common/store.h"

/* --- protobuf encoding --- */

struct pb {
	uint8_t *d;
	size_t n, cap;
	int err;
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

static void pb_reserve(struct pb *b, size_t more)
{
	if (!b->err && hp_grow((void **)&b->d, &b->cap, b->n + more, 1))
		b->err = -ENOMEM;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	pb_reserve(b, 10);
	if (b->err)
		return;
	while (v >= 0x80) {
		b->d[b->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->d[b->n++] = (uint8_t)v;
}

static void pb_tag(struct pb *b, uint32_t field, uint32_t wire)
{
	pb_varint(b, (uint64_t)field << 3 | wire);
}

/* An integer field; zero is the default and is left out. */
static void pb_int(struct pb *b, uint32_t field, uint64_t v)
{
	if (!v)
		return;
	pb_tag(b, field, WIRE_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pb *b, uint32_t field, const void *data, size_t len)
{
	pb_tag(b, field, WIRE_LEN);
	pb_varint(b, len);
	pb_reserve(b, len);
	if (b->err)
		return;
	memcpy(b->d + b->n, data, len);
	b->n += len;
}

/* Append sub as an embedded message and empty it for reuse. */
static void pb_msg(struct pb *b, uint32_t field, struct pb *sub)
{
	if (sub->err)
		b->err = sub->err;
	pb_bytes(b, field, sub->d, sub->n);
	sub->n = 0;
}

static void pb_packed(struct pb *b, uint32_t field, struct pb *tmp, const uint64_t *v, uint32_t n)
{
	if (!n)
		return;
	for (uint32_t i = 0; i < n; i++)
		pb_varint(tmp, v[i]);
	pb_msg(b, field, tmp);
}

/* --- the string table --- */

struct strtab {
	struct pb *prof;              /* the Profile being written: field 6 */
	struct hp_hmap map;           /* hash -> index */
	char **strs;
	uint32_t n;
	size_t cap;
};

/* Index of s in the string table, appending it to the profile when new. */
static uint64_t str_index(struct strtab *t, const char *s)
{
	uint64_t h = hmap_str_key(s ? s : ""), v;
	s = s ? s : "";
	for (uint64_t attempt = 1;; attempt++) {
		if (!hmap_get(&t->map, h, &v))
			break;
		if (!strcmp(t->strs[v], s))
			return v;
		h = hmap_key2(h, attempt);
	}
	if (hp_grow((void **)&t->strs, &t->cap, (size_t)t->n + 1, sizeof(*t->strs))) {
		t->prof->err = -ENOMEM;
		return 0;
	}
	if (!(t->strs[t->n] = strdup(s)) || hmap_put(&t->map, h, t->n)) {
		t->prof->err = -ENOMEM;
		return 0;
	}
	pb_bytes(t->prof, 6, s, strlen(s));
	return t->n++;
}

/* --- aggregation of the samples per (stack, tid) --- */

struct px {
	struct hp_store *st;
	struct hp_stacks *xs;
	uint64_t period_ns;
	struct hp_xrates rates;       /* runs at different rates: each one's period */
	int64_t fault_period;
	/* value columns: 0 samples, 1 cpu ns, then events; or the heap columns */
	uint32_t nvals;
	int heap;                     /* a heap profile of alloc_stacks (keys: stack, pid) */
	uint32_t default_col;         /* the default sample type's column */
	int col_of_event[64];         /* events.id -> value column, -1 when none */
	int offcpu_event;             /* events.id of off-cpu (run --off-cpu), 0 when none */
	int wall_col;                 /* its "wall" column (cpu + off-cpu ns), 0 when none */
	const char *weight;           /* -w: off-cpu or wall makes it the default type */
	const char *col_name[66], *col_unit[66];
	struct hp_xmap keys;          /* (stack id, tid) */
	int64_t *vals;                /* [vals_cap * nvals] */
	size_t vals_cap;
	struct px_run { uint32_t id; int64_t rank; char *host; } *runs;  /* the rank labels */
	uint32_t nruns;
	int err;
};

static int px_on_run(void *c, const struct hp_run_row *r)
{
	struct px *x = c;
	struct px_run *n = realloc(x->runs, (x->nruns + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	x->runs = n;
	n[x->nruns] = (struct px_run){ r->id, r->rank, r->host ? strdup(r->host) : NULL };
	if (r->host && !n[x->nruns].host)
		return -ENOMEM;
	x->nruns++;
	return 0;
}

static const struct px_run *px_run_of(const struct px *x, uint32_t id)
{
	for (uint32_t i = 0; i < x->nruns; i++)
		if (x->runs[i].id == id)
			return &x->runs[i];
	return NULL;
}

static int px_on_event(void *c, const struct hp_event_info *ev)
{
	struct px *x = c;
	if (ev->id <= 0 || ev->id >= 64 || !ev->measured || x->nvals >= 66)
		return 0;
	if (!strcmp(ev->role, "offcpu") && x->nvals + 2 <= 66) {
		/* its samples weigh their nanoseconds off the CPU; wall = cpu + off
		 * (only when the main samples stand for CPU time) */
		int wall = x->period_ns != 0;
		x->offcpu_event = ev->id;
		x->col_of_event[ev->id] = (int)x->nvals;
		x->col_name[x->nvals] = strdup("off-cpu");
		x->col_unit[x->nvals] = "nanoseconds";
		if (!x->col_name[x->nvals])
			return -ENOMEM;
		if (x->weight && !strcmp(x->weight, "off-cpu"))
			x->default_col = x->nvals;
		if (wall) {
			x->wall_col = (int)x->nvals + 1;
			x->col_name[x->wall_col] = strdup("wall");
			x->col_unit[x->wall_col] = "nanoseconds";
			if (!x->col_name[x->wall_col])
				return -ENOMEM;
			if (x->weight && !strcmp(x->weight, "wall"))
				x->default_col = (uint32_t)x->wall_col;
		}
		x->nvals += 1 + wall;
		return 0;
	}
	if (strcmp(ev->role, "counter") && strcmp(ev->role, "pagefault"))
		return 0;
	x->col_of_event[ev->id] = (int)x->nvals;
	x->col_name[x->nvals] = strdup(ev->name);
	x->col_unit[x->nvals] = !strcmp(ev->name, "task-clock") ? "nanoseconds" : "count";
	if (!x->col_name[x->nvals])
		return -ENOMEM;
	x->nvals++;
	return 0;
}

static int64_t *px_row(struct px *x, uint32_t stack_id, uint32_t tid);

/* The heap profile's columns, and which one -w names. */
static const struct {
	const char *type, *unit, *weight;
} heap_cols[] = {
	{ "alloc_objects", "count", "allocs" },   { "alloc_space", "bytes", "alloc-bytes" },
	{ "inuse_objects", "count", NULL },       { "inuse_space", "bytes", "leaked-bytes" },
	{ "peak_space", "bytes", "peak-bytes" },  { "temporary", "count", "temporary" },
};
#define NHEAP (sizeof(heap_cols) / sizeof(heap_cols[0]))

static void px_heap_columns(struct px *x, const char *weight)
{
	x->heap = 1;
	x->nvals = NHEAP;
	for (uint32_t c = 0; c < NHEAP; c++) {
		x->col_name[c] = heap_cols[c].type;
		x->col_unit[c] = heap_cols[c].unit;
		if (heap_cols[c].weight && !strcmp(heap_cols[c].weight, weight))
			x->default_col = c;
	}
}

static int px_on_alloc(void *c, const struct hp_alloc_site_row *r)
{
	struct px *x = c;
	int64_t *v = px_row(x, r->stack_id, r->pid);
	if (!v)
		return -ENOMEM;
	v[0] += (int64_t)r->allocs;
	v[1] += (int64_t)r->bytes;
	v[2] += (int64_t)r->leaked_allocs;
	v[3] += (int64_t)r->leaked_bytes;
	v[4] += (int64_t)r->peak_bytes;
	v[5] += (int64_t)r->temporary;
	return 0;
}

static int64_t *px_row(struct px *x, uint32_t stack_id, uint32_t tid)
{
	uint32_t key[2] = { stack_id, tid }, idx;
	int added;
	if (xmap_index(&x->keys, key, &idx, &added))
		return NULL;
	size_t old = x->vals_cap;
	if (hp_grow((void **)&x->vals, &x->vals_cap, x->keys.n, x->nvals * sizeof(*x->vals)))
		return NULL;
	memset(x->vals + old * x->nvals, 0, (x->vals_cap - old) * x->nvals * sizeof(*x->vals));
	return x->vals + (size_t)idx * x->nvals;
}

static int px_on_sample(void *c, const struct hp_sample_row *s)
{
	struct px *x = c;
	int64_t *v = px_row(x, s->stack_id, s->tid);
	if (!v)
		return -ENOMEM;
	if (s->event == 0) {
		int64_t ns = (int64_t)export_sample_ns(&x->rates, x->xs, s->tid, x->period_ns);
		v[0]++;
		if (x->period_ns)
			v[1] = hp_add_sat(v[1], ns);
		if (x->wall_col)
			v[x->wall_col] = hp_add_sat(v[x->wall_col], ns);
		for (uint32_t k = 0; k < s->nr_counters; k++) {
			uint32_t id = k + 1;
			int64_t d;
			if (id >= 64 || x->col_of_event[id] < 0)
				continue;
			memcpy(&d, (const char *)s->counters + k * sizeof(d), sizeof(d));
			v[x->col_of_event[id]] = hp_add_sat(v[x->col_of_event[id]], d);
		}
	} else if (x->offcpu_event && s->event == x->offcpu_event) {
		int64_t ns = 0;
		if (s->nr_counters)
			memcpy(&ns, s->counters, sizeof(ns));
		v[x->col_of_event[s->event]] = hp_add_sat(v[x->col_of_event[s->event]], ns);
		if (x->wall_col)
			v[x->wall_col] = hp_add_sat(v[x->wall_col], ns);
	} else if (s->event > 0 && s->event < 64 && x->col_of_event[s->event] >= 0) {
		v[x->col_of_event[s->event]] = hp_add_sat(v[x->col_of_event[s->event]],
							       x->fault_period);
	}
	return 0;
}

/* --- the Profile message --- */

static const char *thread_comm(const struct hp_stacks *s, uint32_t tid)
{
	const struct hp_sthread *t = stacks_thread(s, tid);
	return t && t->comm ? t->comm : "";
}

struct writer {
	struct px *x;
	struct pb prof, tmp, sub;
	struct strtab strs;
	uint8_t *loc_used, *func_used, *mod_used;
	uint64_t *mod_base, *mod_start, *mod_limit; /* address shift, mapping [start, limit) */
	uint64_t *ids;                /* scratch for packed fields */
};

static void value_type(struct writer *w, uint32_t field, const char *type, const char *unit)
{
	pb_int(&w->sub, 1, str_index(&w->strs, type));
	pb_int(&w->sub, 2, str_index(&w->strs, unit));
	pb_msg(&w->prof, field, &w->sub);
}

/* Label {key, num} or, with str, {key, str}. */
static void label(struct writer *w, uint64_t key, const char *str, uint64_t num)
{
	pb_int(&w->tmp, 1, key);
	if (str)
		pb_int(&w->tmp, 2, str_index(&w->strs, str));
	else
		pb_int(&w->tmp, 3, num);
	pb_msg(&w->sub, 3, &w->tmp);
}

/* pid, rank and host of the thread's process and run. A heap profile's
 * samples are keyed by pid (labelled already): its main thread (tid ==
 * pid) says the run. */
static void process_labels(struct writer *w, uint32_t tid, int heap)
{
	const struct hp_sthread *t = stacks_thread(w->x->xs, tid);
	const struct px_run *r = px_run_of(w->x, t ? t->run : 0);
	if (t && !heap)
		label(w, str_index(&w->strs, "pid"), NULL, t->pid);
	if (r && r->rank >= 0) {
		char rank[24];
		snprintf(rank, sizeof(rank), "%lld", (long long)r->rank);
		label(w, str_index(&w->strs, "rank"), rank, 0);
	}
	if (r && r->host)
		label(w, str_index(&w->strs, "host"), r->host, 0);
}

static void write_samples(struct writer *w)
{
	struct px *x = w->x;
	uint32_t locs[4 * HP_MAX_FRAMES], nloc = stacks_nlocations(x->xs);
	uint64_t tid_key = str_index(&w->strs, x->heap ? "pid" : "tid");
	uint64_t thread_key = str_index(&w->strs, "thread");
	for (uint32_t i = 0; i < x->keys.n && !w->prof.err; i++) {
		uint32_t stack_id = x->keys.keys[2 * i], tid = x->keys.keys[2 * i + 1];
		uint32_t n = stacks_locations(x->xs, stack_id, locs, 4 * HP_MAX_FRAMES), used = 0;
		for (uint32_t k = 0; k < n; k++) {
			if (!locs[k] || locs[k] >= nloc)
				continue;       /* the model bounds them; never index past loc_used */
			w->ids[used++] = locs[k];
			w->loc_used[locs[k]] = 1;
		}
		pb_packed(&w->sub, 1, &w->tmp, w->ids, used);
		pb_packed(&w->sub, 2, &w->tmp, (const uint64_t *)(x->vals + (size_t)i * x->nvals),
			  x->nvals);
		/* label {key: "tid", num: tid} and {key: "thread", str: comm};
		 * a heap profile's: {key: "pid", num: pid} */
		pb_int(&w->tmp, 1, tid_key);
		pb_int(&w->tmp, 3, tid);
		pb_msg(&w->sub, 3, &w->tmp);
		if (!x->heap) {
			pb_int(&w->tmp, 1, thread_key);
			pb_int(&w->tmp, 2, str_index(&w->strs, thread_comm(x->xs, tid)));
			pb_msg(&w->sub, 3, &w->tmp);
		}
		process_labels(w, tid, x->heap);
		pb_msg(&w->prof, 2, &w->sub);
	}
}

/* Each used module gets [base, limit) of its own, 1 MiB aligned. Kernel
 * modules keep their absolute addresses (base 0), far above the user ones. */
static void layout_mappings(struct writer *w)
{
	struct hp_stacks *xs = w->x->xs;
	uint32_t nloc = stacks_nlocations(xs), nmod = stacks_nmodules(xs);
	uint64_t next = 0x400000;
	for (uint32_t l = 1; l < nloc; l++) {
		uint32_t m;
		uint64_t addr;
		if (!w->loc_used[l])
			continue;
		stacks_location(xs, l, &m, &addr);
		if (m && m < nmod) {
			if (!w->mod_used[m] || addr < w->mod_start[m])
				w->mod_start[m] = addr;
			w->mod_used[m] = 1;
			if (addr + 1 > w->mod_limit[m])
				w->mod_limit[m] = addr + 1;
		}
	}
	for (uint32_t m = 1; m < nmod; m++) {
		if (!w->mod_used[m] || stacks_module_kind(xs, m) == HP_FRAME_KERNEL)
			continue;
		w->mod_base[m] = w->mod_start[m] = next;
		next += (w->mod_limit[m] + 0xfffff) & ~(uint64_t)0xfffff;
		next += 0x100000;
		w->mod_limit[m] += w->mod_base[m];
	}
}

static void write_mappings(struct writer *w)
{
	struct hp_stacks *xs = w->x->xs;
	for (uint32_t m = 1; m < stacks_nmodules(xs); m++) {
		if (!w->mod_used[m])
			continue;
		pb_int(&w->sub, 1, m);
		pb_int(&w->sub, 2, w->mod_start[m]);
		pb_int(&w->sub, 3, w->mod_limit[m]);
		pb_int(&w->sub, 5, str_index(&w->strs, stacks_module(xs, m)));
		pb_int(&w->sub, 6, str_index(&w->strs, stacks_module_build_id(xs, m)));
		for (uint32_t f = 7; f <= 10; f++)
			pb_int(&w->sub, f, 1);    /* has_functions .. has_inline_frames */
		pb_msg(&w->prof, 3, &w->sub);
	}
}

static void write_locations(struct writer *w)
{
	struct hp_stacks *xs = w->x->xs;
	for (uint32_t l = 1; l < stacks_nlocations(xs); l++) {
		const struct hp_sframe *chain;
		uint32_t m, n;
		uint64_t addr;
		if (!w->loc_used[l])
			continue;
		stacks_location(xs, l, &m, &addr);
		n = stacks_chain(xs, l, &chain);
		pb_int(&w->sub, 1, l);
		pb_int(&w->sub, 2, m < stacks_nmodules(xs) && w->mod_used[m] ? m : 0);
		pb_int(&w->sub, 3, addr + (m < stacks_nmodules(xs) ? w->mod_base[m] : 0));
		for (uint32_t d = 0; d < n; d++) {        /* innermost first */
			pb_int(&w->tmp, 1, chain[d].func);
			pb_int(&w->tmp, 2, chain[d].line);
			pb_msg(&w->sub, 4, &w->tmp);
			if (chain[d].func < stacks_nfuncs(xs))
				w->func_used[chain[d].func] = 1;
		}
		pb_msg(&w->prof, 4, &w->sub);
	}
}

static void write_functions(struct writer *w)
{
	struct hp_stacks *xs = w->x->xs;
	for (uint32_t f = 1; f < stacks_nfuncs(xs); f++) {
		if (!w->func_used[f])
			continue;
		const struct hp_sfunc *fn = stacks_func(xs, f);
		uint64_t name = str_index(&w->strs, stacks_func_name(xs, f));
		pb_int(&w->sub, 1, f);
		pb_int(&w->sub, 2, name);
		pb_int(&w->sub, 3, name);
		pb_int(&w->sub, 4, str_index(&w->strs, fn ? stacks_file(xs, fn->file) : NULL));
		pb_msg(&w->prof, 5, &w->sub);
	}
}

static uint64_t start_time_ns(struct hp_store *st)
{
	char *v = NULL;
	struct tm tm = { 0 };
	uint64_t ns = 0;
	if (store_get_meta(st, "start_time", &v) || !v)
		return 0;
	const char *end = strptime(v, "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (end) {
		long off = tm.tm_gmtoff;
		time_t t = timegm(&tm);
		if (t != (time_t)-1)
			ns = (uint64_t)(t - off) * 1000000000ull;
	}
	free(v);
	return ns;
}

static void write_profile(struct writer *w)
{
	struct px *x = w->x;
	char *cmd = NULL;
	uint32_t cols = x->nvals;
	w->strs.prof = &w->prof;
	str_index(&w->strs, "");                     /* string_table[0] must be "" */
	for (uint32_t c = 0; c < cols; c++)
		value_type(w, 1, x->col_name[c], x->col_unit[c]);
	write_samples(w);
	layout_mappings(w);
	write_mappings(w);
	write_locations(w);
	write_functions(w);
	pb_int(&w->prof, 9, start_time_ns(x->st));
	pb_int(&w->prof, 10, (uint64_t)store_get_meta_int(x->st, "duration_ns", 0));
	if (x->heap) {
		value_type(w, 11, "space", "bytes");
		pb_int(&w->prof, 12, 1);
	} else if (x->period_ns) {
		value_type(w, 11, "cpu", "nanoseconds");
		pb_int(&w->prof, 12, x->period_ns);
	} else {
		value_type(w, 11, "samples", "count");
		pb_int(&w->prof, 12, 1);
	}
	if (!store_get_meta(x->st, "command", &cmd) && cmd) {
		uint64_t idx = str_index(&w->strs, cmd);
		pb_tag(&w->prof, 13, WIRE_VARINT);
		pb_varint(&w->prof, idx);
		free(cmd);
	}
	pb_int(&w->prof, 14, str_index(&w->strs, x->col_name[x->default_col]));
	if (w->sub.err || w->tmp.err)
		w->prof.err = -ENOMEM;
}

/* gzip buf to out (zlib, gzip wrapper). */
static int gzip_to(FILE *out, const uint8_t *buf, size_t len)
{
	z_stream z = { 0 };
	uint8_t chunk[1 << 16];
	int rc, err = 0;
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		size_t have = sizeof(chunk) - z.avail_out;
		if (have && fwrite(chunk, 1, have, out) != have)
			err = -EIO;
	} while (rc == Z_OK && !err);
	if (!err && rc != Z_STREAM_END)
		err = -EIO;
	deflateEnd(&z);
	return err;
}

static int writer_init(struct writer *w, struct px *x)
{
	uint32_t nloc = stacks_nlocations(x->xs), nmod = stacks_nmodules(x->xs);
	memset(w, 0, sizeof(*w));
	w->x = x;
	hmap_init(&w->strs.map);
	w->loc_used = calloc(nloc, 1);
	w->func_used = calloc(stacks_nfuncs(x->xs), 1);
	w->mod_used = calloc(nmod, 1);
	w->mod_base = calloc(nmod, sizeof(uint64_t));
	w->mod_start = calloc(nmod, sizeof(uint64_t));
	w->mod_limit = calloc(nmod, sizeof(uint64_t));
	w->ids = calloc(4 * HP_MAX_FRAMES + 66, sizeof(uint64_t));
	return w->loc_used && w->func_used && w->mod_used && w->mod_base && w->mod_start &&
	       w->mod_limit && w->ids
	       ? 0 : -ENOMEM;
}

static void writer_release(struct writer *w)
{
	for (uint32_t i = 0; i < w->strs.n; i++)
		free(w->strs.strs[i]);
	free(w->strs.strs);
	hmap_release(&w->strs.map);
	free(w->prof.d);
	free(w->tmp.d);
	free(w->sub.d);
	free(w->loc_used);
	free(w->func_used);
	free(w->mod_used);
	free(w->mod_base);
	free(w->mod_start);
	free(w->mod_limit);
	free(w->ids);
}

int export_pprof(FILE *out, struct hp_store *st, const struct hp_export_opts *o)
{
	struct px x = { .st = st, .nvals = 2, .default_col = 1, .weight = o->weight,
			.col_name = { "samples", "cpu" }, .col_unit = { "count", "nanoseconds" } };
	struct writer w;
	int err;
	if (profile_is_alloc_weight(o->weight))
		px_heap_columns(&x, o->weight);
	for (int i = 0; i < 64; i++)
		x.col_of_event[i] = -1;
	/* Samples of another sampler (-s page-faults) stand for no CPU time:
	 * they are written as counts only (they were "cpu" nanoseconds of
	 * duration / samples, and "wall" = that + off-CPU). A merge of runs at
	 * different rates weighs each sample by its own run's period (the
	 * Profile's period is the first run's). */
	x.period_ns = export_cpu_sample_ns(st);
	if (!x.heap && !x.period_ns && (err = export_rates_load(st, &x.rates)))
		return err;
	if (x.rates.n)
		x.period_ns = x.rates.r[0].ns;
	if (!x.heap && !x.period_ns) {
		x.nvals = 1;
		x.default_col = 0;
	}
	x.fault_period = store_get_meta_int(st, "fault_period", 1);
	if (x.fault_period <= 0)
		x.fault_period = 1;
	xmap_init(&x.keys, 2);
	if ((!x.heap && (err = store_each_event(st, px_on_event, &x))) ||
	    (err = stacks_load(st, &x.xs)) || (err = store_each_run(st, px_on_run, &x)))
		goto out;
	if (o->weight && (!strcmp(o->weight, "off-cpu") || !strcmp(o->weight, "wall")) &&
	    (!x.offcpu_event || (!strcmp(o->weight, "wall") && !x.wall_col))) {
		err = -HP_EBADEVENT;          /* the run recorded no off-CPU time */
		goto out;
	}
	if (x.heap) {
		struct hp_alloc_totals t;
		if ((err = store_alloc_totals(st, &t)) || (!t.sites && (err = -HP_EBADEVENT)) ||
		    (err = store_each_alloc_stack(st, px_on_alloc, &x)))
			goto out;
	} else if ((err = store_each_sample(st, 0, 0, px_on_sample, &x))) {
		goto out;
	}
	if ((err = writer_init(&w, &x)))
		goto release;
	write_profile(&w);
	err = w.prof.err ? w.prof.err : gzip_to(out, w.prof.d, w.prof.n);
release:
	writer_release(&w);
out:
	for (uint32_t c = x.period_ns ? 2 : 1; !x.heap && c < x.nvals; c++)
		free((char *)x.col_name[c]);
	stacks_free(x.xs);
	xmap_release(&x.keys);
	free(x.vals);
	for (uint32_t i = 0; i < x.nruns; i++)
		free(x.runs[i].host);
	free(x.runs);
	export_rates_free(&x.rates);
	return err;
}

/*
 * store_merge.c - `hpprof merge`: several runs into one store, with ids
 * remapped and identical modules, functions, locations and stacks shared.
 */
#include "common/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/counters.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/satarith.h"
#include "common/store_internal.h"

/* --- merging runs ---
 *
 * Phase 1 reads the events of every input and lays out the merged event
 * table (counters 1..M in first-seen order, so that the counter blob slot
 * stays id - 1; other samplers after them). Phase 2 copies each input: the
 * small tables through the interning maps in C (so identical modules,
 * functions, locations and stack nodes are shared), the large ones
 * (samples, memory, allocation sites) with INSERT ... SELECT from the
 * ATTACHed input, through SQL functions that remap ids. */

struct merge_event {
	char *name, *role;
	unsigned present, measured;   /* inputs that have it / measured it */
	int64_t total;                /* sum over the inputs that measured it */
	uint64_t enabled_ns, running_ns;
	char *reason;                 /* why an input did not measure it */
	int out_id;
};

/* What a source event's samples carry in their counters blob. */
enum { SRC_OTHER, SRC_COUNTER, SRC_OFFCPU };

struct merge_input_events {
	int *index;                   /* src events.id -> index in merge_events, -1 when none */
	size_t n;
	unsigned char *kind;          /* src events.id -> SRC_* (0 beyond nkind) */
	size_t nkind;
};

struct merge_module { char *path, *build_id; uint32_t id; };

struct merge {
	struct hp_store *out;
	struct merge_module *mods;    /* out modules by (path, build id) */
	unsigned nmods;
	size_t mods_cap;
	struct merge_event *ev;
	unsigned nev;
	size_t ev_cap;
	unsigned ncounters;           /* out counters: ids 1..ncounters */
	struct merge_input_events *in;
	struct hp_hmap used_ids;      /* tids and pids already taken in out (id + 1) */
	unsigned nruns;               /* runs rows written so far */
};

/* One input being copied: src id -> out id for every remapped table. */
struct merge_run {
	struct merge *m;
	unsigned k;                   /* 1-based input number */
	/* out runs.id = base + 1 for a recorded input; a merged input keeps
	 * its runs apart: its run j is out run base + j (nsrc of them), so a
	 * merge of merges has each original run's own facts (its period) */
	unsigned base, nsrc;
	uint32_t *mod, *file, *func, *loc, *node;
	size_t nmod, nfile, nfunc, nloc, nnode;   /* capacities: unset ids read 0 */
	uint32_t *src_parent, *src_loc; /* stack nodes of the input */
	uint32_t loc_before;          /* out locations with larger ids are new */
	int *event;                   /* src event id -> out event id (-1: none) */
	uint32_t nevent;
	int *slot;                    /* src counter slot -> out slot (-1: none) */
	uint32_t nslot;
	int identity;                 /* counter blobs copy as they are */
	struct hp_hmap ids;           /* src tid/pid + 1 -> out tid/pid */
	int err;
};

/* arr[id] = val; *n is arr's capacity, unset ids read 0. */
static int map_put(uint32_t **arr, size_t *n, uint32_t id, uint32_t val)
{
	int err = hp_grow_zero((void **)arr, n, (size_t)id + 1, sizeof(**arr));
	if (!err)
		(*arr)[id] = val;
	return err;
}

static uint32_t map_get(const uint32_t *arr, size_t n, uint32_t id)
{
	return id < n ? arr[id] : 0;
}

/* Phase 1: the union of the inputs' events. */
struct merge_ev_ctx { struct merge *m; unsigned input; };

/* A counter read with every sample ("counter") and the same counter
 * counted for the whole run only ("total") are one event. */
static int is_counter_role(const char *role)
{
	return !strcmp(role, "counter") || !strcmp(role, "total");
}

static int same_role(const char *a, const char *b)
{
	return !strcmp(a, b) || (is_counter_role(a) && is_counter_role(b));
}

static int merge_find_event(struct merge *m, const struct hp_event_info *ev)
{
	for (unsigned i = 0; i < m->nev; i++) {
		int sampler = !strcmp(ev->role, "sampler") && ev->id == 0;
		if (sampler ? m->ev[i].out_id == 0
			    : (!strcmp(m->ev[i].name, ev->name) && same_role(m->ev[i].role, ev->role) &&
			       m->ev[i].out_id != 0))
			return (int)i;
	}
	return -1;
}

/* Per-row values only when every input read it with its samples: one
 * input's whole-run total makes the merged event a whole-run total. */
static int merge_event_role(struct merge_event *e, const char *role)
{
	if (strcmp(e->role, "counter") || strcmp(role, "total"))
		return 0;
	char *t = strdup("total");
	if (!t)
		return -ENOMEM;
	free(e->role);
	e->role = t;
	return 0;
}

static int merge_src_kind(struct merge_input_events *in, const struct hp_event_info *ev)
{
	unsigned char kind = !strcmp(ev->role, "counter") ? SRC_COUNTER
			     : !strcmp(ev->role, "offcpu") ? SRC_OFFCPU : SRC_OTHER;
	if (hp_grow_zero((void **)&in->kind, &in->nkind, (size_t)ev->id + 1, sizeof(*in->kind)))
		return -ENOMEM;
	in->kind[ev->id] = kind;
	return 0;
}

static int merge_new_event(struct merge *m, const struct hp_event_info *ev)
{
	if (hp_grow((void **)&m->ev, &m->ev_cap, (size_t)m->nev + 1, sizeof(*m->ev)))
		return -ENOMEM;
	struct merge_event *e = &m->ev[m->nev];
	memset(e, 0, sizeof(*e));
	e->name = strdup(ev->name);
	e->role = strdup(ev->role);
	e->out_id = ev->id == 0 && !strcmp(ev->role, "sampler") ? 0 : -1;
	if (!e->name || !e->role)
		return -ENOMEM;
	return (int)m->nev++;
}

static int merge_on_event(void *c, const struct hp_event_info *ev)
{
	struct merge_ev_ctx *ctx = c;
	struct merge *m = ctx->m;
	struct merge_input_events *in = &m->in[ctx->input];
	int i = merge_find_event(m, ev);
	if (ev->id < 0)
		return 0;
	if (i < 0 && (i = merge_new_event(m, ev)) < 0)
		return i;
	if ((size_t)ev->id >= in->n) {
		size_t old = in->n;
		if (hp_grow((void **)&in->index, &in->n, (size_t)ev->id + 1, sizeof(*in->index)))
			return -ENOMEM;
		for (size_t k = old; k < in->n; k++)
			in->index[k] = -1;
	}
	in->index[ev->id] = i;
	struct merge_event *e = &m->ev[i];
	int err = merge_src_kind(in, ev);
	if (err || (err = merge_event_role(e, ev->role)))
		return err;
	e->present++;
	if (ev->measured) {
		e->measured++;
		e->total = hp_add_sat(e->total, ev->total > 0 ? ev->total : 0);
		e->enabled_ns += ev->enabled_ns;
		e->running_ns += ev->running_ns;
	} else if (!e->reason && ev->reason) {
		e->reason = strdup(ev->reason);
	}
	return 0;
}

/* Counters get ids 1..M (their blob slot is id - 1), other samplers follow. */
static void merge_assign_event_ids(struct merge *m)
{
	int next = 1;
	for (unsigned i = 0; i < m->nev; i++)
		if (m->ev[i].out_id != 0 && !strcmp(m->ev[i].role, "counter"))
			m->ev[i].out_id = next++;
	m->ncounters = (unsigned)next - 1;
	for (unsigned i = 0; i < m->nev; i++)
		if (m->ev[i].out_id < 0)
			m->ev[i].out_id = next++;
}

static int merge_write_events(struct merge *m, unsigned ninputs)
{
	for (unsigned i = 0; i < m->nev; i++) {
		struct merge_event *e = &m->ev[i];
		int all = e->measured == ninputs;
		char reason[512];
		if (e->measured)
			snprintf(reason, sizeof(reason), "not measured in every merged run%s%s",
				 e->reason ? ": " : "", e->reason ? e->reason : "");
		else
			snprintf(reason, sizeof(reason), "%s", e->reason ? e->reason : "not measured");
		struct hp_event_info ev = {
			e->out_id, e->name, e->role, all || e->out_id == 0, NULL,
			all || e->out_id == 0 ? e->total : -1, e->enabled_ns, e->running_ns,
		};
		if (!ev.measured)
			ev.reason = reason;
		int err = store_add_event(m->out, &ev);
		if (err)
			return err;
	}
	return 0;
}

static int merge_read_events(struct merge *m, const char *const *paths, unsigned n,
			     unsigned *bad)
{
	for (unsigned k = 0; k < n; k++) {
		struct hp_store *src;
		struct merge_ev_ctx ctx = { m, k };
		int err = store_open(paths[k], 0, &src);
		if (!err && !store_is_symbolized(src))
			err = -HP_ENOSYMS;
		if (!err)
			err = store_each_event(src, merge_on_event, &ctx);
		store_close(src);
		if (err) {
			*bad = k;
			return err;
		}
	}
	merge_assign_event_ids(m);
	return merge_write_events(m, n);
}

/* Phase 2: one input. Event and counter-slot maps first. */
static int merge_run_events(struct merge_run *r)
{
	struct merge_input_events *in = &r->m->in[r->k - 1];
	r->nevent = in->n;
	r->event = malloc((in->n + 1) * sizeof(int));
	r->nslot = in->n;
	r->slot = malloc((in->n + 1) * sizeof(int));
	if (!r->event || !r->slot)
		return -ENOMEM;
	r->identity = 1;
	uint32_t src_counters = 0;
	for (uint32_t id = 0; id < in->n; id++) {
		int i = in->index[id];
		r->event[id] = i < 0 ? -1 : r->m->ev[i].out_id;
		r->slot[id] = -1;
		if (id && id < in->nkind && in->kind[id] == SRC_COUNTER &&
		    (i < 0 || strcmp(r->m->ev[i].role, "counter")))
			r->identity = 0;      /* a per-sample counter merged as a total: dropped */
		if (id && i >= 0 && !strcmp(r->m->ev[i].role, "counter")) {
			r->slot[id - 1] = r->event[id] - 1;
			src_counters = id;
			if (r->event[id] != (int)id)
				r->identity = 0;
		}
	}
	if (src_counters != r->m->ncounters)
		r->identity = 0;
	return 0;
}

static int same_text(const char *a, const char *b)
{
	return (!a || !*a) ? (!b || !*b) : (b && !strcmp(a, b));
}

/* Modules are shared by path and build id: two builds of one path keep
 * apart, so that a location (module, address) never takes the other
 * build's inline frames. */
static int merge_module(struct merge *m, const char *path, const char *build_id, uint32_t *id)
{
	struct hp_store *out = m->out;
	for (unsigned i = 0; i < m->nmods; i++)
		if (!strcmp(m->mods[i].path, path) && same_text(m->mods[i].build_id, build_id)) {
			*id = m->mods[i].id;
			return 0;
		}
	if (hp_grow((void **)&m->mods, &m->mods_cap, (size_t)m->nmods + 1, sizeof(*m->mods)))
		return -ENOMEM;
	struct merge_module *n = m->mods;
	uint32_t nid = out->nmodules + 1;
	int err = store_push_string(&out->module_paths, &out->module_paths_cap, nid, path);
	if (err)
		return err;
	out->nmodules = nid;
	n[m->nmods] = (struct merge_module){ strdup(path), build_id ? strdup(build_id) : NULL, nid };
	if (!n[m->nmods++].path)
		return -ENOMEM;
	*id = nid;
	return store_insert_module(out, nid, path, build_id);
}

static int merge_on_module(void *c, const struct hp_module_row *row)
{
	struct merge_run *r = c;
	uint32_t id;
	int err = merge_module(r->m, row->path, row->build_id, &id);
	return err ? err : map_put(&r->mod, &r->nmod, row->id, id);
}

static int merge_on_file(void *c, const struct hp_file_row *row)
{
	struct merge_run *r = c;
	uint32_t id;
	int err = store_intern_file(r->m->out, row->path, &id);
	return err ? err : map_put(&r->file, &r->nfile, row->id, id);
}

static int merge_on_function(void *c, const struct hp_function_row *row)
{
	struct merge_run *r = c;
	uint32_t id;
	int err = store_intern_function_raw(r->m->out, row->name, row->raw_name,
					    map_get(r->mod, r->nmod, row->module_id),
					    map_get(r->file, r->nfile, row->file_id), &id);
	return err ? err : map_put(&r->func, &r->nfunc, row->id, id);
}

static int merge_on_location(void *c, const struct hp_location_row *row)
{
	struct merge_run *r = c;
	struct hp_location l = { map_get(r->mod, r->nmod, row->module_id), row->addr };
	uint32_t id;
	int err = store_intern_location(r->m->out, &l, &id);
	return err ? err : map_put(&r->loc, &r->nloc, row->id, id);
}

static int merge_on_frame(void *c, const struct hp_frame_row *row)
{
	struct merge_run *r = c;
	uint32_t loc = map_get(r->loc, r->nloc, row->location_id);
	if (loc <= r->loc_before)   /* an earlier input brought this location */
		return 0;
	return store_add_location_frame(r->m->out, loc, row->depth,
					map_get(r->func, r->nfunc, row->function_id),
					map_get(r->file, r->nfile, row->file_id), row->line);
}

static int merge_on_node(void *c, const struct hp_node_row *row)
{
	struct merge_run *r = c;
	size_t n = r->nnode;
	int err = map_put(&r->src_parent, &n, row->id, row->parent);
	n = r->nnode;
	if (!err)
		err = map_put(&r->src_loc, &n, row->id, row->location_id);
	if (!err)
		err = map_put(&r->node, &r->nnode, row->id, 0);
	return err;
}

/* Out node of src node id, interning its callers first. */
static int merge_node(struct merge_run *r, uint32_t id, uint32_t *out)
{
	uint32_t chain[HP_MAX_FRAMES * 4], n = 0, parent = 0;
	int err;
	while (id && id < r->nnode && !r->node[id] && n < sizeof(chain) / sizeof(chain[0])) {
		chain[n++] = id;
		id = r->src_parent[id];
	}
	if (id && id < r->nnode)
		parent = r->node[id];
	while (n--) {
		uint32_t loc = map_get(r->loc, r->nloc, r->src_loc[chain[n]]);
		if ((err = store_intern_node(r->m->out, parent, loc, &parent)))
			return err;
		r->node[chain[n]] = parent;
	}
	*out = parent;
	return 0;
}

static int merge_nodes(struct merge_run *r)
{
	for (uint32_t id = 1; id < r->nnode; id++) {
		uint32_t out;
		int err;
		if (r->src_loc[id] && !r->node[id] && (err = merge_node(r, id, &out)))
			return err;
	}
	return 0;
}

/* A tid or pid of this input in the merged file. */
static uint32_t merge_id(struct merge_run *r, uint32_t id)
{
	uint64_t v;
	if (hmap_get(&r->ids, (uint64_t)id + 1, &v))
		return (uint32_t)v;
	uint32_t nid = id;
	if (hmap_get(&r->m->used_ids, (uint64_t)nid + 1, &v))
		for (nid = (r->k << 22) | (id & 0x3fffff);
		     hmap_get(&r->m->used_ids, (uint64_t)nid + 1, &v); nid++)
			;
	if (hmap_put(&r->m->used_ids, (uint64_t)nid + 1, 1) || hmap_put(&r->ids, (uint64_t)id + 1, nid))
		r->err = -ENOMEM;
	return nid;
}

static int merge_on_process(void *c, const struct hp_process_row *p)
{
	struct merge_run *r = c;
	merge_id(r, p->pid);
	return r->err;
}

static int merge_insert_process(void *c, const struct hp_process_row *p)
{
	struct merge_run *r = c;
	struct hp_store *out = r->m->out;
	sqlite3_stmt *s;
	uint64_t ppid;
	if (sqlite3_prepare_v2(out->db, "INSERT INTO processes(pid, ppid, comm, exe, start_ns, end_ns,"
			       " exit_code, peak_rss, run, heap_peak) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &s,
			       NULL) != SQLITE_OK)
		return store_sql_err(out, "merge processes");
	if (!hmap_get(&r->ids, (uint64_t)p->ppid + 1, &ppid))
		ppid = p->ppid;
	sqlite3_bind_int64(s, 1, merge_id(r, p->pid));
	store_bind_id_or_null(s, 2, (uint32_t)ppid);
	store_bind_text_or_null(s, 3, p->comm);
	store_bind_text_or_null(s, 4, p->exe);
	sqlite3_bind_int64(s, 5, (int64_t)p->start_ns);
	sqlite3_bind_int64(s, 6, (int64_t)p->end_ns);
	if (p->exit_code >= 0)
		sqlite3_bind_int(s, 7, p->exit_code);
	if (p->peak_rss >= 0)
		sqlite3_bind_int64(s, 8, p->peak_rss);
	sqlite3_bind_int(s, 9, (int)r->base + 1);   /* a merged input's: merge_src_runs */
	if (p->heap_peak >= 0)
		sqlite3_bind_int64(s, 10, p->heap_peak);
	int err = store_begin(out);
	if (!err && sqlite3_step(s) != SQLITE_DONE)
		err = store_sql_err(out, "merge processes");
	sqlite3_finalize(s);
	return err ? err : r->err;
}

static int merge_insert_thread(void *c, const struct hp_thread_row *t)
{
	struct merge_run *r = c;
	struct hp_store *out = r->m->out;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(out->db, "INSERT INTO threads(tid, pid, comm, start_ns, end_ns, run)"
			       " VALUES (?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		return store_sql_err(out, "merge threads");
	sqlite3_bind_int64(s, 1, merge_id(r, t->tid));
	sqlite3_bind_int64(s, 2, merge_id(r, t->pid));
	store_bind_text_or_null(s, 3, t->comm);
	sqlite3_bind_int64(s, 4, (int64_t)t->start_ns);
	sqlite3_bind_int64(s, 5, (int64_t)t->end_ns);
	sqlite3_bind_int(s, 6, (int)(r->base + (r->nsrc ? t->run : 1)));
	int err = store_begin(out);
	if (!err && sqlite3_step(s) != SQLITE_DONE)
		err = store_sql_err(out, "merge threads");
	sqlite3_finalize(s);
	return err ? err : r->err;
}

/* SQL functions used by the bulk copies; user data is the merge_run. */
static void sqlf_node(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct merge_run *r = sqlite3_user_data(cx);
	uint32_t id = (uint32_t)sqlite3_value_int64(argv[0]);
	sqlite3_result_int64(cx, map_get(r->node, r->nnode, id));
}

static void sqlf_id(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct merge_run *r = sqlite3_user_data(cx);
	sqlite3_result_int64(cx, merge_id(r, (uint32_t)sqlite3_value_int64(argv[0])));
}

static void sqlf_event(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct merge_run *r = sqlite3_user_data(cx);
	int64_t id = sqlite3_value_int64(argv[0]);
	sqlite3_result_int64(cx, id >= 0 && (uint64_t)id < r->nevent && r->event[id] >= 0
					 ? r->event[id] : id);
}

/* hp_merge_counters(event, counters): a sample's counter values moved to
 * the merged slots. An off-CPU interval's blob (its ns and wait class, not
 * counter slots) is copied as it is; no merged counter left: NULL. */
static void sqlf_counters(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct merge_run *r = sqlite3_user_data(cx);
	const struct merge_input_events *src = &r->m->in[r->k - 1];
	int64_t in[HP_MAX_COUNTERS * 4], outv[HP_MAX_COUNTERS * 4] = { 0 };
	int64_t ev = sqlite3_value_int64(argv[0]);
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || r->identity ||
	    (ev >= 0 && (uint64_t)ev < src->nkind && src->kind[ev] == SRC_OFFCPU)) {
		sqlite3_result_value(cx, argv[1]);
		return;
	}
	uint8_t enc[HP_COUNTERS_MAX_BYTES(HP_MAX_COUNTERS * 4)];
	uint32_t nout = r->m->ncounters;
	if (!nout) {
		sqlite3_result_null(cx);
		return;
	}
	int n = counters_decode(sqlite3_value_blob(argv[1]), (size_t)sqlite3_value_bytes(argv[1]),
				in, HP_MAX_COUNTERS * 4);
	if (n < 0 || nout > sizeof(outv) / sizeof(outv[0])) {
		sqlite3_result_error(cx, "malformed counter blob", -1);
		return;
	}
	for (uint32_t j = 0; j < (uint32_t)n && j < r->nslot; j++)
		if (r->slot[j] >= 0 && (uint32_t)r->slot[j] < nout)
			outv[r->slot[j]] = in[j];
	sqlite3_result_blob(cx, enc, (int)counters_encode(outv, nout, enc), SQLITE_TRANSIENT);
}

static int merge_functions(struct hp_store *out, void *r)
{
	static const struct { const char *name; void (*fn)(sqlite3_context *, int, sqlite3_value **); }
	fns[] = { { "hp_merge_node", sqlf_node }, { "hp_merge_id", sqlf_id },
		  { "hp_merge_event", sqlf_event }, { "hp_merge_counters", sqlf_counters } };
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (sqlite3_create_function(out->db, fns[i].name, fns[i].fn == sqlf_counters ? 2 : 1,
					    SQLITE_UTF8, r,
					    r ? fns[i].fn : NULL, NULL, NULL) != SQLITE_OK)
			return store_sql_err(out, "create function");
	return 0;
}

static const char merge_copy_sql[] =
	"INSERT INTO main.samples(t_ns, tid, stack_id, event, counters)"
	" SELECT t_ns, hp_merge_id(tid), hp_merge_node(stack_id), hp_merge_event(event),"
	" hp_merge_counters(event, counters) FROM src.samples ORDER BY rowid;"
	"INSERT INTO main.memory(pid, t_ns, rss_bytes, heap_bytes, rss_anon, rss_file, rss_shmem)"
	" SELECT hp_merge_id(pid), t_ns, rss_bytes, heap_bytes, rss_anon, rss_file, rss_shmem"
	" FROM src.memory ORDER BY rowid;"
	"INSERT INTO main.alloc_stacks(stack_id, allocs, bytes, peak_bytes, leaked_bytes,"
	" leaked_allocs, temporary, pid) SELECT hp_merge_node(stack_id), allocs, bytes, peak_bytes,"
	" leaked_bytes, leaked_allocs, temporary, hp_merge_id(pid) FROM src.alloc_stacks WHERE 1"
	" ON CONFLICT(stack_id, pid) DO UPDATE SET allocs = allocs + excluded.allocs,"
	" bytes = bytes + excluded.bytes, peak_bytes = peak_bytes + excluded.peak_bytes,"
	" leaked_bytes = leaked_bytes + excluded.leaked_bytes,"
	" leaked_allocs = leaked_allocs + excluded.leaked_allocs,"
	" temporary = temporary + excluded.temporary;";

/* The input's run_info as its run's run_meta rows. */
static int merge_run_meta(struct merge_run *r)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "INSERT INTO main.run_meta(run, key, value) SELECT %u, key, value"
		 " FROM src.meta", r->base + 1);
	return store_exec_sql(r->m->out, sql);
}

/* A merged input's runs as runs of their own (ids shifted by r->base):
 * their rows, their run_meta and their processes' run. */
static int merge_src_runs(struct merge_run *r)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO main.runs(id, path, command, start_time, duration_ns, samples,"
		 " exit_status) SELECT id + %u, path, command, start_time, duration_ns, samples, exit_status"
		 " FROM src.runs ORDER BY id;"
		 "INSERT INTO main.run_meta(run, key, value) SELECT run + %u, key, value"
		 " FROM src.run_meta;"
		 "UPDATE main.processes SET run = %u + (SELECT s.run FROM src.processes s"
		 " WHERE hp_merge_id(s.pid) = main.processes.pid) WHERE run = %u",
		 r->base, r->base, r->base, r->base + 1);
	return store_exec_sql(r->m->out, sql);
}

/* The runs of a merged input (runs rows with their run_meta), 0 for a
 * recorded one. */
static int src_runs(struct hp_store *src, unsigned *n)
{
	int64_t v = 0;
	int err = store_each_row(src, "SELECT CASE WHEN (SELECT COUNT(*) FROM sqlite_master WHERE"
				 " type = 'table' AND name = 'run_meta') > 0 THEN (SELECT COUNT(*)"
				 " FROM runs) ELSE 0 END", store_int_row, &v);
	*n = (unsigned)v;
	return err;
}

static int merge_bulk(struct merge_run *r, const char *path)
{
	struct hp_store *out = r->m->out;
	sqlite3_stmt *s;
	int err = store_flush(out);
	if (err)
		return err;
	if (sqlite3_prepare_v2(out->db, "ATTACH ? AS src", -1, &s, NULL) != SQLITE_OK)
		return store_sql_err(out, "attach");
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_sql_err(out, "attach");
	if ((err = merge_functions(out, r)) || (err = store_begin(out)) || (err = store_exec_sql(out, merge_copy_sql)))
		goto detach;
	/* The merged run_info starts as the first input's, without what is one
	 * rank's own; every input keeps its run_info in run_meta. */
	if (!err && r->k == 1)
		err = store_exec_sql(out, "INSERT OR REPLACE INTO main.meta(key, value) SELECT key, value"
				" FROM src.meta WHERE key NOT IN ('mpi_rank', 'mpi_rank_from')");
	if (!err && r->nsrc)
		err = merge_src_runs(r);
	else if (!err)
		err = merge_run_meta(r);
	if (!err && !r->nsrc && sqlite3_prepare_v2(out->db,
		"INSERT INTO main.runs(id, path, command, start_time, duration_ns, samples, exit_status)"
		" SELECT ?1, ?2, (SELECT value FROM src.meta WHERE key = 'command'),"
		" (SELECT value FROM src.meta WHERE key = 'start_time'),"
		" (SELECT CAST(value AS INTEGER) FROM src.meta WHERE key = 'duration_ns'),"
		" (SELECT COUNT(*) FROM src.samples WHERE event = 0),"
		" (SELECT CAST(value AS INTEGER) FROM src.meta WHERE key = 'exit_status')",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int(s, 1, (int)r->base + 1);
		sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			err = store_sql_err(out, "merge runs");
		sqlite3_finalize(s);
	} else if (!err && !r->nsrc) {
		err = store_sql_err(out, "merge runs");
	}
	if (!err)
		err = store_flush(out);
detach:
	if (err && out->in_txn) {
		store_exec_sql(out, "ROLLBACK");
		out->in_txn = 0;
	}
	merge_functions(out, NULL);
	int derr = store_exec_sql(out, "DETACH src");
	return err ? err : derr;
}

static int merge_used_id(void *c, sqlite3_stmt *s)
{
	struct merge *m = c;
	return hmap_put(&m->used_ids, (uint64_t)sqlite3_column_int64(s, 0) + 1, 1);
}

static void merge_run_release(struct merge_run *r)
{
	free(r->mod);
	free(r->file);
	free(r->func);
	free(r->loc);
	free(r->node);
	free(r->src_parent);
	free(r->src_loc);
	free(r->event);
	free(r->slot);
	hmap_release(&r->ids);
}

static int merge_input(struct merge *m, const char *path, unsigned k)
{
	struct merge_run r = { .m = m, .k = k, .base = m->nruns };
	struct hp_store *src;
	int err = store_open(path, 0, &src);
	if (err)
		return err;
	if ((err = src_runs(src, &r.nsrc))) {
		store_close(src);
		return err;
	}
	hmap_init(&r.ids);
	r.loc_before = m->out->nlocations;
	if ((err = merge_run_events(&r)) ||
	    (err = store_each_module(src, merge_on_module, &r)) ||
	    (err = store_each_file(src, merge_on_file, &r)) ||
	    (err = store_each_function(src, merge_on_function, &r)) ||
	    (err = store_each_location(src, merge_on_location, &r)) ||
	    (err = store_each_location_frame(src, merge_on_frame, &r)) ||
	    (err = store_each_stack_node(src, merge_on_node, &r)) ||
	    (err = merge_nodes(&r)) ||
	    (err = store_each_row(m->out, "SELECT tid FROM threads UNION SELECT pid FROM processes",
			    merge_used_id, m)) ||
	    (err = store_each_process(src, merge_on_process, &r)) ||
	    (err = store_each_process(src, merge_insert_process, &r)) ||
	    (err = store_each_thread(src, merge_insert_thread, &r)))
		goto out;
	err = merge_bulk(&r, path);
	if (!err)
		m->nruns += r.nsrc ? r.nsrc : 1;
out:
	store_close(src);
	merge_run_release(&r);
	return err;
}

/* The samples of the out runs (from, to]: one input's. */
static int merged_samples(struct hp_store *out, unsigned from, unsigned to, uint64_t *samples)
{
	char sql[96];
	int64_t v = 0;
	snprintf(sql, sizeof(sql), "SELECT TOTAL(samples) FROM runs WHERE id > %u AND id <= %u",
		 from, to);
	int err = store_each_row(out, sql, store_int_row, &v);
	*samples = (uint64_t)v;
	return err;
}

int store_merge(struct hp_store *out, const char *const *paths, unsigned n, uint64_t *samples,
		unsigned *bad_input)
{
	struct merge m = { .out = out };
	unsigned bad = 0;
	int err;
	hmap_init(&m.used_ids);
	m.in = calloc(n ? n : 1, sizeof(*m.in));
	if (!m.in)
		return -ENOMEM;
	if ((err = store_load_interning(out)) || (err = merge_read_events(&m, paths, n, &bad)))
		goto out;
	for (unsigned k = 0; k < n && !err; k++) {
		bad = k;
		unsigned from = m.nruns;
		err = merge_input(&m, paths[k], k + 1);
		if (!err && samples)
			err = merged_samples(out, from, m.nruns, &samples[k]);
	}
out:
	if (bad_input)
		*bad_input = bad;
	for (unsigned i = 0; i < m.nev; i++) {
		free(m.ev[i].name);
		free(m.ev[i].role);
		free(m.ev[i].reason);
	}
	for (unsigned k = 0; k < n; k++) {
		free(m.in[k].index);
		free(m.in[k].kind);
	}
	for (unsigned i = 0; i < m.nmods; i++) {
		free(m.mods[i].path);
		free(m.mods[i].build_id);
	}
	free(m.mods);
	free(m.ev);
	free(m.in);
	hmap_release(&m.used_ids);
	return err;
}

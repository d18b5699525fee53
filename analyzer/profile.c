/*
 * profile.c - aggregate a store's samples into the profile model
 * (profile.h) over the stack model (stacks.h).
 *
 * Reads the stack model, then meta, events, processes, memory and samples.
 * Samples are first summed per distinct stack (a few thousand), and only
 * then are the stacks' frames aggregated into functions and lines, so the
 * cost is one pass over the samples plus work proportional to the distinct
 * stacks. Names, paths and frames are the model's; the counter sums live in
 * its arena.
 */
#include "analyzer/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/arena.h"
#include "analyzer/offcpu_class.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/satarith.h"
#include "common/store.h"

#define NONE UINT32_MAX

/* events.id i as a column of per-sample values. */
struct ev_info {
	uint32_t col;                 /* index into events[], NONE if not a column */
	int64_t weight;               /* value of one sample (second samplers) */
	int offcpu;                   /* the off-CPU event: a sample weighs its counters[0] */
	int slot;                     /* a counter read with the samples (blob slot id - 1) */
};

struct priv {
	struct hp_arena *arena;       /* the model's */
	size_t meta_cap, events_cap, threads_cap, processes_cap, memory_cap;
	size_t functions_cap, lines_cap, stacks_cap, runs_cap;
	struct ev_info *evs; size_t nevs;
	uint32_t *func_index;         /* functions.id -> index in functions[], NONE */
	size_t nfunc_index;
	struct hp_hmap stack_index;   /* stack id + 1 -> index in stacks[] */
	struct hp_hmap line_index;    /* (file, line, func) -> index in lines[] */
	struct hp_hmap thread_index;  /* tid + 1 -> index in threads[] */
	const struct hp_profile_filter *filter;
};

/* A zeroed [nevents] column vector in the arena (NULL when no columns). */
static int64_t *columns(struct hp_profile *p, int *err)
{
	struct priv *pv = p->priv;
	if (!p->nevents)
		return NULL;
	int64_t *c = arena_alloc(pv->arena, p->nevents * sizeof(*c));
	if (!c)
		*err = -ENOMEM;
	else
		memset(c, 0, p->nevents * sizeof(*c));
	return c;
}

/* A zeroed [nruns] vector in the arena when the profile has several runs,
 * else NULL (a single run's figures are the whole profile's). */
static uint64_t *per_run(struct hp_profile *p, int *err)
{
	struct priv *pv = p->priv;
	if (p->nruns < 2)
		return NULL;
	uint64_t *v = arena_alloc(pv->arena, p->nruns * sizeof(*v));
	if (!v)
		*err = -ENOMEM;
	else
		memset(v, 0, p->nruns * sizeof(*v));
	return v;
}

/* --- run facts --- */

static int on_meta(void *ctx, const char *k, const char *v)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	size_t cap = pv->meta_cap;
	if (hp_grow((void **)&p->meta_keys, &cap, p->nmeta + 1, sizeof(*p->meta_keys)) ||
	    hp_grow((void **)&p->meta_values, &pv->meta_cap, p->nmeta + 1, sizeof(*p->meta_values)))
		return -ENOMEM;
	p->meta_keys[p->nmeta] = arena_strdup(pv->arena, k);
	p->meta_values[p->nmeta] = arena_strdup(pv->arena, v ? v : "");
	if (!p->meta_keys[p->nmeta] || !p->meta_values[p->nmeta])
		return -ENOMEM;
	p->nmeta++;
	return 0;
}

static int on_event(void *ctx, const struct hp_event_info *ev)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	size_t old = pv->nevs;
	if (ev->id < 0 || !strcmp(ev->role, "sampler"))
		return 0;
	if (hp_grow((void **)&pv->evs, &pv->nevs, (size_t)ev->id + 1, sizeof(*pv->evs)) ||
	    hp_grow((void **)&p->events, &pv->events_cap, p->nevents + 1, sizeof(*p->events)))
		return -ENOMEM;
	for (size_t i = old; i < pv->nevs; i++)
		pv->evs[i].col = NONE;
	struct hp_pevent *e = &p->events[p->nevents];
	e->id = ev->id;
	e->name = arena_strdup(pv->arena, ev->name);
	e->role = arena_strdup(pv->arena, ev->role);
	e->measured = ev->measured;
	e->rows = strcmp(ev->role, "total") != 0;
	e->reason = arena_strdup(pv->arena, ev->reason);
	e->total = ev->total;
	e->running_pct = ev->enabled_ns ? 100.0 * (double)ev->running_ns / (double)ev->enabled_ns
					: 100.0;
	if (!e->name || !e->role || (ev->reason && !e->reason))
		return -ENOMEM;
	pv->evs[ev->id].offcpu = !strcmp(ev->role, "offcpu");
	if (pv->evs[ev->id].offcpu && ev->measured)
		p->offcpu_col = (int)p->nevents;
	pv->evs[ev->id].col = p->nevents++;
	pv->evs[ev->id].weight = 1;
	pv->evs[ev->id].slot = !strcmp(ev->role, "counter");
	return 0;
}

/* --- allocation weights (filter->alloc_weights) --- */

static struct hp_pstack *stack_of(struct hp_profile *p, uint32_t stack_id);

const char *const hp_alloc_weights[HP_ALLOC_NWEIGHTS] = {
	"allocs", "alloc-bytes", "leaked-bytes", "peak-bytes", "temporary",
};

int profile_is_alloc_weight(const char *name)
{
	for (int i = 0; name && i < HP_ALLOC_NWEIGHTS; i++)
		if (!strcmp(name, hp_alloc_weights[i]))
			return 1;
	return 0;
}

/* The columns, appended to events[] before any stack exists (every stack
 * gets all columns); ids are negative: they are no events.id. */
static int add_alloc_columns(struct hp_profile *p, struct hp_store *st)
{
	struct priv *pv = p->priv;
	struct hp_alloc_totals t;
	int err = store_alloc_totals(st, &t);
	if (err || !t.sites)
		return err;
	for (int i = 0; i < HP_ALLOC_NWEIGHTS; i++) {
		if (hp_grow((void **)&p->events, &pv->events_cap, p->nevents + 1, sizeof(*p->events)))
			return -ENOMEM;
		p->events[p->nevents++] = (struct hp_pevent){
			.id = -1 - i, .name = hp_alloc_weights[i], .role = "alloc", .measured = 1,
			.rows = 1, .running_pct = 100.0 };
	}
	return 0;
}

static int on_alloc_stack(void *ctx, const struct hp_alloc_site_row *r)
{
	struct hp_profile *p = ctx;
	const struct hp_profile_filter *f = ((struct priv *)p->priv)->filter;
	int col = profile_event_index(p, hp_alloc_weights[0]);
	int64_t v[HP_ALLOC_NWEIGHTS] = { (int64_t)r->allocs, (int64_t)r->bytes,
					 (int64_t)r->leaked_bytes, (int64_t)r->peak_bytes,
					 (int64_t)r->temporary };
	const struct hp_sthread *t;
	if (col < 0 || (f->pid && r->pid && r->pid != f->pid))
		return 0;
	/* a rank's allocations: its processes' (a process's main thread has tid = pid) */
	if (f->run && (!(t = stacks_thread(p->model, r->pid)) || t->run != f->run))
		return 0;
	struct hp_pstack *s = stack_of(p, r->stack_id);
	if (!s)
		return -ENOMEM;
	for (int i = 0; i < HP_ALLOC_NWEIGHTS; i++) {
		s->c[col + i] += v[i];
		p->events[col + i].total += v[i];
	}
	return 0;
}

/* A second sampler's sample stands for `period` events. */
static void set_weights(struct hp_profile *p)
{
	struct priv *pv = p->priv;
	const char *period = profile_meta(p, "fault_period");
	for (uint32_t e = 0; e < p->nevents; e++)
		if (!strcmp(p->events[e].role, "pagefault") && period)
			pv->evs[p->events[e].id].weight = strtoll(period, NULL, 10);
}

static int on_run(void *ctx, const struct hp_run_row *r)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	if (hp_grow((void **)&p->runs, &pv->runs_cap, p->nruns + 1, sizeof(*p->runs)))
		return -ENOMEM;
	p->runs[p->nruns++] = (struct hp_prun){
		.id = r->id, .path = arena_strdup(pv->arena, r->path), .rank = r->rank,
		.size = r->size, .host = arena_strdup(pv->arena, r->host),
		.job = arena_strdup(pv->arena, r->job), .pid = r->pid, .exit_status = r->exit_status,
		.signal = arena_strdup(pv->arena, r->signal), .interrupted = r->interrupted,
		.duration_ns = r->duration_ns, .sample_ns = r->cpu_sample_ns };
	return 0;
}

static int load_runs(struct hp_store *st, struct hp_profile *p)
{
	int err = store_each_run(st, on_run, p);
	if (!err && !p->nruns)
		err = on_run(p, &(struct hp_run_row){ .rank = -1, .size = -1, .exit_status = -1,
							 .duration_ns = -1 });
	return err;
}

/* Index into runs[] of runs.id `id` (0 when unknown: a thread of a file
 * that names no run). */
static uint32_t run_index(const struct hp_profile *p, uint32_t id)
{
	for (uint32_t i = 0; i < p->nruns; i++)
		if (p->runs[i].id == id)
			return i;
	return 0;
}

/* Each run's CPU time per main sample (a recorded profile's from its
 * run_info); 1 when the runs of a merge differ (sampled at different rates
 * or by different samplers) and every one has such a time. */
static int mixed_rates(struct hp_profile *p)
{
	int differ = 0;
	for (uint32_t i = 0; i < p->nruns; i++) {
		if (p->nruns == 1 || !p->runs[i].sample_ns)
			p->runs[i].sample_ns = p->nruns == 1 ? p->cpu_sample_ns : 0;
		if (p->runs[i].sample_ns <= 0)
			return 0;
		differ |= p->runs[i].sample_ns != p->runs[0].sample_ns;
	}
	return differ;
}

static int add_time_column(struct hp_profile *p, int64_t id, const char *name)
{
	struct priv *pv = p->priv;
	if (hp_grow((void **)&p->events, &pv->events_cap, p->nevents + 1, sizeof(*p->events)))
		return -ENOMEM;
	p->events[p->nevents] = (struct hp_pevent){ .id = id, .name = name, .role = name,
						    .measured = 1, .rows = 1, .running_pct = 100.0 };
	return (int)p->nevents++;
}

/* The derived columns, ids without an events row, before any stack
 * exists: "cpu-time" (HP_PEVENT_CPU_TIME) in a merge of runs sampled at different
 * rates (the time each main sample stands for: its run's period), and
 * "wall" (HP_PEVENT_WALL) with off-CPU time and a known CPU time per sample. */
static int add_wall_column(struct hp_profile *p)
{
	const char *ns = profile_meta(p, "cpu_sample_ns");
	p->cpu_sample_ns = ns ? strtoll(ns, NULL, 10) : 0;
	int mixed = mixed_rates(p);
	if (mixed && (p->cpu_col = add_time_column(p, HP_PEVENT_CPU_TIME, "cpu-time")) < 0)
		return p->cpu_col;
	if (p->offcpu_col < 0 || (p->cpu_sample_ns <= 0 && !mixed))
		return 0;
	p->wall_col = add_time_column(p, HP_PEVENT_WALL, "wall");
	return p->wall_col < 0 ? p->wall_col : 0;
}

/* An off-CPU sample: counters[0] ns off the CPU, counters[1] its class. */
static void add_offcpu(struct hp_profile *p, struct hp_pstack *s, const struct hp_sample_row *r)
{
	int64_t v[2] = { 0, 0 };
	memcpy(v, r->counters, (r->nr_counters < 2 ? r->nr_counters : 2) * sizeof(int64_t));
	s->c[p->offcpu_col] += v[0];
	if (p->wall_col >= 0) {
		s->c[p->wall_col] += v[0];
		p->events[p->wall_col].total += v[0];
	}
	if (v[1] > HP_WAIT_BLOCKED && v[1] < HP_WAIT_NCLASSES) {   /* the collector knew */
		s->classed_ns += v[0];
		p->wait_ns[v[1]] += v[0];
	}
	uint64_t idx;
	struct priv *pv = p->priv;
	if (hmap_get(&pv->thread_index, (uint64_t)r->tid + 1, &idx))
		p->threads[idx].off_ns += v[0];
}

static int add_thread(struct hp_profile *p, uint32_t tid, uint32_t pid, const char *comm)
{
	struct priv *pv = p->priv;
	const struct hp_sthread *st = stacks_thread(p->model, tid);
	if (hp_grow((void **)&p->threads, &pv->threads_cap, p->nthreads + 1, sizeof(*p->threads)))
		return -ENOMEM;
	p->threads[p->nthreads] = (struct hp_pthread){ tid, pid, comm, 0, 0, 0,
						       run_index(p, st ? st->run : 0), 0 };
	return hmap_put(&pv->thread_index, (uint64_t)tid + 1, p->nthreads++);
}

static int load_threads(struct hp_profile *p)
{
	uint32_t n;
	const struct hp_sthread *t = stacks_threads(p->model, &n);
	int err = 0;
	for (uint32_t i = 0; i < n && !err; i++)
		err = add_thread(p, t[i].tid, t[i].pid, t[i].comm);
	return err;
}

static int on_process(void *ctx, const struct hp_process_row *r)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	if (hp_grow((void **)&p->processes, &pv->processes_cap, p->nprocesses + 1,
		    sizeof(*p->processes)))
		return -ENOMEM;
	p->processes[p->nprocesses++] = (struct hp_pprocess){
		r->pid, r->ppid, arena_strdup(pv->arena, r->comm), arena_strdup(pv->arena, r->exe),
		r->start_ns, r->end_ns, r->exit_code, r->peak_rss, 0, r->heap_peak };
	return 0;
}

static int on_memory(void *ctx, const struct hp_mem_reading *m)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	if (hp_grow((void **)&p->memory, &pv->memory_cap, p->nmemory + 1, sizeof(*p->memory)))
		return -ENOMEM;
	p->memory[p->nmemory++] = *m;
	return 0;
}

/* --- summing samples per stack --- */

static struct hp_pstack *stack_of(struct hp_profile *p, uint32_t stack_id)
{
	struct priv *pv = p->priv;
	uint64_t idx;
	int err = 0;
	if (hmap_get(&pv->stack_index, (uint64_t)stack_id + 1, &idx))
		return &p->stacks[idx];
	if (hp_grow((void **)&p->stacks, &pv->stacks_cap, p->nstacks + 1, sizeof(*p->stacks)))
		return NULL;
	struct hp_pstack *s = &p->stacks[p->nstacks];
	memset(s, 0, sizeof(*s));
	s->id = stack_id;
	s->leaf_line = NONE;
	s->py_line = NONE;
	s->c = columns(p, &err);
	s->rsamples = per_run(p, &err);
	if (err || hmap_put(&pv->stack_index, (uint64_t)stack_id + 1, p->nstacks))
		return NULL;
	p->nstacks++;
	return s;
}

static int selected(const struct hp_profile *p, const struct hp_sample_row *r)
{
	const struct hp_profile_filter *f = ((const struct priv *)p->priv)->filter;
	const struct hp_sthread *t;
	if (!f)
		return 1;
	if (f->tid && r->tid != f->tid)
		return 0;
	if (f->pid && (!(t = stacks_thread(p->model, r->tid)) || t->pid != f->pid))
		return 0;
	if (f->run && (!(t = stacks_thread(p->model, r->tid)) || t->run != f->run))
		return 0;
	return 1;
}

/* Count the sample for its thread and run; the run's index into runs[]. */
static uint32_t count_thread(struct hp_profile *p, const struct hp_sample_row *r)
{
	struct priv *pv = p->priv;
	uint64_t idx;
	if (!hmap_get(&pv->thread_index, (uint64_t)r->tid + 1, &idx)) {
		if (add_thread(p, r->tid, r->tid, NULL) ||
		    !hmap_get(&pv->thread_index, (uint64_t)r->tid + 1, &idx))
			return 0;
	}
	struct hp_pthread *t = &p->threads[idx];
	if (!t->samples)
		t->first_ns = r->t_ns;
	t->samples++;
	t->last_ns = r->t_ns;
	p->runs[t->run].samples++;
	return t->run;
}

static int on_sample(void *ctx, const struct hp_sample_row *r)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	if (!selected(p, r))
		return 0;
	struct hp_pstack *s = stack_of(p, r->stack_id);
	if (!s)
		return -ENOMEM;
	if (r->event == 0) {
		s->samples++;
		s->end_outermost += r->unwind == HP_STACK_END_OUTERMOST;
		s->end_cut += r->unwind == HP_STACK_END_CUT;
		s->end_hole += r->unwind == HP_STACK_END_HOLE;
		s->end_joined += r->unwind == HP_STACK_END_JOINED;
		p->nsamples++;
		/* rows come in the order stored: a joined sample (stackjoin.h)
		 * comes after its thread's next one */
		if (p->nsamples == 1 || r->t_ns < p->t_first)
			p->t_first = r->t_ns;
		if (r->t_ns > p->t_last)
			p->t_last = r->t_ns;
		uint32_t run = count_thread(p, r);
		int64_t ns = p->cpu_col >= 0 ? p->runs[run].sample_ns : p->cpu_sample_ns;
		if (s->rsamples)
			s->rsamples[run]++;
		if (p->wall_col >= 0) {
			s->c[p->wall_col] += ns;
			p->events[p->wall_col].total += ns;
		}
		if (p->cpu_col >= 0) {
			s->c[p->cpu_col] += ns;
			p->events[p->cpu_col].total += ns;
		}
		for (uint32_t k = 0; k < r->nr_counters; k++) {
			uint32_t id = k + 1;
			int64_t v;
			if (id >= pv->nevs || pv->evs[id].col == NONE || !pv->evs[id].slot)
				continue;
			memcpy(&v, (const char *)r->counters + k * sizeof(v), sizeof(v));
			s->c[pv->evs[id].col] = hp_add_sat(s->c[pv->evs[id].col], v);
		}
	} else if ((uint32_t)r->event < pv->nevs && pv->evs[r->event].offcpu) {
		if (p->offcpu_col >= 0)
			add_offcpu(p, s, r);
	} else if ((uint32_t)r->event < pv->nevs && pv->evs[r->event].col != NONE) {
		s->c[pv->evs[r->event].col] = hp_add_sat(s->c[pv->evs[r->event].col],
							   pv->evs[r->event].weight);
	}
	return 0;
}

/* --- aggregating stacks into functions and lines --- */

static uint32_t function_index(struct hp_profile *p, uint32_t fid)
{
	struct priv *pv = p->priv;
	int err = 0;
	if (fid < pv->nfunc_index && pv->func_index[fid] != NONE)
		return pv->func_index[fid];
	if (hp_grow((void **)&p->functions, &pv->functions_cap, p->nfunctions + 1,
		    sizeof(*p->functions)))
		return NONE;
	struct hp_pfunc *f = &p->functions[p->nfunctions];
	const struct hp_sfunc *sf = stacks_func(p->model, fid);
	memset(f, 0, sizeof(*f));
	f->id = fid;
	f->name = sf ? sf->name : "[unknown]";
	f->module = sf ? stacks_module(p->model, sf->module) : NULL;
	f->file = sf ? stacks_file(p->model, sf->file) : NULL;
	f->cself = columns(p, &err);
	f->ctotal = columns(p, &err);
	f->rself = per_run(p, &err);
	f->rtotal = per_run(p, &err);
	if (err)
		return NONE;
	if (fid < pv->nfunc_index)
		pv->func_index[fid] = p->nfunctions;
	return p->nfunctions++;
}

static uint32_t line_index(struct hp_profile *p, uint32_t file_id, uint32_t line, uint32_t func)
{
	struct priv *pv = p->priv;
	uint64_t key = hmap_key2(((uint64_t)file_id << 32) | line, func), idx;
	int err = 0;
	if (hmap_get(&pv->line_index, key, &idx))
		return (uint32_t)idx;
	if (hp_grow((void **)&p->lines, &pv->lines_cap, p->nlines + 1, sizeof(*p->lines)))
		return NONE;
	struct hp_pline *l = &p->lines[p->nlines];
	l->file_id = file_id;
	l->file = stacks_file(p->model, file_id);
	l->line = line;
	l->func = func;
	l->self = 0;
	l->kernel = 0;
	l->kernel_ns = 0;
	l->c = columns(p, &err);
	l->rself = p->cpu_col >= 0 ? per_run(p, &err) : NULL;   /* diff's noise needs them */
	if (err || hmap_put(&pv->line_index, key, p->nlines))
		return NONE;
	return p->nlines++;
}

static void add_weights(int64_t *dst, const int64_t *src, uint32_t n)
{
	for (uint32_t e = 0; e < n; e++)
		dst[e] = hp_add_sat(dst[e], src[e]);
}

static void add_runs(uint64_t *dst, const uint64_t *src, uint32_t n)
{
	for (uint32_t r = 0; dst && r < n; r++)
		dst[r] += src[r];
}

/* The stack's samples as compute or MPI time, per run. */
static void classify(struct hp_profile *p, struct hp_pstack *s)
{
	s->cls = (uint8_t)stacks_class(p->model, s->id);
	if (s->cls != HP_STACK_MPI)
		return;
	p->mpi_samples += s->samples;
	for (uint32_t r = 0; r < p->nruns; r++)
		p->runs[r].mpi_samples += s->rsamples ? s->rsamples[r] : s->samples;
}

/* The off-CPU and wall columns' self belongs to the innermost program
 * frame: taken back from the innermost frame (sign -1), given to the
 * user leaf (+1). */
static void move_user_self(struct hp_profile *p, const struct hp_pstack *s, struct hp_pfunc *f,
			   int sign)
{
	if (p->offcpu_col >= 0)
		f->cself[p->offcpu_col] += sign * s->c[p->offcpu_col];
	if (p->wall_col >= 0)
		f->cself[p->wall_col] += sign * s->c[p->wall_col];
}

/* The off-CPU time of every stack by wait class: as the collector saw it
 * (preempted; the system call of a wait found asleep at an attach: added
 * by add_offcpu), the rest from the stack's frames. */
static void classify_waits(struct hp_profile *p)
{
	if (p->offcpu_col < 0)
		return;
	for (uint32_t i = 0; i < p->nstacks; i++) {
		const struct hp_pstack *s = &p->stacks[i];
		int64_t blocked = s->c[p->offcpu_col] - s->classed_ns;
		if (blocked > 0)
			p->wait_ns[offcpu_classify(p->model, s->frames, s->nframes)] += blocked;
	}
}

/* Self of the innermost frame's function, self of the innermost user
 * frame's line (a kernel function's time and counters go to the user line
 * that entered the kernel), total of every function on the stack once
 * (mark[f] == gen: already counted for this stack).
 * Frames are visited innermost first, which fixes the order of functions[]. */
/* A kernel sample of a Python thread: its kernel time goes to the line's
 * kernel too, beneath the innermost Python frame (whose self it is not:
 * the C code between them has it), so that a .py line shows the kernel
 * functions its calls entered. */
static int python_kernel(struct hp_profile *p, struct hp_pstack *s)
{
	if (!s->nframes || s->frames[s->nframes - 1].kind != HP_FRAME_KERNEL)
		return 0;
	for (uint32_t k = s->nframes; k-- > 0;) {
		const struct hp_sframe *fr = &s->frames[k];
		if (fr->kind != HP_FRAME_PYTHON)
			continue;
		if (k == s->user_leaf)
			return 0;                  /* its line has it already */
		uint32_t li = line_index(p, fr->file, fr->line, s->func[k]);
		if (li == NONE)
			return -ENOMEM;
		p->lines[li].kernel += s->samples;
		p->lines[li].kernel_ns += profile_stack_cpu_ns(p, s);
		s->py_line = li;
		return 0;
	}
	return 0;
}

static int aggregate(struct hp_profile *p, struct hp_pstack *s, uint32_t *mark, uint32_t gen)
{
	int err = stacks_expand(p->model, s->id, &s->frames, &s->nframes);
	if (err || !(s->func = arena_alloc(((struct priv *)p->priv)->arena,
					   (s->nframes ? s->nframes : 1) * sizeof(*s->func))))
		return err ? err : -ENOMEM;
	classify(p, s);
	s->user_leaf = stacks_user_leaf(s->frames, s->nframes);
	for (uint32_t k = s->nframes; k-- > 0;) {
		const struct hp_sframe *fr = &s->frames[k];
		uint32_t fi = function_index(p, fr->func);
		if (fi == NONE)
			return -ENOMEM;
		s->func[k] = fi;
		struct hp_pfunc *f = &p->functions[fi];
		if (k == s->nframes - 1) {
			f->self += s->samples;
			add_weights(f->cself, s->c, p->nevents);
			add_runs(f->rself, s->rsamples, p->nruns);
			move_user_self(p, s, f, -1);
		}
		if (k == s->user_leaf)
			move_user_self(p, s, f, 1);
		if (k == s->user_leaf) {           /* kernel time: the line that entered it */
			uint32_t li = line_index(p, fr->file, fr->line, fi);
			if (li == NONE)
				return -ENOMEM;
			p->lines[li].self += s->samples;
			if (k != s->nframes - 1) {
				p->lines[li].kernel += s->samples;
				p->lines[li].kernel_ns += profile_stack_cpu_ns(p, s);
			}
			add_weights(p->lines[li].c, s->c, p->nevents);
			add_runs(p->lines[li].rself, s->rsamples, p->nruns);
			s->leaf_line = li;
		}
		if (mark[fi] != gen) {
			mark[fi] = gen;
			f->total += s->samples;
			add_weights(f->ctotal, s->c, p->nevents);
			add_runs(f->rtotal, s->rsamples, p->nruns);
		}
	}
	return python_kernel(p, s);
}

static int aggregate_all(struct hp_profile *p)
{
	struct priv *pv = p->priv;
	size_t mark_cap = 0;
	uint32_t *mark = NULL;
	int err = 0;
	pv->nfunc_index = stacks_nfuncs(p->model);
	if (!(pv->func_index = malloc(pv->nfunc_index * sizeof(*pv->func_index))))
		return -ENOMEM;
	memset(pv->func_index, 0xff, pv->nfunc_index * sizeof(*pv->func_index));
	for (uint32_t i = 0; i < p->nstacks && !err; i++) {
		/* every frame may add a function: mark[] covers them all */
		size_t old = mark_cap, need = p->nfunctions + 4 * HP_MAX_FRAMES;
		if (hp_grow((void **)&mark, &mark_cap, need, sizeof(*mark))) {
			err = -ENOMEM;
			break;
		}
		memset(mark + old, 0, (mark_cap - old) * sizeof(*mark));
		err = aggregate(p, &p->stacks[i], mark, i + 1);
	}
	free(mark);
	return err;
}

/* --- simulated costs (run --cache-sim): flat per-line counts, no stacks --- */

/* A line's simulated count is its self value and its function's; it
 * carries no total (Cachegrind has no call stacks) and weighs no stack. */
static int on_sim_cost(void *ctx, const struct hp_sim_cost_row *r)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	if (r->event_id < 0 || (size_t)r->event_id >= pv->nevs || pv->evs[r->event_id].col == NONE)
		return 0;
	uint32_t col = pv->evs[r->event_id].col, fi = function_index(p, r->function_id), li;
	if (fi == NONE || (li = line_index(p, r->file_id, r->line, fi)) == NONE)
		return -ENOMEM;
	p->functions[fi].cself[col] = hp_add_sat(p->functions[fi].cself[col], r->value);
	p->lines[li].c[col] = hp_add_sat(p->lines[li].c[col], r->value);
	return 0;
}

/* Simulated costs have no time, thread or process: a filtered selection
 * leaves them out. */
static int load_sim_costs(struct hp_store *st, struct hp_profile *p)
{
	const struct hp_profile_filter *f = ((struct priv *)p->priv)->filter;
	if (f && (f->t_from || f->t_to || f->tid || f->pid))
		return 0;
	return store_each_sim_cost(st, on_sim_cost, p);
}

static void count_processes(struct hp_profile *p)
{
	for (uint32_t i = 0; i < p->nprocesses; i++)
		for (uint32_t t = 0; t < p->nthreads; t++)
			if (p->threads[t].pid == p->processes[i].pid)
				p->processes[i].samples += p->threads[t].samples;
}

int profile_load(struct hp_store *st, const struct hp_profile_filter *filter,
		 struct hp_profile **out)
{
	struct hp_profile *p = calloc(1, sizeof(*p));
	struct priv *pv = calloc(1, sizeof(*pv));
	int err;

	if (!p || !pv) {
		free(p);
		free(pv);
		return -ENOMEM;
	}
	p->priv = pv;
	pv->filter = filter;
	p->run_filter = filter ? filter->run : 0;
	p->offcpu_col = p->wall_col = p->cpu_col = -1;
	hmap_init(&pv->stack_index);
	hmap_init(&pv->line_index);
	hmap_init(&pv->thread_index);
	if ((err = stacks_load(st, &p->model)))
		goto fail;
	pv->arena = stacks_arena(p->model);
	if ((err = store_each_meta(st, on_meta, p)) || (err = store_each_event(st, on_event, p)) ||
	    (filter && filter->alloc_weights && (err = add_alloc_columns(p, st))))
		goto fail;
	set_weights(p);
	if ((err = load_runs(st, p)) || (err = add_wall_column(p)) || (err = load_threads(p)) ||
	    (err = store_each_process(st, on_process, p)) ||
	    (err = store_each_memory(st, on_memory, p)) ||
	    (err = store_each_sample(st, filter ? filter->t_from : 0, filter ? filter->t_to : 0,
				     on_sample, p)) ||
	    (filter && filter->alloc_weights && (err = store_each_alloc_stack(st, on_alloc_stack, p))) ||
	    (err = aggregate_all(p)) || (err = load_sim_costs(st, p)))
		goto fail;
	classify_waits(p);
	count_processes(p);
	p->duration_ns = (uint64_t)strtoull(profile_meta(p, "duration_ns") ?
					    profile_meta(p, "duration_ns") : "0", NULL, 10);
	*out = p;
	return 0;
fail:
	profile_free(p);
	return err;
}

void profile_free(struct hp_profile *p)
{
	if (!p)
		return;
	struct priv *pv = p->priv;
	if (pv) {
		free(pv->evs);
		free(pv->func_index);
		hmap_release(&pv->stack_index);
		hmap_release(&pv->line_index);
		hmap_release(&pv->thread_index);
		free(pv);
	}
	free(p->meta_keys);
	free(p->meta_values);
	free(p->events);
	free(p->functions);
	free(p->lines);
	free(p->threads);
	free(p->processes);
	free(p->stacks);
	free(p->memory);
	free(p->runs);
	stacks_free(p->model);        /* every string and frame, at once */
	free(p);
}

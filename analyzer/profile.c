/*
 * profile.c - aggregate a store's samples into the profile model (profile.h).
 *
 * Reads: meta, events, functions, files, modules, location_frames,
 * stack_nodes, samples, threads, processes, memory. Samples are first
 * summed per distinct stack (few thousand), and only then expanded into
 * inline-aware frames, so the cost is one pass over the samples plus work
 * proportional to the distinct stacks.
 */
#include "analyzer/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/hmap.h"
#include "common/store.h"

#define NONE UINT32_MAX

/* One link of a location's inline chain. */
struct chain_frame {
	uint32_t function_id, file_id, line;
};

/* Samples summed per stack id before expansion. */
struct stack_sum {
	uint32_t stack_id;
	uint64_t samples;
	int64_t *c;
};

/* What the store says of function id i (fns[i]). */
struct fn_info {
	char *name;
	uint32_t module, file;
	uint32_t index;               /* index in functions[], NONE until used */
};

/* The inline chain of location id i: chain[first .. first + count). */
struct loc_info {
	uint32_t first, count;
};

/* Stack node id i: its caller and its location. */
struct node_info {
	uint32_t parent, loc;
};

/* events.id i as a counter column. */
struct ev_info {
	uint32_t col;                 /* column, NONE if not a column */
	int64_t weight;               /* value of one sample (second samplers) */
};

struct priv {
	char **arena;                 /* every string the model hands out */
	size_t narena, arena_cap;

	/* id-indexed lookups (index 0 unused) */
	char **module_path; uint32_t nmodule;
	char **file_path; uint32_t nfile;
	struct fn_info *fns; uint32_t nfns;
	struct loc_info *locs; uint32_t nlocs;
	struct chain_frame *chain; uint32_t nchain, chain_cap;
	struct node_info *nodes; uint32_t nnodes;
	struct ev_info *evs; uint32_t nevs;

	struct hp_hmap stack_index;   /* stack id -> index in sums */
	struct stack_sum *sums; uint32_t nsums, sums_cap;
	struct hp_hmap line_index;    /* (file, line, func) -> index in lines */
	struct hp_hmap thread_index;  /* tid -> index in threads */
	const struct hp_profile_filter *filter;
	struct hp_hmap tid_pid;       /* tid -> pid, for the pid filter */
};

static char *keep(struct priv *pv, const char *s)
{
	if (!s)
		return NULL;
	if (pv->narena == pv->arena_cap) {
		size_t cap = pv->arena_cap ? pv->arena_cap * 2 : 256;
		char **n = realloc(pv->arena, cap * sizeof(*n));
		if (!n)
			return NULL;
		pv->arena = n;
		pv->arena_cap = cap;
	}
	char *d = strdup(s);
	if (d)
		pv->arena[pv->narena++] = d;
	return d;
}

/* Grow an id-indexed array of elem-size entries so that index id fits. */
static int fit(void **arr, uint32_t *n, uint32_t id, size_t elem)
{
	if (id < *n)
		return 0;
	uint32_t cap = *n ? *n : 64;
	while (cap <= id)
		cap *= 2;
	void *a = realloc(*arr, cap * elem);
	if (!a)
		return -ENOMEM;
	memset((char *)a + *n * elem, 0, (cap - *n) * elem);
	*arr = a;
	*n = cap;
	return 0;
}

/* --- loading lookups --- */

static int on_meta(void *ctx, const char *k, const char *v)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	char **nk = realloc(p->meta_keys, (p->nmeta + 1) * sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	p->meta_keys = nk;
	char **nv = realloc(p->meta_values, (p->nmeta + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	p->meta_values = nv;
	p->meta_keys[p->nmeta] = keep(pv, k);
	p->meta_values[p->nmeta] = keep(pv, v ? v : "");
	p->nmeta++;
	return 0;
}

static int on_event(void *ctx, const struct hp_event_info *ev)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	uint32_t old = pv->nevs;
	if (ev->id < 0 || !strcmp(ev->role, "sampler"))
		return 0;
	if (fit((void **)&pv->evs, &pv->nevs, (uint32_t)ev->id, sizeof(*pv->evs)))
		return -ENOMEM;
	for (uint32_t i = old; i < pv->nevs; i++)
		pv->evs[i].col = NONE;
	struct hp_pevent *ne = realloc(p->events, (p->nevents + 1) * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	p->events = ne;
	struct hp_pevent *e = &p->events[p->nevents];
	e->id = ev->id;
	e->name = keep(pv, ev->name);
	e->role = keep(pv, ev->role);
	e->measured = ev->measured;
	e->reason = keep(pv, ev->reason);
	e->total = ev->total;
	e->running_pct = ev->enabled_ns ? 100.0 * (double)ev->running_ns / (double)ev->enabled_ns
					: 100.0;
	pv->evs[ev->id].col = p->nevents++;
	pv->evs[ev->id].weight = 1;
	return 0;
}

static int on_module(void *ctx, const struct hp_module_row *m)
{
	struct priv *pv = ctx;
	if (fit((void **)&pv->module_path, &pv->nmodule, m->id, sizeof(char *)))
		return -ENOMEM;
	pv->module_path[m->id] = keep(pv, m->path);
	return 0;
}

static int on_file(void *ctx, const struct hp_file_row *f)
{
	struct priv *pv = ctx;
	if (fit((void **)&pv->file_path, &pv->nfile, f->id, sizeof(char *)))
		return -ENOMEM;
	pv->file_path[f->id] = keep(pv, f->path);
	return 0;
}

static int on_function(void *ctx, const struct hp_function_row *f)
{
	struct priv *pv = ctx;
	uint32_t old = pv->nfns;
	if (fit((void **)&pv->fns, &pv->nfns, f->id, sizeof(*pv->fns)))
		return -ENOMEM;
	for (uint32_t i = old; i < pv->nfns; i++)
		pv->fns[i].index = NONE;
	pv->fns[f->id].name = keep(pv, f->name);
	pv->fns[f->id].module = f->module_id;
	pv->fns[f->id].file = f->file_id;
	return 0;
}

static int on_frame(void *ctx, const struct hp_frame_row *f)
{
	struct priv *pv = ctx;
	if (fit((void **)&pv->locs, &pv->nlocs, f->location_id, sizeof(*pv->locs)))
		return -ENOMEM;
	if (pv->nchain == pv->chain_cap) {
		uint32_t cap = pv->chain_cap ? pv->chain_cap * 2 : 1024;
		struct chain_frame *c = realloc(pv->chain, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		pv->chain = c;
		pv->chain_cap = cap;
	}
	/* Rows arrive ordered by location, then depth. */
	if (!pv->locs[f->location_id].count)
		pv->locs[f->location_id].first = pv->nchain;
	pv->locs[f->location_id].count++;
	pv->chain[pv->nchain++] = (struct chain_frame){ f->function_id, f->file_id, f->line };
	return 0;
}

static int on_node(void *ctx, const struct hp_node_row *nr)
{
	struct priv *pv = ctx;
	if (fit((void **)&pv->nodes, &pv->nnodes, nr->id, sizeof(*pv->nodes)))
		return -ENOMEM;
	pv->nodes[nr->id] = (struct node_info){ nr->parent, nr->location_id };
	return 0;
}

static int on_thread(void *ctx, const struct hp_thread_row *t)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	uint64_t idx;
	hmap_put(&pv->tid_pid, (uint64_t)t->tid + 1, t->pid);
	if (hmap_get(&pv->thread_index, (uint64_t)t->tid + 1, &idx))
		return 0;
	struct hp_pthread *nt = realloc(p->threads, (p->nthreads + 1) * sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	p->threads = nt;
	p->threads[p->nthreads] = (struct hp_pthread){ t->tid, t->pid, keep(pv, t->comm), 0, 0, 0 };
	return hmap_put(&pv->thread_index, (uint64_t)t->tid + 1, p->nthreads++);
}

static int on_process(void *ctx, const struct hp_process_row *r)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	struct hp_pprocess *np = realloc(p->processes, (p->nprocesses + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	p->processes = np;
	p->processes[p->nprocesses++] = (struct hp_pprocess){
		r->pid, r->ppid, keep(pv, r->comm), keep(pv, r->exe), r->start_ns, r->end_ns,
		r->exit_code, r->peak_rss, 0 };
	return 0;
}

static int on_memory(void *ctx, const struct hp_mem_reading *m)
{
	struct hp_profile *p = ctx;
	if ((p->nmemory & (p->nmemory - 1)) == 0) {
		uint32_t cap = p->nmemory ? p->nmemory * 2 : 64;
		struct hp_mem_reading *n = realloc(p->memory, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->memory = n;
	}
	p->memory[p->nmemory++] = *m;
	return 0;
}

/* --- summing samples per stack --- */

static struct stack_sum *stack_sum_of(struct hp_profile *p, uint32_t stack_id)
{
	struct priv *pv = p->priv;
	uint64_t idx;
	if (hmap_get(&pv->stack_index, (uint64_t)stack_id + 1, &idx))
		return &pv->sums[idx];
	if (pv->nsums == pv->sums_cap) {
		uint32_t cap = pv->sums_cap ? pv->sums_cap * 2 : 256;
		struct stack_sum *n = realloc(pv->sums, cap * sizeof(*n));
		if (!n)
			return NULL;
		pv->sums = n;
		pv->sums_cap = cap;
	}
	struct stack_sum *s = &pv->sums[pv->nsums];
	s->stack_id = stack_id;
	s->samples = 0;
	s->c = p->nevents ? calloc(p->nevents, sizeof(int64_t)) : NULL;
	if (p->nevents && !s->c)
		return NULL;
	if (hmap_put(&pv->stack_index, (uint64_t)stack_id + 1, pv->nsums))
		return NULL;
	pv->nsums++;
	return s;
}

static int selected(struct priv *pv, const struct hp_sample_row *r)
{
	const struct hp_profile_filter *f = pv->filter;
	uint64_t pid;
	if (!f)
		return 1;
	if (f->tid && r->tid != f->tid)
		return 0;
	if (f->pid && (!hmap_get(&pv->tid_pid, (uint64_t)r->tid + 1, &pid) || pid != f->pid))
		return 0;
	return 1;
}

static void count_thread(struct hp_profile *p, const struct hp_sample_row *r)
{
	struct priv *pv = p->priv;
	uint64_t idx;
	if (!hmap_get(&pv->thread_index, (uint64_t)r->tid + 1, &idx)) {
		struct hp_thread_row t = { r->tid, r->tid, NULL, 0, 0 };
		if (on_thread(p, &t) || !hmap_get(&pv->thread_index, (uint64_t)r->tid + 1, &idx))
			return;
	}
	struct hp_pthread *t = &p->threads[idx];
	if (!t->samples)
		t->first_ns = r->t_ns;
	t->samples++;
	t->last_ns = r->t_ns;
}

static int on_sample(void *ctx, const struct hp_sample_row *r)
{
	struct hp_profile *p = ctx;
	struct priv *pv = p->priv;
	if (!selected(pv, r))
		return 0;
	struct stack_sum *s = stack_sum_of(p, r->stack_id);
	if (!s)
		return -ENOMEM;
	if (r->event == 0) {
		s->samples++;
		p->nsamples++;
		if (p->nsamples == 1)
			p->t_first = r->t_ns;
		p->t_last = r->t_ns;
		count_thread(p, r);
		for (uint32_t k = 0; k < r->nr_counters; k++) {
			uint32_t id = k + 1;
			int64_t v;
			if (id >= pv->nevs || pv->evs[id].col == NONE)
				continue;
			memcpy(&v, (const char *)r->counters + k * sizeof(v), sizeof(v));
			s->c[pv->evs[id].col] += v;
		}
	} else if ((uint32_t)r->event < pv->nevs && pv->evs[r->event].col != NONE) {
		s->c[pv->evs[r->event].col] += pv->evs[r->event].weight;
	}
	return 0;
}

/* --- expanding stacks into functions and lines --- */

static uint32_t function_index(struct hp_profile *p, uint32_t fid)
{
	struct priv *pv = p->priv;
	if (fid < pv->nfns && pv->fns[fid].index != NONE)
		return pv->fns[fid].index;
	if ((p->nfunctions & (p->nfunctions - 1)) == 0) {
		uint32_t cap = p->nfunctions ? p->nfunctions * 2 : 64;
		struct hp_pfunc *n = realloc(p->functions, cap * sizeof(*n));
		if (!n)
			return NONE;
		p->functions = n;
	}
	struct hp_pfunc *f = &p->functions[p->nfunctions];
	memset(f, 0, sizeof(*f));
	f->id = fid;
	if (fid && fid < pv->nfns && pv->fns[fid].name) {
		uint32_t m = pv->fns[fid].module, fl = pv->fns[fid].file;
		f->name = pv->fns[fid].name;
		f->module = m < pv->nmodule ? pv->module_path[m] : NULL;
		f->file = fl < pv->nfile ? pv->file_path[fl] : NULL;
	} else {
		f->name = "[unknown]";
	}
	if (p->nevents) {
		f->cself = calloc(p->nevents, sizeof(int64_t));
		f->ctotal = calloc(p->nevents, sizeof(int64_t));
		if (!f->cself || !f->ctotal)
			return NONE;
	}
	if (fid < pv->nfns)
		pv->fns[fid].index = p->nfunctions;
	return p->nfunctions++;
}

static uint32_t line_index(struct hp_profile *p, uint32_t file_id, uint32_t line, uint32_t func)
{
	struct priv *pv = p->priv;
	uint64_t key = hmap_key2(((uint64_t)file_id << 32) | line, func), idx;
	if (hmap_get(&pv->line_index, key, &idx))
		return (uint32_t)idx;
	if ((p->nlines & (p->nlines - 1)) == 0) {
		uint32_t cap = p->nlines ? p->nlines * 2 : 64;
		struct hp_pline *n = realloc(p->lines, cap * sizeof(*n));
		if (!n)
			return NONE;
		p->lines = n;
	}
	struct hp_pline *l = &p->lines[p->nlines];
	l->file_id = file_id;
	l->file = file_id && file_id < pv->nfile ? pv->file_path[file_id] : NULL;
	l->line = line;
	l->func = func;
	l->self = 0;
	l->c = p->nevents ? calloc(p->nevents, sizeof(int64_t)) : NULL;
	if (hmap_put(&pv->line_index, key, p->nlines))
		return NONE;
	return p->nlines++;
}

/* Frames of a stack, innermost first, into out (function id, file, line). */
static uint32_t expand(struct priv *pv, uint32_t stack_id, struct chain_frame *out, uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t node = stack_id; node && node < pv->nnodes && n < max;
	     node = pv->nodes[node].parent) {
		uint32_t loc = pv->nodes[node].loc;
		if (loc < pv->nlocs && pv->locs[loc].count) {
			for (uint32_t k = 0; k < pv->locs[loc].count && n < max; k++)
				out[n++] = pv->chain[pv->locs[loc].first + k];
		} else {
			out[n++] = (struct chain_frame){ 0, 0, 0 };
		}
	}
	return n;
}

static int add_stack(struct hp_profile *p, const struct stack_sum *s, struct chain_frame *fr,
		     uint32_t n, uint32_t *mark, uint32_t gen)
{
	struct hp_pstack *ps = &p->stacks[p->nstacks++];
	memset(ps, 0, sizeof(*ps));
	ps->samples = s->samples;
	ps->c = s->c;
	ps->nframes = n;
	ps->leaf_line = NONE;
	ps->frames = malloc((n ? n : 1) * sizeof(uint32_t));
	ps->lines = malloc((n ? n : 1) * sizeof(uint32_t));
	ps->files = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!ps->frames || !ps->lines || !ps->files)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t fi = function_index(p, fr[i].function_id);
		if (fi == NONE)
			return -ENOMEM;
		ps->frames[n - 1 - i] = fi;
		ps->lines[n - 1 - i] = fr[i].line;
		ps->files[n - 1 - i] = fr[i].file_id;
		struct hp_pfunc *f = &p->functions[fi];
		if (i == 0) {
			f->self += s->samples;
			for (uint32_t e = 0; e < p->nevents; e++)
				f->cself[e] += s->c[e];
			uint32_t li = line_index(p, fr[i].file_id, fr[i].line, fi);
			if (li == NONE)
				return -ENOMEM;
			p->lines[li].self += s->samples;
			for (uint32_t e = 0; e < p->nevents; e++)
				p->lines[li].c[e] += s->c[e];
			ps->leaf_line = li;
		}
		if (fi < p->nfunctions && mark[fi] != gen) {
			mark[fi] = gen;
			f->total += s->samples;
			for (uint32_t e = 0; e < p->nevents; e++)
				f->ctotal[e] += s->c[e];
		}
	}
	return 0;
}

static int build(struct hp_profile *p)
{
	struct priv *pv = p->priv;
	struct chain_frame *fr = malloc(4 * HP_MAX_FRAMES * sizeof(*fr));
	uint32_t mark_cap = pv->nfns + 16, *mark = calloc(mark_cap, sizeof(uint32_t));
	int err = 0;

	p->stacks = calloc(pv->nsums ? pv->nsums : 1, sizeof(*p->stacks));
	if (!fr || !mark || !p->stacks) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < pv->nsums && !err; i++) {
		uint32_t n = expand(pv, pv->sums[i].stack_id, fr, 4 * HP_MAX_FRAMES);
		/* functions[] may grow past mark_cap for unknown frames */
		if (p->nfunctions + n >= mark_cap) {
			uint32_t cap = (p->nfunctions + n) * 2;
			uint32_t *m = realloc(mark, cap * sizeof(*m));
			if (!m) {
				err = -ENOMEM;
				break;
			}
			memset(m + mark_cap, 0, (cap - mark_cap) * sizeof(*m));
			mark = m;
			mark_cap = cap;
		}
		err = add_stack(p, &pv->sums[i], fr, n, mark, i + 1);
		pv->sums[i].c = NULL;   /* now owned by the stack */
	}
out:
	free(fr);
	free(mark);
	return err;
}

static void count_processes(struct hp_profile *p)
{
	for (uint32_t i = 0; i < p->nprocesses; i++)
		for (uint32_t t = 0; t < p->nthreads; t++)
			if (p->threads[t].pid == p->processes[i].pid)
				p->processes[i].samples += p->threads[t].samples;
}

static void set_weights(struct hp_profile *p)
{
	struct priv *pv = p->priv;
	const char *period = profile_meta(p, "fault_period");
	for (uint32_t e = 0; e < p->nevents; e++)
		if (!strcmp(p->events[e].role, "pagefault") && period)
			pv->evs[p->events[e].id].weight = strtoll(period, NULL, 10);
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
	hmap_init(&pv->stack_index);
	hmap_init(&pv->line_index);
	hmap_init(&pv->thread_index);
	hmap_init(&pv->tid_pid);
	if ((err = store_each_meta(st, on_meta, p)) || (err = store_each_event(st, on_event, p)))
		goto fail;
	set_weights(p);
	if ((err = store_each_module(st, on_module, pv)) ||
	    (err = store_each_file(st, on_file, pv)) ||
	    (err = store_each_function(st, on_function, pv)) ||
	    (err = store_each_location_frame(st, on_frame, pv)) ||
	    (err = store_each_stack_node(st, on_node, pv)) ||
	    (err = store_each_thread(st, on_thread, p)) ||
	    (err = store_each_process(st, on_process, p)) ||
	    (err = store_each_memory(st, on_memory, p)) ||
	    (err = store_each_sample(st, filter ? filter->t_from : 0, filter ? filter->t_to : 0,
				     on_sample, p)) ||
	    (err = build(p)))
		goto fail;
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
	for (uint32_t i = 0; i < p->nfunctions; i++) {
		free(p->functions[i].cself);
		free(p->functions[i].ctotal);
	}
	for (uint32_t i = 0; i < p->nlines; i++)
		free(p->lines[i].c);
	for (uint32_t i = 0; i < p->nstacks; i++) {
		free(p->stacks[i].frames);
		free(p->stacks[i].lines);
		free(p->stacks[i].files);
		free(p->stacks[i].c);
	}
	if (pv) {
		for (uint32_t i = 0; i < pv->nsums; i++)
			free(pv->sums[i].c);
		for (size_t i = 0; i < pv->narena; i++)
			free(pv->arena[i]);
		free(pv->arena);
		free(pv->module_path);
		free(pv->file_path);
		free(pv->fns);
		free(pv->locs);
		free(pv->chain);
		free(pv->nodes);
		free(pv->evs);
		free(pv->sums);
		hmap_release(&pv->stack_index);
		hmap_release(&pv->line_index);
		hmap_release(&pv->thread_index);
		hmap_release(&pv->tid_pid);
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
	free(p);
}

const char *profile_meta(const struct hp_profile *p, const char *key)
{
	for (uint32_t i = 0; i < p->nmeta; i++)
		if (!strcmp(p->meta_keys[i], key))
			return p->meta_values[i];
	return NULL;
}

const char *profile_file(const struct hp_profile *p, uint32_t file_id)
{
	const struct priv *pv = p->priv;
	return file_id && file_id < pv->nfile ? pv->file_path[file_id] : NULL;
}

int profile_event_index(const struct hp_profile *p, const char *name)
{
	for (uint32_t i = 0; i < p->nevents; i++)
		if (!strcmp(p->events[i].name, name))
			return (int)i;
	return -1;
}

int profile_write_stats(struct hp_store *st, const struct hp_profile *p)
{
	int err = store_clear_stats(st);
	for (uint32_t i = 0; i < p->nfunctions && !err; i++) {
		const struct hp_pfunc *f = &p->functions[i];
		if (!f->id)
			continue;
		err = store_add_function_stat(st, f->id, f->self, f->total);
		for (uint32_t e = 0; e < p->nevents && !err; e++)
			if (p->events[e].measured && (f->cself[e] || f->ctotal[e]))
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
			if (p->events[e].measured && l->c[e])
				err = store_add_line_counter(st, l->file_id, l->line, fid,
							     p->events[e].id, l->c[e]);
	}
	if (!err)
		err = store_create_views(st);
	if (!err)
		err = store_flush(st);
	return err;
}

/* qsort_r comparators over index arrays */
static int by_self(const void *a, const void *b, void *ctx)
{
	const struct hp_profile *p = ctx;
	const struct hp_pfunc *x = &p->functions[*(const uint32_t *)a];
	const struct hp_pfunc *y = &p->functions[*(const uint32_t *)b];
	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_total(const void *a, const void *b, void *ctx)
{
	const struct hp_profile *p = ctx;
	const struct hp_pfunc *x = &p->functions[*(const uint32_t *)a];
	const struct hp_pfunc *y = &p->functions[*(const uint32_t *)b];
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return by_self(a, b, ctx);
}

static int line_by_self(const void *a, const void *b, void *ctx)
{
	const struct hp_profile *p = ctx;
	const struct hp_pline *x = &p->lines[*(const uint32_t *)a];
	const struct hp_pline *y = &p->lines[*(const uint32_t *)b];
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
	qsort_r(idx, n, sizeof(*idx), cmp, (void *)p);
	return idx;
}

uint32_t *profile_functions_by_self(const struct hp_profile *p)
{
	return sorted(p, p->nfunctions, by_self);
}

uint32_t *profile_functions_by_total(const struct hp_profile *p)
{
	return sorted(p, p->nfunctions, by_total);
}

uint32_t *profile_lines_by_self(const struct hp_profile *p)
{
	return sorted(p, p->nlines, line_by_self);
}

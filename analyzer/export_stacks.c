/*
 * export_stacks.c - the raw stack model for exports (export_internal.h).
 *
 * Reads modules, files, functions, locations, location_frames, stack_nodes
 * and threads of a store into id-indexed arrays, and expands a stack id
 * into inline-aware frames (outermost first) on first use, caching the
 * result: a million samples over a few thousand distinct stacks expand a
 * few thousand times. Does not read samples (the writers stream them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "common/hmap.h"
#include "common/record.h"
#include "common/store.h"

#define NOT_YET UINT32_MAX

struct hp_xstacks {
	char **module_path, **module_build; uint32_t nmodule;
	char **file_path; uint32_t nfile;
	char **func_name; uint32_t *func_module, *func_file; uint32_t nfunc;
	uint32_t *loc_module; uint64_t *loc_addr; uint32_t nloc;
	uint32_t *loc_first, *loc_count; uint32_t nlocf;
	struct hp_xframe *chain; uint32_t nchain, chain_cap;
	uint32_t *node_parent, *node_loc; uint32_t nnode;
	/* expansion cache, by stack id */
	uint32_t *exp_off, *exp_n; uint32_t nexp;
	struct hp_xframe *pool; size_t npool, pool_cap;
	/* threads */
	struct hp_hmap thread_index;  /* tid + 1 -> index */
	char **thread_comm; uint32_t *thread_pid; uint32_t nthreads;
};

/* Grow an id-indexed array so that index id fits, zero-filling. */
static int fit(void **arr, uint32_t n, uint32_t id, size_t elem, uint32_t *cap_out)
{
	if (id < n)
		return 0;
	uint32_t cap = n ? n : 64;
	while (cap <= id)
		cap *= 2;
	void *a = realloc(*arr, cap * elem);
	if (!a)
		return -ENOMEM;
	memset((char *)a + (size_t)n * elem, 0, (size_t)(cap - n) * elem);
	*arr = a;
	*cap_out = cap;
	return 0;
}

static int dup_into(char **slot, const char *s)
{
	if (!s)
		return 0;
	*slot = strdup(s);
	return *slot ? 0 : -ENOMEM;
}

static int on_module(void *c, const struct hp_module_row *m)
{
	struct hp_xstacks *xs = c;
	uint32_t n = xs->nmodule, cap = n;
	if (fit((void **)&xs->module_path, n, m->id, sizeof(char *), &cap) ||
	    fit((void **)&xs->module_build, n, m->id, sizeof(char *), &cap))
		return -ENOMEM;
	xs->nmodule = cap;
	return dup_into(&xs->module_path[m->id], m->path) ||
	       dup_into(&xs->module_build[m->id], m->build_id) ? -ENOMEM : 0;
}

static int on_file(void *c, const struct hp_file_row *f)
{
	struct hp_xstacks *xs = c;
	uint32_t cap = xs->nfile;
	if (fit((void **)&xs->file_path, xs->nfile, f->id, sizeof(char *), &cap))
		return -ENOMEM;
	xs->nfile = cap;
	return dup_into(&xs->file_path[f->id], f->path);
}

static int on_function(void *c, const struct hp_function_row *f)
{
	struct hp_xstacks *xs = c;
	uint32_t n = xs->nfunc, cap = n;
	if (fit((void **)&xs->func_name, n, f->id, sizeof(char *), &cap) ||
	    fit((void **)&xs->func_module, n, f->id, sizeof(uint32_t), &cap) ||
	    fit((void **)&xs->func_file, n, f->id, sizeof(uint32_t), &cap))
		return -ENOMEM;
	xs->nfunc = cap;
	xs->func_module[f->id] = f->module_id;
	xs->func_file[f->id] = f->file_id;
	return dup_into(&xs->func_name[f->id], f->name);
}

static int on_location(void *c, const struct hp_location_row *l)
{
	struct hp_xstacks *xs = c;
	uint32_t n = xs->nloc, cap = n;
	if (fit((void **)&xs->loc_module, n, l->id, sizeof(uint32_t), &cap) ||
	    fit((void **)&xs->loc_addr, n, l->id, sizeof(uint64_t), &cap))
		return -ENOMEM;
	xs->nloc = cap;
	xs->loc_module[l->id] = l->module_id;
	xs->loc_addr[l->id] = l->addr;
	return 0;
}

static int on_frame(void *c, const struct hp_frame_row *f)
{
	struct hp_xstacks *xs = c;
	uint32_t n = xs->nlocf, cap = n;
	if (fit((void **)&xs->loc_first, n, f->location_id, sizeof(uint32_t), &cap) ||
	    fit((void **)&xs->loc_count, n, f->location_id, sizeof(uint32_t), &cap))
		return -ENOMEM;
	xs->nlocf = cap;
	if (xs->nchain == xs->chain_cap) {
		uint32_t ncap = xs->chain_cap ? xs->chain_cap * 2 : 1024;
		struct hp_xframe *a = realloc(xs->chain, ncap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		xs->chain = a;
		xs->chain_cap = ncap;
	}
	/* rows come ordered by location, then depth */
	if (!xs->loc_count[f->location_id])
		xs->loc_first[f->location_id] = xs->nchain;
	xs->loc_count[f->location_id]++;
	xs->chain[xs->nchain++] = (struct hp_xframe){ f->function_id, f->file_id, f->line };
	return 0;
}

static int on_node(void *c, const struct hp_node_row *r)
{
	struct hp_xstacks *xs = c;
	uint32_t n = xs->nnode, cap = n;
	if (fit((void **)&xs->node_parent, n, r->id, sizeof(uint32_t), &cap) ||
	    fit((void **)&xs->node_loc, n, r->id, sizeof(uint32_t), &cap))
		return -ENOMEM;
	xs->nnode = cap;
	xs->node_parent[r->id] = r->parent;
	xs->node_loc[r->id] = r->location_id;
	return 0;
}

static int on_thread(void *c, const struct hp_thread_row *t)
{
	struct hp_xstacks *xs = c;
	uint32_t i = xs->nthreads;
	if ((i & (i - 1)) == 0) {
		uint32_t cap = i ? i * 2 : 8;
		char **nc = realloc(xs->thread_comm, cap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		xs->thread_comm = nc;
		uint32_t *np = realloc(xs->thread_pid, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		xs->thread_pid = np;
	}
	xs->thread_comm[i] = NULL;
	xs->thread_pid[i] = t->pid;
	xs->nthreads++;
	if (dup_into(&xs->thread_comm[i], t->comm))
		return -ENOMEM;
	return hmap_put(&xs->thread_index, (uint64_t)t->tid + 1, i);
}

int xstacks_load(struct hp_store *st, struct hp_xstacks **out)
{
	struct hp_xstacks *xs = calloc(1, sizeof(*xs));
	int err;
	if (!xs)
		return -ENOMEM;
	hmap_init(&xs->thread_index);
	if ((err = store_each_module(st, on_module, xs)) ||
	    (err = store_each_file(st, on_file, xs)) ||
	    (err = store_each_function(st, on_function, xs)) ||
	    (err = store_each_location(st, on_location, xs)) ||
	    (err = store_each_location_frame(st, on_frame, xs)) ||
	    (err = store_each_stack_node(st, on_node, xs)) ||
	    (err = store_each_thread(st, on_thread, xs))) {
		xstacks_free(xs);
		return err;
	}
	*out = xs;
	return 0;
}

static void free_strings(char **v, uint32_t n)
{
	for (uint32_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void xstacks_free(struct hp_xstacks *xs)
{
	if (!xs)
		return;
	free_strings(xs->module_path, xs->nmodule);
	free_strings(xs->module_build, xs->nmodule);
	free_strings(xs->file_path, xs->nfile);
	free_strings(xs->func_name, xs->nfunc);
	free_strings(xs->thread_comm, xs->nthreads);
	free(xs->func_module);
	free(xs->func_file);
	free(xs->loc_module);
	free(xs->loc_addr);
	free(xs->loc_first);
	free(xs->loc_count);
	free(xs->chain);
	free(xs->node_parent);
	free(xs->node_loc);
	free(xs->exp_off);
	free(xs->exp_n);
	free(xs->pool);
	free(xs->thread_pid);
	hmap_release(&xs->thread_index);
	free(xs);
}

/* --- expansion --- */

static int pool_reserve(struct hp_xstacks *xs, size_t more)
{
	if (xs->npool + more <= xs->pool_cap)
		return 0;
	size_t cap = xs->pool_cap ? xs->pool_cap : 4096;
	while (cap < xs->npool + more)
		cap *= 2;
	struct hp_xframe *a = realloc(xs->pool, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	xs->pool = a;
	xs->pool_cap = cap;
	return 0;
}

/* Append the frames of stack_id, innermost first, to the pool. */
static int expand_into_pool(struct hp_xstacks *xs, uint32_t stack_id, uint32_t *n)
{
	const uint32_t max = 4 * HP_MAX_FRAMES;
	uint32_t count = 0;
	for (uint32_t node = stack_id; node && node < xs->nnode && count < max;
	     node = xs->node_parent[node]) {
		uint32_t loc = xs->node_loc[node];
		uint32_t k = loc < xs->nlocf ? xs->loc_count[loc] : 0;
		if (pool_reserve(xs, k ? k : 1))
			return -ENOMEM;
		if (!k) {
			xs->pool[xs->npool++] = (struct hp_xframe){ 0, 0, 0 };
			count++;
		}
		for (uint32_t d = 0; d < k && count < max; d++, count++)
			xs->pool[xs->npool++] = xs->chain[xs->loc_first[loc] + d];
	}
	*n = count;
	return 0;
}

int xstacks_expand(struct hp_xstacks *xs, uint32_t stack_id, const struct hp_xframe **frames,
		   uint32_t *n)
{
	if (stack_id >= xs->nexp) {
		uint32_t old = xs->nexp, cap = old;
		if (fit((void **)&xs->exp_off, old, stack_id, sizeof(uint32_t), &cap) ||
		    fit((void **)&xs->exp_n, old, stack_id, sizeof(uint32_t), &cap))
			return -ENOMEM;
		for (uint32_t i = old; i < cap; i++)
			xs->exp_n[i] = NOT_YET;
		xs->nexp = cap;
	}
	if (xs->exp_n[stack_id] == NOT_YET) {
		size_t off = xs->npool;
		uint32_t count;
		int err = expand_into_pool(xs, stack_id, &count);
		if (err)
			return err;
		/* outermost first */
		for (uint32_t i = 0; i < count / 2; i++) {
			struct hp_xframe t = xs->pool[off + i];
			xs->pool[off + i] = xs->pool[off + count - 1 - i];
			xs->pool[off + count - 1 - i] = t;
		}
		xs->exp_off[stack_id] = (uint32_t)off;
		xs->exp_n[stack_id] = count;
	}
	*frames = xs->pool + xs->exp_off[stack_id];
	*n = xs->exp_n[stack_id];
	return 0;
}

uint32_t xstacks_locations(const struct hp_xstacks *xs, uint32_t stack_id, uint32_t *locs,
			   uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t node = stack_id; node && node < xs->nnode && n < max;
	     node = xs->node_parent[node])
		locs[n++] = xs->node_loc[node];
	return n;
}

uint32_t xstacks_chain(const struct hp_xstacks *xs, uint32_t location_id,
		       const struct hp_xframe **chain)
{
	if (location_id >= xs->nlocf || !xs->loc_count[location_id]) {
		*chain = NULL;
		return 0;
	}
	*chain = xs->chain + xs->loc_first[location_id];
	return xs->loc_count[location_id];
}

void xstacks_location(const struct hp_xstacks *xs, uint32_t location_id, uint32_t *module_id,
		      uint64_t *addr)
{
	*module_id = location_id < xs->nloc ? xs->loc_module[location_id] : 0;
	*addr = location_id < xs->nloc ? xs->loc_addr[location_id] : 0;
}

/* --- names --- */

const char *xstacks_func_name(const struct hp_xstacks *xs, uint32_t func)
{
	return func && func < xs->nfunc && xs->func_name[func] ? xs->func_name[func] : "[unknown]";
}

uint32_t xstacks_func_file(const struct hp_xstacks *xs, uint32_t func)
{
	return func < xs->nfunc ? xs->func_file[func] : 0;
}

uint32_t xstacks_func_module(const struct hp_xstacks *xs, uint32_t func)
{
	return func < xs->nfunc ? xs->func_module[func] : 0;
}

const char *xstacks_file(const struct hp_xstacks *xs, uint32_t file)
{
	return file && file < xs->nfile && xs->file_path[file] ? xs->file_path[file] : "";
}

const char *xstacks_module(const struct hp_xstacks *xs, uint32_t module)
{
	return module && module < xs->nmodule && xs->module_path[module] ? xs->module_path[module]
									 : "";
}

const char *xstacks_module_build_id(const struct hp_xstacks *xs, uint32_t module)
{
	return module && module < xs->nmodule && xs->module_build[module] ? xs->module_build[module]
									  : "";
}

uint32_t xstacks_nfuncs(const struct hp_xstacks *xs)
{
	return xs->nfunc ? xs->nfunc : 1;
}

uint32_t xstacks_nmodules(const struct hp_xstacks *xs)
{
	return xs->nmodule ? xs->nmodule : 1;
}

uint32_t xstacks_nlocations(const struct hp_xstacks *xs)
{
	return xs->nloc ? xs->nloc : 1;
}

const char *xstacks_thread_comm(const struct hp_xstacks *xs, uint32_t tid)
{
	uint64_t i;
	if (hmap_get(&xs->thread_index, (uint64_t)tid + 1, &i) && xs->thread_comm[i])
		return xs->thread_comm[i];
	return "";
}

uint32_t xstacks_thread_pid(const struct hp_xstacks *xs, uint32_t tid)
{
	uint64_t i;
	return hmap_get(&xs->thread_index, (uint64_t)tid + 1, &i) ? xs->thread_pid[i] : 0;
}

/*
 * stacks.c - the stack model (stacks.h): the store's names, locations,
 * inline chains and stack tree in id-indexed arrays, and stack ids
 * expanded into frames.
 *
 * Reads modules, files, functions, locations, location_frames, stack_nodes
 * and threads (never samples: the aggregation and the exports stream those
 * themselves). A stack is expanded on first use and cached in the arena, so
 * a million samples over a few thousand distinct stacks expand a few
 * thousand times and every pointer handed out stays valid.
 */
#include "analyzer/stacks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/arena.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/record.h"
#include "common/store.h"

#define MAX_EXPANDED (4 * HP_MAX_FRAMES)
#define NOT_YET UINT32_MAX

struct module_info {
	const char *path, *build_id;  /* NULL when the id is unknown */
	uint8_t kind;
	uint8_t mpi;                  /* stacks_module_is_mpi */
};

struct location_info {
	uint32_t module;
	uint64_t addr;
	uint32_t first, count;        /* inline chain: chain[first .. first + count) */
};

struct node_info {
	uint32_t parent, location;
};

struct expansion {
	const struct hp_sframe *frames;
	uint32_t n;                   /* NOT_YET until expanded */
	uint8_t cls;                  /* enum hp_stack_class */
};

struct hp_stacks {
	struct hp_arena arena;
	/* id-indexed (index 0: unknown); n* is the capacity, ids beyond it unknown */
	struct module_info *modules; size_t nmodules;
	const char **files; size_t nfiles;
	struct hp_sfunc *funcs; size_t nfuncs;
	struct location_info *locs; size_t nlocs;
	struct node_info *nodes; size_t nnodes;
	struct expansion *exp; size_t nexp;
	/* inline chains of all locations, rows in (location, depth) order */
	struct hp_sframe *chain; size_t nchain, chain_cap;
	/* threads in store order, and tid + 1 -> index */
	struct hp_sthread *threads; size_t nthreads, threads_cap;
	struct hp_hmap thread_index;
};

/* Make index id of an id-indexed array valid, zero-filling new entries. */
static int fit(void **arr, size_t *n, uint32_t id, size_t elem)
{
	size_t old = *n;
	if (id < old)
		return 0;
	if (hp_grow(arr, n, (size_t)id + 1, elem))
		return -ENOMEM;
	memset((char *)*arr + old * elem, 0, (*n - old) * elem);
	return 0;
}

/* The one place a frame's kind is decided (stacks.h). */
enum hp_frame_kind stacks_path_kind(const char *path)
{
	if (path && !strncmp(path, "[kernel", 7))
		return HP_FRAME_KERNEL;
	return path && !strncmp(path, "[python] ", 9) ? HP_FRAME_PYTHON : HP_FRAME_USER;
}

/* --- loading --- */

static int on_module(void *ctx, const struct hp_module_row *m)
{
	struct hp_stacks *s = ctx;
	if (fit((void **)&s->modules, &s->nmodules, m->id, sizeof(*s->modules)))
		return -ENOMEM;
	struct module_info *mi = &s->modules[m->id];
	mi->path = arena_strdup(&s->arena, m->path);
	mi->build_id = arena_strdup(&s->arena, m->build_id);
	mi->kind = (uint8_t)stacks_path_kind(m->path);
	mi->mpi = (uint8_t)stacks_module_is_mpi(m->path);
	return (m->path && !mi->path) || (m->build_id && !mi->build_id) ? -ENOMEM : 0;
}

static int on_file(void *ctx, const struct hp_file_row *f)
{
	struct hp_stacks *s = ctx;
	if (fit((void **)&s->files, &s->nfiles, f->id, sizeof(*s->files)))
		return -ENOMEM;
	s->files[f->id] = arena_strdup(&s->arena, f->path);
	return f->path && !s->files[f->id] ? -ENOMEM : 0;
}

static int on_function(void *ctx, const struct hp_function_row *f)
{
	struct hp_stacks *s = ctx;
	if (fit((void **)&s->funcs, &s->nfuncs, f->id, sizeof(*s->funcs)))
		return -ENOMEM;
	struct hp_sfunc *fn = &s->funcs[f->id];
	fn->name = arena_strdup(&s->arena, f->name ? f->name : "");
	fn->module = f->module_id;
	fn->file = f->file_id;
	return fn->name ? 0 : -ENOMEM;
}

static int on_location(void *ctx, const struct hp_location_row *l)
{
	struct hp_stacks *s = ctx;
	if (fit((void **)&s->locs, &s->nlocs, l->id, sizeof(*s->locs)))
		return -ENOMEM;
	s->locs[l->id].module = l->module_id;
	s->locs[l->id].addr = l->addr;
	return 0;
}

static int on_frame(void *ctx, const struct hp_frame_row *f)
{
	struct hp_stacks *s = ctx;
	if (fit((void **)&s->locs, &s->nlocs, f->location_id, sizeof(*s->locs)) ||
	    hp_grow((void **)&s->chain, &s->chain_cap, s->nchain + 1, sizeof(*s->chain)))
		return -ENOMEM;
	struct location_info *l = &s->locs[f->location_id];
	if (!l->count)
		l->first = (uint32_t)s->nchain;
	l->count++;
	s->chain[s->nchain++] = (struct hp_sframe){
		.func = f->function_id, .file = f->file_id, .line = f->line,
		.module = l->module, .location = f->location_id, .depth = (uint16_t)f->depth,
		.kind = (uint8_t)stacks_module_kind(s, l->module),
	};
	return 0;
}

static int on_node(void *ctx, const struct hp_node_row *r)
{
	struct hp_stacks *s = ctx;
	if (fit((void **)&s->nodes, &s->nnodes, r->id, sizeof(*s->nodes)))
		return -ENOMEM;
	s->nodes[r->id] = (struct node_info){ r->parent, r->location_id };
	return 0;
}

static int on_thread(void *ctx, const struct hp_thread_row *t)
{
	struct hp_stacks *s = ctx;
	uint64_t idx;
	if (hmap_get(&s->thread_index, (uint64_t)t->tid + 1, &idx)) {
		s->threads[idx].pid = t->pid;
		return 0;
	}
	if (hp_grow((void **)&s->threads, &s->threads_cap, s->nthreads + 1, sizeof(*s->threads)))
		return -ENOMEM;
	struct hp_sthread *th = &s->threads[s->nthreads];
	th->tid = t->tid;
	th->pid = t->pid;
	th->run = t->run;
	th->comm = arena_strdup(&s->arena, t->comm);
	if ((t->comm && !th->comm) || hmap_put(&s->thread_index, (uint64_t)t->tid + 1, s->nthreads))
		return -ENOMEM;
	s->nthreads++;
	return 0;
}

/* Every frame but the last of a chain is inlined into the next. */
static void mark_inlined(struct hp_stacks *s)
{
	for (size_t i = 0; i < s->nlocs; i++)
		for (uint32_t k = 0; k + 1 < s->locs[i].count; k++)
			s->chain[s->locs[i].first + k].inlined = 1;
}

int stacks_load(struct hp_store *st, struct hp_stacks **out)
{
	struct hp_stacks *s = calloc(1, sizeof(*s));
	int err;
	if (!s)
		return -ENOMEM;
	arena_init(&s->arena);
	hmap_init(&s->thread_index);
	if ((err = store_each_module(st, on_module, s)) ||
	    (err = store_each_file(st, on_file, s)) ||
	    (err = store_each_function(st, on_function, s)) ||
	    (err = store_each_location(st, on_location, s)) ||
	    (err = store_each_location_frame(st, on_frame, s)) ||
	    (err = store_each_stack_node(st, on_node, s)) ||
	    (err = store_each_thread(st, on_thread, s))) {
		stacks_free(s);
		return err;
	}
	mark_inlined(s);
	*out = s;
	return 0;
}

void stacks_free(struct hp_stacks *s)
{
	if (!s)
		return;
	free(s->modules);
	free(s->files);
	free(s->funcs);
	free(s->locs);
	free(s->nodes);
	free(s->exp);
	free(s->chain);
	free(s->threads);
	hmap_release(&s->thread_index);
	arena_release(&s->arena);
	free(s);
}

struct hp_arena *stacks_arena(struct hp_stacks *s)
{
	return &s->arena;
}

/* --- expansion --- */

/* The frames of stack_id, innermost first, into buf[0..max); returns how many. */
static uint32_t walk(const struct hp_stacks *s, uint32_t stack_id, struct hp_sframe *buf,
		     uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t node = stack_id; node && node < s->nnodes && n < max;
	     node = s->nodes[node].parent) {
		uint32_t loc = s->nodes[node].location;
		const struct location_info *l = loc < s->nlocs ? &s->locs[loc] : NULL;
		if (!l || !l->count) {
			uint32_t m = l ? l->module : 0;
			buf[n++] = (struct hp_sframe){ .module = m, .location = loc,
						       .kind = (uint8_t)stacks_module_kind(s, m) };
			continue;
		}
		for (uint32_t k = 0; k < l->count && n < max; k++)
			buf[n++] = s->chain[l->first + k];
	}
	return n;
}

/* --- classes --- */

int stacks_module_is_mpi(const char *path)
{
	static const char *const prefixes[] = {
		"libmpi", "libopen-pal", "libopen-rte", "libmca_", "libpmix", "libpmi",
		"libprrte", "libfabric", "libucp", "libuct", "libucs", "libucm", "libpsm",
		"libinfinipath", "libhcoll",
	};
	const char *base = stacks_basename(path);
	if (!path)
		return 0;
	if (strstr(path, "/openmpi/") || strstr(path, "/mpich/"))
		return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(base, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

static int function_is_mpi(const char *name)
{
	return !strncmp(name, "MPI_", 4) || !strncmp(name, "PMPI_", 5) ||
	       !strncmp(name, "mpi_", 4) || !strncmp(name, "pmpi_", 5);
}

static uint8_t class_of(const struct hp_stacks *s, const struct hp_sframe *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_sfunc *fn = stacks_func(s, f[i].func);
		if ((f[i].module < s->nmodules && s->modules[f[i].module].mpi) ||
		    (fn && function_is_mpi(fn->name)))
			return HP_STACK_MPI;
	}
	return HP_STACK_COMPUTE;
}

enum hp_stack_class stacks_class(struct hp_stacks *s, uint32_t stack_id)
{
	const struct hp_sframe *f;
	uint32_t n;
	if (stacks_expand(s, stack_id, &f, &n))
		return HP_STACK_COMPUTE;
	return (enum hp_stack_class)s->exp[stack_id].cls;
}

int stacks_expand(struct hp_stacks *s, uint32_t stack_id, const struct hp_sframe **frames,
		  uint32_t *n)
{
	if (stack_id >= s->nexp) {
		size_t old = s->nexp;
		if (hp_grow((void **)&s->exp, &s->nexp, (size_t)stack_id + 1, sizeof(*s->exp)))
			return -ENOMEM;
		for (size_t i = old; i < s->nexp; i++)
			s->exp[i] = (struct expansion){ NULL, NOT_YET };
	}
	struct expansion *e = &s->exp[stack_id];
	if (e->n == NOT_YET) {
		struct hp_sframe buf[MAX_EXPANDED], *f;
		uint32_t count = walk(s, stack_id, buf, MAX_EXPANDED);
		if (!(f = arena_alloc(&s->arena, (count ? count : 1) * sizeof(*f))))
			return -ENOMEM;
		for (uint32_t i = 0; i < count; i++)      /* outermost first */
			f[i] = buf[count - 1 - i];
		e->frames = f;
		e->n = count;
		e->cls = class_of(s, f, count);
	}
	*frames = e->frames;
	*n = e->n;
	return 0;
}

uint32_t stacks_locations(const struct hp_stacks *s, uint32_t stack_id, uint32_t *locs,
			  uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t node = stack_id; node && node < s->nnodes && n < max;
	     node = s->nodes[node].parent)
		locs[n++] = s->nodes[node].location;
	return n;
}

uint32_t stacks_chain(const struct hp_stacks *s, uint32_t location,
		      const struct hp_sframe **chain)
{
	if (location >= s->nlocs || !s->locs[location].count) {
		*chain = NULL;
		return 0;
	}
	*chain = s->chain + s->locs[location].first;
	return s->locs[location].count;
}

void stacks_location(const struct hp_stacks *s, uint32_t location, uint32_t *module,
		     uint64_t *addr)
{
	*module = location < s->nlocs ? s->locs[location].module : 0;
	*addr = location < s->nlocs ? s->locs[location].addr : 0;
}

/* --- names --- */

const struct hp_sfunc *stacks_func(const struct hp_stacks *s, uint32_t id)
{
	return id && id < s->nfuncs && s->funcs[id].name ? &s->funcs[id] : NULL;
}

const char *stacks_func_name(const struct hp_stacks *s, uint32_t id)
{
	const struct hp_sfunc *f = stacks_func(s, id);
	return f ? f->name : "[unknown]";
}

const char *stacks_file(const struct hp_stacks *s, uint32_t id)
{
	return id && id < s->nfiles ? s->files[id] : NULL;
}

uint32_t stacks_file_id(const struct hp_stacks *s, const char *path)
{
	for (size_t i = 1; path && i < s->nfiles; i++)
		if (s->files[i] && !strcmp(s->files[i], path))
			return (uint32_t)i;
	return 0;
}

const char *stacks_module(const struct hp_stacks *s, uint32_t id)
{
	return id && id < s->nmodules ? s->modules[id].path : NULL;
}

const char *stacks_module_build_id(const struct hp_stacks *s, uint32_t id)
{
	return id && id < s->nmodules ? s->modules[id].build_id : NULL;
}

enum hp_frame_kind stacks_module_kind(const struct hp_stacks *s, uint32_t id)
{
	return id && id < s->nmodules ? (enum hp_frame_kind)s->modules[id].kind : HP_FRAME_USER;
}

uint32_t stacks_user_leaf(const struct hp_sframe *frames, uint32_t n)
{
	for (uint32_t k = n; k-- > 0;)
		if (frames[k].kind != HP_FRAME_KERNEL)
			return k;
	return n ? n - 1 : 0;
}

const struct hp_sthread *stacks_threads(const struct hp_stacks *s, uint32_t *n)
{
	*n = (uint32_t)s->nthreads;
	return s->threads;
}

const struct hp_sthread *stacks_thread(const struct hp_stacks *s, uint32_t tid)
{
	uint64_t idx;
	return hmap_get(&s->thread_index, (uint64_t)tid + 1, &idx) ? &s->threads[idx] : NULL;
}

uint32_t stacks_nfuncs(const struct hp_stacks *s)
{
	return s->nfuncs ? (uint32_t)s->nfuncs : 1;
}

uint32_t stacks_nmodules(const struct hp_stacks *s)
{
	return s->nmodules ? (uint32_t)s->nmodules : 1;
}

uint32_t stacks_nlocations(const struct hp_stacks *s)
{
	return s->nlocs ? (uint32_t)s->nlocs : 1;
}

const char *stacks_basename(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path;
}

const char *stacks_basename_or(const char *path, const char *none)
{
	return path ? stacks_basename(path) : none;
}

/*
 * cachegrind_attach.c - put parsed Cachegrind results (cachegrind.h) into
 * a store: simulated events, files, functions in their modules, and one
 * sim_costs row per source line and simulated event.
 *
 * Takes struct hp_cachegrind (one per process of the run) and the objects
 * valgrind read symbols from; produces rows through the store's interning
 * (store_intern_file/_function/_module), so the names are the same rows
 * the symbolizer writes for sampled runs. A function's module is found by
 * name in the objects' ELF symbol tables (.symtab, .dynsym, and the
 * separate debug file valgrind used), in load order; each object is read
 * once per attach. A function's file is the one of its code at its
 * symbol's address (the symbolizer's outermost frame there: the function
 * itself, not what was inlined into it), among the files Cachegrind lists
 * it under; else the file of its most instructions. Nothing here reads
 * samples or stacks.
 */
#include "analyzer/cachegrind.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/demangle.h"
#include "analyzer/symbolize.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/store.h"

/* Cachegrind's events (--cache-sim=yes --branch-sim=yes), and the sums
 * that stand where perf has cache-references, cache-misses, branches and
 * branch-misses. */
const struct hp_sim_event hp_sim_events[] = {
	{ "sim_Ir",    { "Ir" },                 1, "instructions executed" },
	{ "sim_Dr",    { "Dr" },                 0, "data reads" },
	{ "sim_Dw",    { "Dw" },                 0, "data writes" },
	{ "sim_I1mr",  { "I1mr" },               0, "instruction fetches that missed I1" },
	{ "sim_D1mr",  { "D1mr" },               1, "data reads that missed D1" },
	{ "sim_D1mw",  { "D1mw" },               1, "data writes that missed D1" },
	{ "sim_ILmr",  { "ILmr" },               0, "instruction fetches that missed LL" },
	{ "sim_DLmr",  { "DLmr" },               0, "data reads that missed LL" },
	{ "sim_DLmw",  { "DLmw" },               0, "data writes that missed LL" },
	{ "sim_LLref", { "I1mr", "D1mr", "D1mw" }, 0,
	  "references that reached LL (L1 misses): where perf counts cache-references" },
	{ "sim_LLmiss", { "ILmr", "DLmr", "DLmw" }, 1,
	  "LL misses, instructions and data: where perf counts cache-misses" },
	{ "sim_Bc",    { "Bc" },                 0, "conditional branches" },
	{ "sim_Bcm",   { "Bcm" },                0, "conditional branches mispredicted" },
	{ "sim_Bi",    { "Bi" },                 0, "indirect branches" },
	{ "sim_Bim",   { "Bim" },                0, "indirect branches mispredicted" },
	{ "sim_Br",    { "Bc", "Bi" },           0, "branches, conditional and indirect" },
	{ "sim_Bmiss", { "Bcm", "Bim" },         1, "branches mispredicted" },
};
const unsigned hp_nsim_events = sizeof(hp_sim_events) / sizeof(hp_sim_events[0]);

#define NSIM (sizeof(hp_sim_events) / sizeof(hp_sim_events[0]))
#define NPARTS 3

const struct hp_sim_event *cachegrind_sim_event(const char *name)
{
	for (unsigned i = 0; i < NSIM; i++)
		if (!strcmp(hp_sim_events[i].name, name))
			return &hp_sim_events[i];
	return NULL;
}

void cachegrind_sim_totals(const struct hp_cachegrind *cg, uint64_t *total, int *counted)
{
	for (unsigned k = 0; k < NSIM; k++)
		for (int j = 0; j < NPARTS && hp_sim_events[k].parts[j]; j++) {
			int e = cachegrind_event(cg, hp_sim_events[k].parts[j]);
			if (e < 0)
				counted[k] = 0;
			else
				total[k] += cg->summary[e];
		}
}

/* An object's function names, as 64-bit hashes (a false match between
 * ~10^4 names and ~10^3 lookups has odds near 10^-12), to their address. */
struct objsyms {
	char *path;
	struct hp_hmap names;         /* name hash -> st_value */
	uint32_t module_id;           /* 0 until a function is found in it */
};

struct hp_cg_attach {
	struct hp_store *st;
	int first_id;
	struct objsyms *objs;
	size_t nobjs, objs_cap;
	uint64_t total[NSIM];
	int missing[NSIM];            /* a part was not counted in some process */
	char missing_part[NSIM][16];
	unsigned nprocs;
	int raw_names;                /* run --no-demangle: names as the binary spells them */
	struct hp_symbolizer *sym;    /* a function's own file, at its address */
	struct hp_cache_text { char text[96]; } I1, D1, LL;
	char reasons[NSIM][128];
};

/* Length of a symbol name without its version ("memcpy@@GLIBC_2.14"). */
static size_t unversioned(const char *name)
{
	return strcspn(name, "@");
}

/* --- function names per object, from its ELF symbol tables --- */

static void add_symbols(const char *path, struct hp_hmap *names)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;
	Elf_Scn *scn = NULL;
	if (fd < 0)
		return;
	if (!(e = elf_begin(fd, ELF_C_READ_MMAP, NULL))) {
		close(fd);
		return;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 1; i < n; i++) {
			GElf_Sym sym;
			const char *name;
			int type;
			if (!gelf_getsym(d, (int)i, &sym))
				break;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
			    !(name = elf_strptr(e, sh.sh_link, sym.st_name)) || !*name)
				continue;
			if (hmap_put(names, hmap_strn_key(name, unversioned(name)), sym.st_value))
				break;
		}
	}
	elf_end(e);
	close(fd);
}

/* The index of object o in a->objs, read once per attach; -ENOMEM. (An
 * index: a->objs moves as it grows.) */
static long object(struct hp_cg_attach *a, const struct hp_cg_object *o)
{
	for (size_t i = 0; i < a->nobjs; i++)
		if (!strcmp(a->objs[i].path, o->path))
			return (long)i;
	if (hp_grow((void **)&a->objs, &a->objs_cap, a->nobjs + 1, sizeof(*a->objs)))
		return -ENOMEM;
	struct objsyms *s = &a->objs[a->nobjs];
	memset(s, 0, sizeof(*s));
	if (!(s->path = strdup(o->path)))
		return -ENOMEM;
	hmap_init(&s->names);
	add_symbols(o->path, &s->names);
	if (o->debug)
		add_symbols(o->debug, &s->names);
	return (long)a->nobjs++;
}

/* --- names --- */

/* A path made lexically clean: "./string/../sysdeps/x.c" -> "sysdeps/x.c",
 * "/a/./b//c" -> "/a/b/c". Cachegrind joins the compilation directory and
 * the file name as the debug info has them. */
static void clean_path(const char *in, char *out, size_t len)
{
	size_t n = 0, mark[256], depth = 0;
	int abs = in[0] == '/';
	if (abs && len > 1)
		out[n++] = '/';
	for (const char *p = in; *p;) {
		size_t k = strcspn(p, "/");
		if ((k == 1 && p[0] == '.') || k == 0) {
			/* "." and empty components vanish */
		} else if (k == 2 && p[0] == '.' && p[1] == '.' && depth) {
			n = mark[--depth];
		} else if (n + k + 2 < len) {
			if (depth < 256)
				mark[depth++] = n;
			if (n && out[n - 1] != '/')
				out[n++] = '/';
			memcpy(out + n, p, k);
			n += k;
			if (k == 2 && p[0] == '.' && p[1] == '.')
				depth--;          /* a leading ".." is kept and cannot be undone */
		}
		p += k + (p[k] == '/');
	}
	if (!n && len > 1)
		out[n++] = '.';
	out[n < len ? n : len - 1] = '\0';
}

static int file_id(struct hp_cg_attach *a, const char *path, uint32_t *id)
{
	char clean[4096];
	*id = 0;
	if (!strcmp(path, "???"))
		return 0;
	clean_path(path, clean, sizeof(clean));
	return store_intern_file(a->st, clean, id);
}

/* The first object (in load order) that defines name; NULL when none does.
 * *addr is the symbol's address there. */
static struct objsyms *object_of(struct objsyms **objs, unsigned nobjs, const char *name,
				 uint64_t *addr)
{
	uint64_t h = hmap_strn_key(name, unversioned(name));
	for (unsigned i = 0; i < nobjs; i++)
		if (objs[i] && hmap_get(&objs[i]->names, h, addr))
			return objs[i];
	return NULL;
}

static uint32_t module_of(struct hp_cg_attach *a, struct objsyms **objs, unsigned nobjs,
			  const char *name, int *err)
{
	uint64_t addr;
	struct objsyms *o = object_of(objs, nobjs, name, &addr);
	if (!o)
		return 0;
	if (!o->module_id)
		*err = store_intern_module(a->st, o->path, NULL, &o->module_id);
	return o->module_id;
}

/* --- one process --- */

struct proc {
	struct hp_cg_attach *a;
	const struct hp_cachegrind *cg;
	int part[NSIM][NPARTS];       /* index of each part in cg->events, -1 when absent */
	uint32_t *file_ids, *fn_ids;  /* cg index -> store id, UINT32_MAX: not yet */
	uint32_t *fn_file;            /* cg function -> cg file of its code (function_files) */
	struct objsyms **objs;        /* the process's objects, in load order */
	unsigned nobjs;
};

static void resolve_parts(struct proc *p)
{
	for (unsigned k = 0; k < NSIM; k++)
		for (int j = 0; j < NPARTS; j++) {
			const char *part = hp_sim_events[k].parts[j];
			p->part[k][j] = part ? cachegrind_event(p->cg, part) : -1;
			if (part && p->part[k][j] < 0 && !p->a->missing[k]) {
				p->a->missing[k] = 1;
				snprintf(p->a->missing_part[k], sizeof(p->a->missing_part[k]), "%s", part);
			}
		}
}

static uint64_t sim_value(const struct proc *p, unsigned k, const uint64_t *v)
{
	uint64_t sum = 0;
	for (int j = 0; j < NPARTS; j++)
		if (p->part[k][j] >= 0)
			sum += v[p->part[k][j]];
	return sum;
}

/* Does Cachegrind's path (made clean) name the symbolizer's file? The
 * two join directories differently: "malloc/malloc/malloc.c" (comp dir
 * "malloc" + "./malloc/malloc.c") is the symbolizer's "malloc/malloc.c". */
static int same_file(const char *cg_path, const char *file)
{
	char clean[4096];
	size_t n, m = strlen(file);
	clean_path(cg_path, clean, sizeof(clean));
	n = strlen(clean);
	if (n == m)
		return !strcmp(clean, file);
	if (n > m)
		return clean[n - m - 1] == '/' && !strcmp(clean + n - m, file);
	return file[m - n - 1] == '/' && !strcmp(file + m - n, clean);
}

/* The file of the function's own code: its outermost frame at its symbol's
 * address. NULL when unknown (no symbol, no line information). */
static const char *own_file(struct proc *p, uint32_t fn)
{
	struct hp_frame fr[16];
	uint64_t addr;
	const char *raw = p->cg->fns[fn];
	struct objsyms *o = strcmp(raw, "???") && p->a->sym
				    ? object_of(p->objs, p->nobjs, raw, &addr) : NULL;
	int n = o ? symbolize_addr(p->a->sym, o->path, addr, fr, 16) : 0;
	return n > 0 ? fr[n - 1].file : NULL;
}

/* Each function's file: the one of its own code (own_file) where
 * Cachegrind lists it there, else the one holding most of its
 * instructions (a function is listed under every file whose code was
 * inlined into it: rw::map_work under basic_string.h, stl_tree.h, ...). */
static void function_files(struct proc *p)
{
	const struct hp_cachegrind *cg = p->cg;
	uint64_t *best = calloc(cg->nfns ? cg->nfns : 1, sizeof(*best));
	const char **own = calloc(cg->nfns ? cg->nfns : 1, sizeof(*own));
	int ir = cachegrind_event(cg, "Ir");
	for (uint32_t i = 0; i < cg->nfns; i++) {
		p->fn_file[i] = UINT32_MAX;
		if (own)
			own[i] = own_file(p, i);
	}
	for (uint32_t i = 0; i < cg->ncosts; i++) {
		const struct hp_cg_cost *c = &cg->costs[i];
		uint64_t v = ir >= 0 ? c->v[ir] : 1;
		uint32_t *f = &p->fn_file[c->fn];
		int mine = own && own[c->fn] && same_file(cg->files[c->file], own[c->fn]);
		int was_mine = own && own[c->fn] && *f != UINT32_MAX &&
			       same_file(cg->files[*f], own[c->fn]);
		if (*f == UINT32_MAX || (mine && !was_mine) ||
		    (best && v > best[c->fn] && mine == was_mine)) {
			*f = c->file;
			if (best)
				best[c->fn] = v;
		}
	}
	free(own);
	free(best);
}

static int function_id(struct proc *p, struct objsyms **objs, unsigned nobjs, uint32_t fn,
		       uint32_t *id)
{
	const struct hp_cachegrind *cg = p->cg;
	const char *raw = cg->fns[fn];
	char name[4096];
	uint32_t fid = 0;
	int err = 0;
	if (p->fn_ids[fn] != UINT32_MAX) {
		*id = p->fn_ids[fn];
		return 0;
	}
	if (!strcmp(raw, "???"))
		snprintf(name, sizeof(name), "[unknown]");
	else
		snprintf(name, sizeof(name), "%.*s", (int)unversioned(raw), raw);
	uint32_t module = !strcmp(raw, "???") ? 0 : module_of(p->a, objs, nobjs, raw, &err);
	if (!err && p->fn_file[fn] != UINT32_MAX)
		err = file_id(p->a, cg->files[p->fn_file[fn]], &fid);
	/* valgrind runs with --demangle=no: the raw name finds the module's
	 * symbol, and functions get the same demangled name and raw_name as
	 * a sampled run's (demangle.h) */
	char *shown = strcmp(raw, "???") && !p->a->raw_names ? demangle_name(name) : NULL;
	if (!err)
		err = store_intern_function_raw(p->a->st, shown ? shown : name,
						strcmp(raw, "???") ? name : NULL, module, fid, id);
	free(shown);
	if (!err)
		p->fn_ids[fn] = *id;
	return err;
}

static int write_costs(struct proc *p, struct objsyms **objs, unsigned nobjs)
{
	const struct hp_cachegrind *cg = p->cg;
	int err = 0;
	for (uint32_t i = 0; i < cg->ncosts && !err; i++) {
		const struct hp_cg_cost *c = &cg->costs[i];
		uint32_t fid, fl;
		if ((err = function_id(p, objs, nobjs, c->fn, &fid)))
			break;
		if (p->file_ids[c->file] == UINT32_MAX &&
		    (err = file_id(p->a, cg->files[c->file], &p->file_ids[c->file])))
			break;
		fl = p->file_ids[c->file];
		for (unsigned k = 0; k < NSIM && !err; k++) {
			uint64_t v = sim_value(p, k, c->v);
			if (v)
				err = store_add_sim_cost(p->a->st, fid, fl, fl ? c->line : 0,
							 p->a->first_id + (int)k, (int64_t)v);
		}
	}
	return err;
}

static void cache_text(const struct hp_cg_cache *c, struct hp_cache_text *t)
{
	if (!c->known || t->text[0])
		return;
	if (c->assoc)
		snprintf(t->text, sizeof(t->text), "%llu B, %llu-way, %llu B lines",
			 (unsigned long long)c->size, (unsigned long long)c->assoc,
			 (unsigned long long)c->line_size);
	else
		snprintf(t->text, sizeof(t->text), "%llu B, fully associative, %llu B lines",
			 (unsigned long long)c->size, (unsigned long long)c->line_size);
}

int cachegrind_attach(struct hp_cg_attach *a, const struct hp_cachegrind *cg,
		      const struct hp_cg_object *objs, unsigned nobjs)
{
	struct proc p = { a, cg, { { 0 } }, NULL, NULL, NULL, NULL, nobjs };
	long *idx = calloc(nobjs ? nobjs : 1, sizeof(*idx));
	struct objsyms **os = calloc(nobjs ? nobjs : 1, sizeof(*os));
	size_t nf = cg->nfiles ? cg->nfiles : 1, nfn = cg->nfns ? cg->nfns : 1;
	int err = -ENOMEM;
	p.file_ids = malloc(nf * sizeof(*p.file_ids));
	p.fn_ids = malloc(nfn * sizeof(*p.fn_ids));
	p.fn_file = malloc(nfn * sizeof(*p.fn_file));
	if (!os || !idx || !p.file_ids || !p.fn_ids || !p.fn_file)
		goto out;
	memset(p.file_ids, 0xff, nf * sizeof(*p.file_ids));
	memset(p.fn_ids, 0xff, nfn * sizeof(*p.fn_ids));
	for (unsigned i = 0; i < nobjs; i++)
		if ((idx[i] = object(a, &objs[i])) < 0)
			goto out;
	for (unsigned i = 0; i < nobjs; i++)   /* a->objs stays where it is now */
		os[i] = &a->objs[idx[i]];
	p.objs = os;
	resolve_parts(&p);
	function_files(&p);
	if ((err = write_costs(&p, os, nobjs)))
		goto out;
	for (unsigned k = 0; k < NSIM; k++)
		a->total[k] += sim_value(&p, k, cg->summary);
	cache_text(&cg->I1, &a->I1);
	cache_text(&cg->D1, &a->D1);
	cache_text(&cg->LL, &a->LL);
	a->nprocs++;
out:
	free(idx);
	free(os);
	free(p.file_ids);
	free(p.fn_ids);
	free(p.fn_file);
	return err;
}

void cachegrind_attach_raw_names(struct hp_cg_attach *a, int raw)
{
	a->raw_names = raw;
}

int cachegrind_attach_begin(struct hp_store *st, int first_id, struct hp_cg_attach **out)
{
	struct hp_cg_attach *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	elf_version(EV_CURRENT);
	/* without a symbolizer, functions take the file of their most
	 * instructions (function_files) */
	if (symbolizer_new(&a->sym))
		a->sym = NULL;
	a->st = st;
	a->first_id = first_id;
	*out = a;
	return 0;
}

int cachegrind_attach_end(struct hp_cg_attach *a, struct hp_run_facts *f)
{
	int err = 0;
	for (unsigned k = 0; k < NSIM && !err; k++) {
		struct hp_event_info ev = { a->first_id + (int)k, hp_sim_events[k].name, "simulated",
					    !a->missing[k], NULL, (int64_t)a->total[k], 0, 0 };
		if (a->missing[k]) {
			snprintf(a->reasons[k], sizeof(a->reasons[k]), "cachegrind counted no %s",
				 a->missing_part[k]);
			ev.reason = a->reasons[k];
			ev.total = -1;
		}
		err = store_add_event(a->st, &ev);
	}
	f->simulation = "simulated (cachegrind)";
	f->sim_I1 = a->I1.text[0] ? a->I1.text : NULL;
	f->sim_D1 = a->D1.text[0] ? a->D1.text : NULL;
	f->sim_LL = a->LL.text[0] ? a->LL.text : NULL;
	f->sim_processes = a->nprocs;
	return err;
}

void cachegrind_attach_free(struct hp_cg_attach *a)
{
	if (!a)
		return;
	symbolizer_free(a->sym);
	for (size_t i = 0; i < a->nobjs; i++) {
		free(a->objs[i].path);
		hmap_release(&a->objs[i].names);
	}
	free(a->objs);
	free(a);
}

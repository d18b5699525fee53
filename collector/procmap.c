/*
 * procmap.c - the executable mappings of every process of the run.
 *
 * Each process (keyed by its pid, i.e. the thread group id, never a tid)
 * keeps a sorted array of non-overlapping struct hp_map. A new mapping
 * replaces (and splits) whatever it overlaps, as mmap(MAP_FIXED) does. Fork
 * copies, exec clears, exit frees. A pid first seen mid-run is filled, at
 * most once, from /proc/PID/maps. Lookups are a binary search behind a
 * last-hit check.
 *
 * Only executable mappings (and "[vdso]") are expected: perf reports
 * executable mmaps only, and /proc/PID/maps is filtered to match. Bytes of a
 * module outside its executable mapping (e.g. .eh_frame in a read-only
 * segment) are found through procmaps_find_image(), which looks at the whole
 * ELF image placed by a neighbouring executable mapping.
 *
 * Takes: mapping facts (perf MMAP2/FORK/COMM/EXIT, /proc). Produces: struct
 * hp_map, whose module belongs to the module cache. Not thread-safe.
 */
#include "collector/procmap.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/mapfile.h"
#include "collector/procroot.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"

/* The mappings of one process. */
struct proc {
	uint32_t pid;
	struct hp_map *maps;     /* sorted by start, non-overlapping */
	size_t n, cap;
	size_t last;             /* index of the last lookup hit */
	int tried_proc;          /* /proc/PID/maps was read (or attempted) */
	uint64_t gen;            /* bumped when a mapping is replaced or dropped */
};

struct hp_procmaps {
	struct hp_module_cache *mc;
	struct hp_procroot *roots;   /* names through a process's root, or NULL */
	struct hp_mapfiles *files;   /* files gone from their names, or NULL */
	struct hp_hmap procs;    /* pid key -> struct proc *, 0 once exited */
	uint32_t last_pid;       /* one-entry cache in front of procs */
	struct proc *last_proc;
	uint64_t gen;            /* last generation handed out */
};

static uint64_t pid_key(uint32_t pid)
{
	return (uint64_t)pid | 1ULL << 32;   /* never 0 (pid 0 exists) */
}

/* The process entry of pid; created when create is set. NULL when absent
 * (or out of memory). */
static struct proc *get_proc(struct hp_procmaps *pm, uint32_t pid, int create)
{
	struct proc *p;
	uint64_t v;

	if (pm->last_proc && pm->last_pid == pid)
		return pm->last_proc;
	if (hmap_get(&pm->procs, pid_key(pid), &v) && v) {
		p = (struct proc *)(uintptr_t)v;
	} else {
		if (!create || !(p = calloc(1, sizeof(*p))))
			return NULL;
		p->pid = pid;
		if (hmap_put(&pm->procs, pid_key(pid), (uint64_t)(uintptr_t)p)) {
			free(p);
			return NULL;
		}
	}
	pm->last_pid = pid;
	pm->last_proc = p;
	return p;
}

/* Mark p's mappings as changed. Generations are unique across processes,
 * so a pid that exits and comes back never repeats an old value. */
static void bump(struct hp_procmaps *pm, struct proc *p)
{
	p->gen = ++pm->gen;
}

static void free_proc(struct proc *p)
{
	free(p->maps);
	free(p);
}

/* Index of the last mapping with start <= addr, or -1. */
static long floor_index(const struct proc *p, uint64_t addr)
{
	long lo = 0, hi = (long)p->n - 1, found = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (p->maps[mid].start <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

static const struct hp_map *lookup(struct proc *p, uint64_t addr)
{
	long i;

	if (p->last < p->n && addr - p->maps[p->last].start <
	    p->maps[p->last].end - p->maps[p->last].start)
		return &p->maps[p->last];
	i = floor_index(p, addr);
	if (i < 0 || addr >= p->maps[i].end)
		return NULL;
	p->last = (size_t)i;
	return &p->maps[i];
}

/* ---- adding ----------------------------------------------------------- */

/* Names of mappings that have no file to read. */
static int is_anon(const char *path)
{
	if (!path || !*path)
		return 1;
	if (path[0] == '[')
		return strcmp(path, "[vdso]") != 0;
	return !strncmp(path, "//anon", 6) || !strncmp(path, "/anon_hugepage", 14) ||
	       !strncmp(path, "/memfd:", 7) || !strncmp(path, "/dev/zero", 9);
}

static void make_map(struct hp_procmaps *pm, struct hp_map *m, uint64_t start,
		     uint64_t len, uint64_t pgoff, const char *path)
{
	uint64_t vaddr;

	m->start = start;
	m->end = start + len;
	m->pgoff = pgoff;
	m->mod = is_anon(path) ? NULL : modcache_get(pm->mc, path);
	if (!m->mod)
		m->bias = 0;
	else if (!module_offset_to_vaddr(m->mod, pgoff, &vaddr))
		m->bias = start - vaddr;
	else
		m->bias = start - pgoff;   /* unreadable file: assume offset == vaddr */
}

static int reserve(struct proc *p, size_t need)
{
	return hp_grow((void **)&p->maps, &p->cap, need, sizeof(*p->maps));
}

static int same_map(const struct hp_map *a, const struct hp_map *b)
{
	return a->start == b->start && a->end == b->end && a->mod == b->mod && a->bias == b->bias;
}

/* Insert m, trimming or dropping the mappings it overlaps. */
static int insert_map(struct hp_procmaps *pm, struct proc *p, const struct hp_map *m)
{
	struct hp_map left, right;
	size_t lo, hi, k;
	int has_left = 0, has_right = 0;
	long f = floor_index(p, m->start);

	lo = (f >= 0 && p->maps[f].end > m->start) ? (size_t)f : (size_t)(f + 1);
	for (hi = lo; hi < p->n && p->maps[hi].start < m->end; hi++)
		;
	if (lo < hi) {
		if (p->maps[lo].start < m->start) {
			left = p->maps[lo];
			left.end = m->start;
			has_left = 1;
		}
		if (p->maps[hi - 1].end > m->end) {
			right = p->maps[hi - 1];
			right.pgoff += m->end - right.start;
			right.start = m->end;
			has_right = 1;
		}
		if (hi - lo != 1 || !same_map(&p->maps[lo], m))
			bump(pm, p);
	}
	k = (size_t)has_left + 1 + (size_t)has_right;
	if (reserve(p, p->n - (hi - lo) + k))
		return -ENOMEM;
	memmove(&p->maps[lo + k], &p->maps[hi], (p->n - hi) * sizeof(*p->maps));
	p->n = p->n - (hi - lo) + k;
	if (has_left)
		p->maps[lo++] = left;
	p->maps[lo] = *m;
	p->last = lo;
	if (has_right)
		p->maps[lo + 1] = right;
	return 0;
}

static int add_to_proc(struct hp_procmaps *pm, struct proc *p, uint64_t start,
		       uint64_t len, uint64_t pgoff, const char *path)
{
	struct hp_map m;

	if (!len || start + len < start)
		return -EINVAL;
	make_map(pm, &m, start, len, pgoff, path);
	hp_debug(HP_DBG_UNWIND, 2, "pid %" PRIu32 ": map %#" PRIx64 "-%#" PRIx64
		 " pgoff %#" PRIx64 " bias %#" PRIx64 " '%s'", p->pid, m.start, m.end,
		 m.pgoff, m.bias, path ? path : "");
	return insert_map(pm, p, &m);
}

/* Parse one line of /proc/PID/maps; add it when it is executable code. */
static int add_maps_line(struct hp_procmaps *pm, struct proc *p, const char *root, char *line)
{
	uint64_t start, end, pgoff, inode;
	unsigned maj, min;
	char perms[8], buf[PATH_MAX];
	int pos = 0;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &start, &end, perms, &pgoff, &maj, &min, &inode, &pos) < 7 || !pos)
		return 0;
	char *path = line + pos;
	path[strcspn(path, "\n")] = 0;
	if (perms[2] != 'x' && strcmp(path, "[vdso]"))
		return 0;
	const char *name = procroot_maps_path(pm->roots, p->pid, root, path, maj, min, inode, buf,
					      sizeof(buf));
	name = mapfiles_name(pm->files, p->pid, name, start, end, maj, min, inode);
	return add_to_proc(pm, p, start, end - start, pgoff, name);
}

static int read_maps(struct hp_procmaps *pm, struct proc *p, const char *name)
{
	char *line = NULL, root[PATH_MAX];
	size_t cap = 0;
	FILE *f;
	int err = 0;
	if (!(f = fopen(name, "re")))
		return -errno;
	procroot_maps_root(pm->roots, p->pid, root, sizeof(root));
	while (getline(&line, &cap, f) > 0)
		if ((err = add_maps_line(pm, p, root, line)))
			break;
	free(line);
	fclose(f);
	hp_debug(HP_DBG_UNWIND, 1, "pid %" PRIu32 ": %zu executable mappings from '%s'",
		 p->pid, p->n, name);
	return err;
}

/* A main thread that called pthread_exit leaves no memory map under
 * /proc/PID/maps while its other threads run on: theirs is read. */
static int load_threads_maps(struct hp_procmaps *pm, struct proc *p)
{
	char name[96];
	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/task", p->pid);
	DIR *d = opendir(name);
	struct dirent *e;
	int err = 0;
	while (d && !err && !p->n && (e = readdir(d))) {
		unsigned long tid = strtoul(e->d_name, NULL, 10);
		if (!tid || tid == p->pid)
			continue;
		snprintf(name, sizeof(name), "/proc/%" PRIu32 "/task/%lu/maps", p->pid, tid);
		err = read_maps(pm, p, name);
		if (err == -ENOENT)
			err = 0;              /* that thread ended meanwhile */
	}
	if (d)
		closedir(d);
	return err;
}

static int load_proc(struct hp_procmaps *pm, struct proc *p)
{
	char name[64];
	p->tried_proc = 1;
	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/maps", p->pid);
	int err = read_maps(pm, p, name);
	return err || p->n ? err : load_threads_maps(pm, p);
}

/* ---- public API ------------------------------------------------------- */

int procmaps_new(struct hp_module_cache *mc, struct hp_procmaps **out)
{
	struct hp_procmaps *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return -ENOMEM;
	pm->mc = mc;
	hmap_init(&pm->procs);
	*out = pm;
	return 0;
}

void procmaps_free(struct hp_procmaps *pm)
{
	if (!pm)
		return;
	for (size_t i = 0; i < pm->procs.cap; i++)
		if (pm->procs.slots[i].key && pm->procs.slots[i].val)
			free_proc((struct proc *)(uintptr_t)pm->procs.slots[i].val);
	hmap_release(&pm->procs);
	free(pm);
}

void procmaps_set_names(struct hp_procmaps *pm, struct hp_procroot *roots,
			struct hp_mapfiles *files)
{
	pm->roots = roots;
	pm->files = files;
}

int procmaps_add(struct hp_procmaps *pm, uint32_t pid, uint64_t start, uint64_t len,
		 uint64_t pgoff, const char *path)
{
	struct proc *p = get_proc(pm, pid, 1);

	return p ? add_to_proc(pm, p, start, len, pgoff, path) : -ENOMEM;
}

int procmaps_fork(struct hp_procmaps *pm, uint32_t ppid, uint32_t pid)
{
	struct proc *parent, *child;

	if (ppid == pid)
		return 0;             /* a new thread shares its process's maps */
	parent = get_proc(pm, ppid, 0);
	if (!(child = get_proc(pm, pid, 1)))
		return -ENOMEM;
	child->n = 0;
	child->last = 0;
	bump(pm, child);
	child->tried_proc = 0;
	if (!parent || !parent->n)
		return 0;
	if (reserve(child, parent->n))
		return -ENOMEM;
	memcpy(child->maps, parent->maps, parent->n * sizeof(*parent->maps));
	child->n = parent->n;
	return 0;
}

void procmaps_exec(struct hp_procmaps *pm, uint32_t pid)
{
	struct proc *p = get_proc(pm, pid, 0);

	if (!p)
		return;
	p->n = 0;
	p->last = 0;
	bump(pm, p);
	p->tried_proc = 0;
}

void procmaps_exit(struct hp_procmaps *pm, uint32_t pid)
{
	struct proc *p = get_proc(pm, pid, 0);

	if (!p)
		return;
	hmap_put(&pm->procs, pid_key(pid), 0);   /* replacing never allocates */
	if (pm->last_proc == p)
		pm->last_proc = NULL;
	free_proc(p);
}

int procmaps_load_proc(struct hp_procmaps *pm, uint32_t pid)
{
	struct proc *p = get_proc(pm, pid, 1);

	return p ? load_proc(pm, p) : -ENOMEM;
}

const struct hp_map *procmaps_find(struct hp_procmaps *pm, uint32_t pid, uint64_t addr)
{
	struct proc *p = get_proc(pm, pid, 1);
	const struct hp_map *m;

	if (!p)
		return NULL;
	if ((m = lookup(p, addr)) || p->tried_proc)
		return m;
	load_proc(pm, p);
	return lookup(p, addr);
}

/* Does map's module image, placed at map's bias, cover addr? */
static int image_covers(const struct hp_map *m, uint64_t addr)
{
	return m->mod && m->mod->valid && addr - m->bias >= m->mod->min_vaddr &&
	       addr - m->bias < m->mod->max_vaddr;
}

const struct hp_map *procmaps_find_image(struct hp_procmaps *pm, uint32_t pid, uint64_t addr)
{
	struct proc *p = get_proc(pm, pid, 0);
	long i;

	if (!p || !p->n)
		return NULL;
	/* The executable mapping is usually just below addr (GNU ld puts
	 * .eh_frame after .text) or just above it (lld puts it before). */
	i = floor_index(p, addr);
	for (long j = i; j <= i + 1; j++)
		if (j >= 0 && j < (long)p->n && image_covers(&p->maps[j], addr))
			return &p->maps[j];
	if (i > 0 && image_covers(&p->maps[i - 1], addr))
		return &p->maps[i - 1];
	return NULL;
}

size_t procmaps_count(struct hp_procmaps *pm, uint32_t pid)
{
	struct proc *p = get_proc(pm, pid, 0);

	return p ? p->n : 0;
}

uint64_t procmaps_generation(struct hp_procmaps *pm, uint32_t pid)
{
	struct proc *p = get_proc(pm, pid, 0);

	return p ? p->gen : 0;
}

/*
 * symcache.c - a module's resolved segments on disk, one file per build id.
 *
 * Takes the symbolizer's modules and their segments (symfill.c) and keeps
 * them in DIR/BUILDID-SIZE-HASH-fFORMAT.sym (symcache_key.c), so that the
 * next run answers the same neighbourhoods of code without reading and
 * decompressing debug info
 * (libc6-dbg's compressed DWARF is most of a short run's cost). What is
 * kept is the answer, not the question: [lo, hi) vaddr ranges with their
 * frame chains (raw names, files, lines), so a cached answer is byte for
 * byte the one the symbolizer would compute (names are demangled after).
 *
 * An entry is used only when it is intact and current: the magic, format
 * version and hpprof version match, its size is what its header says, a
 * checksum over the header and the body's block sums matches
 * (checksum.c), each 4 KiB block of the body matches its sum when it is
 * first read (a run reads a few of ld.so's ~210 blocks, not all: format
 * 10), every index and string offset read is in bounds, and the "debug stamp" -
 * which separate debug files exist for the module (by build id and
 * .gnu_debuglink) with their sizes and modification times - is the same
 * as now (installing libc6-dbg changes the answers, so it changes the
 * stamp). Anything else is ignored with a debug note (--debug=syms) and
 * rewritten at the next save.
 *
 * The entry also carries the module's index - its unit address ranges
 * and symbol table (symcache_index.c) - so that a miss reads one unit of
 * the DWARF, not all of them. The layout: symcache_format.h.
 *
 * Writing (symcache_write.c): writers never disturb readers: a new entry
 * is written to a temporary
 * file in the same directory and renamed over the old one. Two runs that
 * save the same module at once each merge what is on disk first; the
 * later rename wins, and at worst the other's additions are resolved
 * again next time. A run that resolved only a few new segments appends
 * them to the entry as a delta record instead (symcache_delta.c); the
 * entry is written whole again when its records outgrow its base.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/checksum.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symcache_format.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/log.h"


uint64_t symcache_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- reading --- */

/* The file at path mapped read-only (a writer renames a new file over it,
 * never rewrites it in place); NULL when it cannot be. Mapping costs no
 * copy and no zeroed pages, which is most of reading an entry here. Not
 * populated: a run reads (and checks) only the blocks its addresses need
 * (format 10; before, the checksum read every page and populating saved a
 * fault per 64 KiB). */
static void *map_file(const char *path, size_t *size, struct stat *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p = NULL;
	if (fd < 0)
		return NULL;
	if (fstat(fd, sb) == 0 && sb->st_size >= (off_t)sizeof(struct cache_header) &&
	    sb->st_size <= (off_t)CACHE_MAX) {
		p = mmap(NULL, (size_t)sb->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			p = NULL;
		*size = (size_t)sb->st_size;
	}
	close(fd);
	return p;
}


/* 1 when the file at path is still the one e was read from (no run has
 * saved the entry since: renaming a new file over it changes the inode). */
int symcache_entry_unchanged(const struct symcache_entry *e, const char *path)
{
	struct stat sb;
	return e && stat(path, &sb) == 0 && sb.st_ino == e->sb.st_ino &&
	       sb.st_dev == e->sb.st_dev && sb.st_size == e->sb.st_size &&
	       sb.st_mtim.tv_sec == e->sb.st_mtim.tv_sec &&
	       sb.st_mtim.tv_nsec == e->sb.st_mtim.tv_nsec;
}

static const char *view_string(const struct cache_view *v, uint32_t off)
{
	return off == NO_STRING ? NULL : v->strings + off;
}

int symcache_verify(struct symcache_entry *e, const void *p, size_t len)
{
	size_t off = (size_t)((const char *)p - e->body);
	if (e->broken)
		return -1;
	if (!len)
		return 0;
	for (size_t b = off / CACHE_BLOCK; b <= (off + len - 1) / CACHE_BLOCK; b++) {
		if (e->verified[b])
			continue;
		size_t at = b * CACHE_BLOCK;
		size_t n = e->bodybytes - at < CACHE_BLOCK ? e->bodybytes - at : CACHE_BLOCK;
		if (checksum64(e->body + at, n) != e->blocksums[b]) {
			e->broken = 1;
			e->damaged = 1;
			hp_debug(HP_DBG_SYMS, 1, "symbol cache: a damaged block (%zu) in an entry: "
				 "not used from here, rewritten", b);
			return -1;
		}
		e->verified[b] = 1;
	}
	return 0;
}

/* String off of e's base (NO_STRING: NULL), checked; *bad set when it is
 * out of bounds or its block fails. The strings end in a checked '\0'. */
static const char *base_string(struct symcache_entry *e, uint32_t off, int *bad)
{
	if (off == NO_STRING)
		return NULL;
	const char *str = e->v.strings + off;
	if (off >= e->v.strbytes || symcache_verify(e, str, strlen(str) + 1)) {
		*bad = 1;
		return NULL;
	}
	return str;
}

const char *symcache_check_body(const struct cache_view *v)
{
	if (!v->strbytes || v->strings[v->strbytes - 1] != '\0')
		return "unterminated strings";
	for (uint32_t i = 0; i < v->nframes; i++) {
		const struct cache_frame *f = &v->frames[i];
		if (f->function >= v->strbytes ||
		    (f->file != NO_STRING && f->file >= v->strbytes) ||
		    (f->decl_file != NO_STRING && f->decl_file >= v->strbytes))
			return "string offset out of bounds";
	}
	for (uint32_t i = 0; i < v->nsegs; i++) {
		const struct cache_seg *g = &v->segs[i];
		if (g->lo >= g->hi || !g->n || g->first > v->nframes || g->n > v->nframes - g->first ||
		    (i && g->lo < v->segs[i - 1].hi))
			return "bad segment";
	}
	return NULL;
}

/* checksum64 of e's header (its sum as 0) and block sums. */
static int header_sum(const struct cache_header *h, uint64_t *sum)
{
	size_t n = sizeof(*h) + (size_t)h->nblocks * sizeof(uint64_t);
	struct cache_header *copy = malloc(n);
	if (!copy)
		return -1;
	memcpy(copy, h, n);
	copy->sum = 0;
	*sum = checksum64(copy, n);
	free(copy);
	return 0;
}

/* NULL when e's header and block sums are sound and its last string byte
 * is '\0', else what is wrong; e's view, body and base set. The body's
 * blocks are checked as they are read (symcache_verify), the whole of it
 * only before a save merges it (symcache_verify_all). */
static const char *check_entry(struct symcache_entry *e)
{
	const struct cache_header *h = e->buf;
	struct cache_view *v = &e->v;
	uint64_t body, need, sum;
	if (memcmp(h->magic, CACHE_MAGIC, sizeof(h->magic)) || h->format != CACHE_FORMAT)
		return "not a cache entry of this format";
	body = (uint64_t)h->nsegs * sizeof(struct cache_seg) +
	       (uint64_t)h->nunits * sizeof(struct cache_unit) +
	       (uint64_t)h->nsyms * sizeof(struct cache_sym) +
	       (uint64_t)h->nframes * sizeof(struct cache_frame) + h->strbytes + h->symbytes;
	if (h->nblocks != (body + CACHE_BLOCK - 1) / CACHE_BLOCK)
		return "bad block count";
	need = sizeof(*h) + (uint64_t)h->nblocks * sizeof(uint64_t) + body;
	if (CACHE_ALIGN(need) > e->size)
		return "truncated";
	if (header_sum(h, &sum) || sum != h->sum)
		return "checksum mismatch";
	e->base = CACHE_ALIGN(need);
	e->blocksums = (const uint64_t *)(h + 1);
	e->body = (const char *)(e->blocksums + h->nblocks);
	e->bodybytes = body;
	if (!(e->verified = calloc(h->nblocks ? h->nblocks : 1, 1)))
		return "out of memory";
	v->h = h;
	v->nsegs = h->nsegs;
	v->nframes = h->nframes;
	v->strbytes = h->strbytes;
	v->segs = (const void *)e->body;
	v->units = (const void *)(v->segs + h->nsegs);
	v->syms = (const void *)(v->units + h->nunits);
	v->frames = (const void *)(v->syms + h->nsyms);
	v->strings = (const char *)(v->frames + h->nframes);
	v->symstrings = v->strings + h->strbytes;
	if (!v->strbytes || symcache_verify(e, v->strings + v->strbytes - 1, 1) ||
	    v->strings[v->strbytes - 1] != '\0')
		return "unterminated strings";
	if (h->key >= h->strbytes || h->version >= h->strbytes || h->stamp >= h->strbytes)
		return "bad header strings";
	return NULL;
}

/* 0 when all of e's base is sound (every block, then the structure),
 * before a save merges it; else -1 and e is broken. */
int symcache_verify_all(struct symcache_entry *e)
{
	if (symcache_verify(e, e->body, e->bodybytes))
		return -1;
	const char *why = symcache_check_body(&e->v);
	if (!why && symcache_index_sound(e))
		why = "bad index";
	if (why) {
		hp_debug(HP_DBG_SYMS, 1, "symbol cache: an entry not merged: %s", why);
		e->broken = e->damaged = 1;
		return -1;
	}
	return 0;
}

int symcache_index_sound(struct symcache_entry *e)
{
	const struct cache_view *v = &e->v;
	if (!e->index_checked) {
		const struct cache_header *h = v->h;
		int bad = symcache_verify(e, v->units, h->nunits * sizeof(*v->units)) ||
			  symcache_verify(e, v->syms, h->nsyms * sizeof(*v->syms)) ||
			  symcache_verify(e, v->symstrings, h->symbytes) ||
			  symcache_check_index(v) != NULL;
		e->index_checked = bad ? -1 : 1;
	}
	return e->index_checked > 0 ? 0 : -1;
}

/* A frame's strings: from a delta record (checked whole when read) or
 * from e's base (checked here); NULL with *bad set when one is not sound. */
static const char *frame_string(struct symcache_entry *e, const struct cache_view *v,
				uint32_t off, int *bad)
{
	if (v == &e->v)
		return base_string(e, off, bad);
	return view_string(v, off);
}

/* Frames of a cached segment appended to s->frames; 0, -ENOMEM, or -EIO
 * when the base's bytes for them are not sound. */
static int import_frames(struct hp_symbolizer *s, struct symcache_entry *e,
			 const struct cache_view *v, const struct cache_seg *g)
{
	if (v == &e->v &&
	    (g->first > v->nframes || g->n > v->nframes - g->first || g->lo >= g->hi || !g->n ||
	     symcache_verify(e, &v->frames[g->first], g->n * sizeof(*v->frames))))
		return -EIO;
	if (hp_grow((void **)&s->frames, &s->capframes, s->nframes + g->n, sizeof(*s->frames)))
		return -ENOMEM;
	for (uint32_t k = 0; k < g->n; k++) {
		const struct cache_frame *cf = &v->frames[g->first + k];
		int bad = 0;
		const char *fn = frame_string(e, v, cf->function, &bad);
		const char *file = frame_string(e, v, cf->file, &bad);
		const char *decl = frame_string(e, v, cf->decl_file, &bad);
		if (bad || !fn)
			return -EIO;
		struct sym_frame f = {
			.function = symbolize_intern(s, fn),
			.file = file ? symbolize_intern(s, file) : NULL,
			.decl_file = decl ? symbolize_intern(s, decl) : NULL,
			.line = cf->line, .made_up = cf->made_up ? 1 : 0,
		};
		if (!f.function || (file && !f.file) || (decl && !f.decl_file))
			return -ENOMEM;
		s->frames[s->nframes + k] = f;
	}
	return 0;
}

/* m's entry on disk when it is sound and current, else NULL. */
struct symcache_entry *symcache_read_entry(const struct hp_symbolizer *s,
					   const struct sym_module *m, const char *stamp)
{
	char path[PATH_MAX];
	struct symcache_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	symcache_path(s, m, path, sizeof(path));
	if (!(e->buf = map_file(path, &e->size, &e->sb))) {
		free(e);
		return NULL;
	}
	char key[KEY_MAX];
	int bad = 0;
	symcache_key(m, key, sizeof(key));
	const char *why = check_entry(e);
	const char *k = why ? NULL : base_string(e, e->v.h->key, &bad);
	const char *ver = why ? NULL : base_string(e, e->v.h->version, &bad);
	const char *st = why ? NULL : base_string(e, e->v.h->stamp, &bad);
	if (!why && bad)
		why = "checksum mismatch";
	if (!why && strcmp(k, key))
		why = "another module";
	if (!why && strcmp(ver, HPPROF_VERSION))
		why = "written by another hpprof version";
	if (!why && strcmp(st, stamp))
		why = "debug files changed since";
	if (!why) {
		symcache_read_deltas(e);
		if (e->damaged)
			hp_debug(HP_DBG_SYMS, 1, "symbol cache: '%s': a damaged delta record "
				 "(the records before it are used; the entry is rewritten)", path);
		return e;
	}
	hp_debug(HP_DBG_SYMS, 1, "symbol cache: ignoring '%s': %s", path, why);
	munmap(e->buf, e->size);
	free(e->verified);
	free(e);
	return NULL;
}

void symcache_free_entry(struct symcache_entry *e)
{
	if (e) {
		symcache_deltas_free(e);
		munmap(e->buf, e->size);
		free(e->verified);
		free(e);
	}
}

void symcache_release(struct sym_module *m)
{
	const struct symcache_entry *e = m->cache;
	if (e && hp_debug_levels[HP_DBG_SYMS] >= 1) {
		size_t n = 0;
		for (uint32_t b = 0; b < e->v.h->nblocks; b++)
			n += e->verified[b] != 0;
		hp_debug(HP_DBG_SYMS, 1, "symbol cache: '%s': %zu of %u blocks read%s", m->path, n,
			 e->v.h->nblocks, e->broken ? " (a damaged one: not used further)" : "");
	}
	symcache_free_entry(m->cache);
	m->cache = NULL;
}

void symcache_load(struct hp_symbolizer *s, uint32_t mi)
{
	struct sym_module *m = &s->mods[mi];
	char stamp[STAMP_MAX];
	if (m->cache_tried || !m->dm || !m->build_id[0] || !s->cache_dir)
		return;
	m->cache_tried = 1;
	symcache_stamp(m, stamp, sizeof(stamp));
	m->cache = symcache_read_entry(s, m, stamp);
	if (m->cache)
		hp_debug(HP_DBG_SYMS, 1, "symbol cache: '%s': %u ranges, %zu more in %zu delta records",
			 m->path, m->cache->v.h->nsegs, m->cache->nextra, m->cache->ndeltas);
	if (m->cache && m->cache->damaged)
		m->cache_dirty = 1;     /* written whole at the end of this run */
}

/* Index of the first segment of e's base starting above vaddr; SIZE_MAX
 * when e is broken. The probes are not checked (the table is ~400 KB for
 * ld.so: a search would check ~7 of its blocks): what the caller then
 * uses is. A damaged probe can only misdirect the search - a miss,
 * resolved from the debug information, or a segment whose own check
 * fails - and a segment that holds vaddr in a sound block is the answer,
 * since the written segments are disjoint. */
static size_t base_above(struct symcache_entry *e, uint64_t vaddr)
{
	const struct cache_view *v = &e->v;
	size_t lo = 0, hi = v->nsegs;
	if (e->broken)
		return SIZE_MAX;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->segs[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Base segment i of e when its block is sound, else NULL. */
static const struct cache_seg *base_seg(struct symcache_entry *e, size_t i)
{
	const struct cache_seg *g = &e->v.segs[i];
	return symcache_verify(e, g, sizeof(*g)) ? NULL : g;
}

/* 1 when [lo, hi) overlaps a segment of e's base (or the base failed). */
static int base_overlaps(struct symcache_entry *e, uint64_t lo, uint64_t hi)
{
	size_t a = base_above(e, hi - 1);  /* the first segment starting at or above hi */
	const struct cache_seg *g = a && a != SIZE_MAX ? base_seg(e, a - 1) : NULL;
	return a == SIZE_MAX || (a && (!g || g->hi > lo));
}

/* The segment of m's entry (its base, else a delta's) holding vaddr. A
 * delta's segment that overlaps the base's is not used (records are
 * written beside the base, so only a damaged or odd file has one). */
static const struct cache_seg *entry_find(struct symcache_entry *e, uint64_t vaddr,
					  const struct cache_view **view)
{
	size_t i = base_above(e, vaddr);
	*view = NULL;
	if (i == SIZE_MAX)
		return NULL;
	const struct cache_seg *g = i ? base_seg(e, i - 1) : NULL;
	if (e->broken)
		return NULL;
	if (g && g->lo <= vaddr && vaddr < g->hi) {
		*view = &e->v;
		return g;
	}
	const struct cache_extra *x = symcache_extra_find(e, vaddr);
	if (!x || base_overlaps(e, x->seg->lo, x->seg->hi))
		return NULL;
	*view = x->view;
	return x->seg;
}

const struct sym_seg *symcache_take(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr)
{
	struct sym_module *m = &s->mods[mi];
	const struct cache_view *v;
	const struct cache_seg *g = m->cache ? entry_find(m->cache, vaddr, &v) : NULL;
	if (m->cache && m->cache->broken)
		m->cache_dirty = 1;     /* written whole at the end of this run */
	if (!g || !symsegs_free(&m->segs, g->lo, g->hi))
		return NULL;
	uint32_t first = (uint32_t)s->nframes;
	int err = import_frames(s, m->cache, v, g);
	if (err == -EIO) {
		m->cache->broken = m->cache->damaged = 1;
		m->cache_dirty = 1;
	}
	if (err || symsegs_add(&m->segs, g->lo, g->hi, first, g->n))
		return NULL;
	s->nframes += g->n;
	return symsegs_find(&m->segs, vaddr);
}

int symcache_holds(const struct sym_module *m, uint64_t vaddr)
{
	const struct cache_view *v;
	return m->cache && entry_find(m->cache, vaddr, &v) != NULL;
}

uint64_t symcache_next(const struct sym_module *m, uint64_t vaddr)
{
	if (!m->cache)
		return UINT64_MAX;
	const struct cache_view *v = &m->cache->v;
	size_t i = base_above(m->cache, vaddr);
	const struct cache_seg *g = i < v->nsegs ? base_seg(m->cache, i) : NULL;
	uint64_t base = g ? g->lo : UINT64_MAX;
	uint64_t extra = symcache_extra_next(m->cache, vaddr);
	return extra < base ? extra : base;
}


/*
 * symcache_write.c - writing a module's symbol cache entry whole: this
 * run's segments merged with the entry read at the start and with one
 * another run saved meanwhile, into a temporary file renamed over the
 * old one (symcache.c says what an entry is; the layout:
 * symcache_format.h; small additions go to delta records instead,
 * symcache_delta.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/checksum.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symcache_format.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/log.h"
#include "common/outfile.h"

/* --- writing --- */

/* A segment to write: from this run (frames in the symbolizer) or from an
 * entry on disk (frames in its view), in address order. */
struct out_seg {
	uint64_t lo, hi;
	uint32_t first, n;
	const struct cache_view *view;  /* NULL: the symbolizer's frames */
};

struct writer {
	struct out_seg *segs;
	size_t nsegs, capsegs;
	struct cache_index index;   /* the module's unit ranges and symbols */
	struct cache_frame *frames;
	size_t nframes, capframes;
	char *strings;
	size_t strbytes, capstrings;
	struct hp_hmap offsets;     /* fnv(string) -> offset + 1 */
	struct hp_hmap interned;    /* the symbolizer's string pointer -> offset + 1 */
	struct hp_hmap remap;       /* key2(view, offset in it) -> offset + 1 */
};

/* Offset of str in the string table, added once per content. */
static int put_string(struct writer *w, const char *str, uint32_t *off)
{
	uint64_t key, val;
	if (!str) {
		*off = NO_STRING;
		return 0;
	}
	key = hmap_str_key(str);
	if (hmap_get(&w->offsets, key, &val) && !strcmp(w->strings + val - 1, str)) {
		*off = (uint32_t)(val - 1);
		return 0;
	}
	size_t len = strlen(str) + 1;
	if (w->strbytes + len >= CACHE_MAX ||
	    hp_grow((void **)&w->strings, &w->capstrings, w->strbytes + len, 1))
		return -ENOMEM;
	memcpy(w->strings + w->strbytes, str, len);
	*off = (uint32_t)w->strbytes;
	w->strbytes += len;
	if (hmap_get(&w->offsets, key, &val))
		return 0;               /* a collision: this copy goes unshared */
	return hmap_put(&w->offsets, key, *off + 1);
}

/* put_string for a string the symbolizer interned: hashed once per pointer. */
static int put_interned(struct writer *w, const char *str, uint32_t *off)
{
	uint64_t key = (uint64_t)(uintptr_t)str, val;
	if (!str) {
		*off = NO_STRING;
		return 0;
	}
	if (hmap_get(&w->interned, key, &val)) {
		*off = (uint32_t)(val - 1);
		return 0;
	}
	int err = put_string(w, str, off);
	return err ? err : hmap_put(&w->interned, key, *off + 1);
}

/* Where string offset off of view v went in w (remap_view has run). */
static uint32_t remapped(const struct writer *w, const struct cache_view *v, uint32_t off)
{
	uint64_t val;
	if (off == NO_STRING)
		return NO_STRING;
	hmap_get(&w->remap, hmap_key2((uint64_t)(uintptr_t)v, off), &val);
	return (uint32_t)(val - 1);
}

/* Every string of view v into w, once per content, with the map from its
 * offsets to w's: its frames then cost no hashing. */
static int remap_view(struct writer *w, const struct cache_view *v)
{
	int err = 0;
	for (uint32_t off = 0; off < v->strbytes && !err;) {
		uint32_t to;
		const char *str = v->strings + off;
		err = put_string(w, str, &to);
		if (!err)
			err = hmap_put(&w->remap, hmap_key2((uint64_t)(uintptr_t)v, off), to + 1);
		off += (uint32_t)strlen(str) + 1;
	}
	return err;
}

static int push_frame(struct writer *w, struct cache_frame f)
{
	if (hp_grow((void **)&w->frames, &w->capframes, w->nframes + 1, sizeof(*w->frames)))
		return -ENOMEM;
	w->frames[w->nframes++] = f;
	return 0;
}

/* The frames of g appended to w->frames, from wherever they live. */
static int put_frames(struct writer *w, const struct hp_symbolizer *s, struct out_seg *g)
{
	uint32_t first = (uint32_t)w->nframes;
	int err = 0;
	for (uint32_t k = 0; k < g->n && !err; k++) {
		struct cache_frame out;
		if (g->view) {
			const struct cache_frame *f = &g->view->frames[g->first + k];
			out = (struct cache_frame){
				.function = remapped(w, g->view, f->function),
				.file = remapped(w, g->view, f->file),
				.decl_file = remapped(w, g->view, f->decl_file),
				.line = f->line, .made_up = f->made_up ? 1 : 0,
			};
		} else {
			const struct sym_frame *f = &s->frames[g->first + k];
			out = (struct cache_frame){ .line = f->line, .made_up = f->made_up };
			err = put_interned(w, f->function, &out.function);
			if (!err)
				err = put_interned(w, f->file, &out.file);
			if (!err)
				err = put_interned(w, f->decl_file, &out.decl_file);
		}
		if (!err)
			err = push_frame(w, out);
	}
	g->first = first;
	return err;
}

static int add_out(struct writer *w, uint64_t lo, uint64_t hi, uint32_t first, uint32_t n,
		   const struct cache_view *view)
{
	if (hp_grow((void **)&w->segs, &w->capsegs, w->nsegs + 1, sizeof(*w->segs)))
		return -ENOMEM;
	w->segs[w->nsegs++] = (struct out_seg){ lo, hi, first, n, view };
	return 0;
}

/* 1 when [lo, hi) overlaps none of w->segs[0 .. upto) (sorted, disjoint). */
static int out_free(const struct writer *w, size_t upto, uint64_t lo, uint64_t hi)
{
	size_t a = 0, b = upto;
	while (a < b) {                 /* a = first segment starting at or above hi */
		size_t mid = a + (b - a) / 2;
		if (w->segs[mid].lo < hi)
			a = mid + 1;
		else
			b = mid;
	}
	return !a || w->segs[a - 1].hi <= lo;
}

/* The segments of view v that overlap none already taken. Those taken
 * (w->segs[0 .. n)) are sorted; the new ones are sorted among themselves,
 * so the whole is sorted again after. */
static int add_view(struct writer *w, const struct cache_view *v)
{
	size_t taken = w->nsegs;
	int err = 0;
	for (uint32_t i = 0; v && i < v->nsegs && !err; i++) {
		const struct cache_seg *g = &v->segs[i];
		if (out_free(w, taken, g->lo, g->hi))
			err = add_out(w, g->lo, g->hi, g->first, g->n, v);
	}
	if (!err && w->nsegs > taken)
		err = remap_view(w, v);
	return err;
}

/* w->segs[0 .. mid) and [mid .. nsegs) are each sorted: merge them. */
static int merge_out(struct writer *w, size_t mid)
{
	size_t n = w->nsegs, i = 0, j = mid, k = 0;
	if (mid == n || !mid)
		return 0;
	struct out_seg *v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (i < mid || j < n)
		v[k++] = j == n || (i < mid && w->segs[i].lo < w->segs[j].lo) ? w->segs[i++]
									  : w->segs[j++];
	free(w->segs);
	w->segs = v;
	w->capsegs = n;
	return 0;
}

static int write_all(int fd, const void *buf, size_t size)
{
	const char *p = buf;
	while (size) {
		ssize_t r = write(fd, p, size);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		p += r;
		size -= (size_t)r;
	}
	return 0;
}

/* Bytes of an entry after its header: segments, unit ranges, symbols,
 * frames, strings, the symbols' names. */
static size_t body_bytes(const struct writer *w, size_t nsegs)
{
	const struct cache_index *x = &w->index;
	return nsegs * sizeof(struct cache_seg) + x->nunits * sizeof(*x->units) +
	       x->nsyms * sizeof(*x->syms) + w->nframes * sizeof(*w->frames) + w->strbytes +
	       x->symbytes;
}

/* n bytes of src at p (none: src may be NULL), and the byte after them. */
static char *put(char *p, const void *src, size_t n)
{
	if (n)
		memcpy(p, src, n);
	return p + n;
}

/* The header (its sum over itself and the block sums) and the block sums
 * of the body's size bytes at buf, written to fd. */
static int write_sums(int fd, struct cache_header *h, const char *buf, size_t body)
{
	size_t nblocks = (body + CACHE_BLOCK - 1) / CACHE_BLOCK;
	size_t n = sizeof(*h) + nblocks * sizeof(uint64_t);
	struct cache_header *out = malloc(n);
	if (!out)
		return -ENOMEM;
	uint64_t *sums = (uint64_t *)(out + 1);
	for (size_t b = 0; b < nblocks; b++) {
		size_t at = b * CACHE_BLOCK;
		sums[b] = checksum64(buf + at, body - at < CACHE_BLOCK ? body - at : CACHE_BLOCK);
	}
	h->nblocks = (uint32_t)nblocks;
	h->sum = 0;
	*out = *h;
	h->sum = out->sum = checksum64(out, n);
	int err = write_all(fd, out, n);
	free(out);
	return err;
}

/* Write the header, block sums, segments, frames and strings to a
 * temporary file and rename it into place. */
static int write_entry(const struct hp_symbolizer *s, const struct sym_module *m,
		       const struct writer *w, const struct cache_seg *segs,
		       struct cache_header *h)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	symcache_path(s, m, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One buffer: the checksum runs over the bytes as they will be read. */
	size_t nseg = h->nsegs * sizeof(*segs), nfr = w->nframes * sizeof(*w->frames);
	const struct cache_index *x = &w->index;
	size_t nun = x->nunits * sizeof(*x->units), nsy = x->nsyms * sizeof(*x->syms);
	size_t body = body_bytes(w, h->nsegs);
	char *buf = malloc(body ? body : 1);
	int err = buf ? 0 : -ENOMEM;
	if (buf) {
		char *p = put(buf, segs, nseg);
		p = put(p, x->units, nun);
		p = put(p, x->syms, nsy);
		p = put(p, w->frames, nfr);
		p = put(p, w->strings, w->strbytes);
		put(p, x->symstrings, x->symbytes);
		err = write_sums(fd, h, buf, body);
		if (!err)
			err = write_all(fd, buf, body);
		if (!err) {             /* padded: the delta records that follow are aligned */
			static const char zeroes[8];
			err = write_all(fd, zeroes, CACHE_ALIGN(body) - body);
		}
		free(buf);
	}
	if (close(fd) != 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) != 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* The kept delta segments of e that overlap none already taken, as
 * add_view does for a view (they are sorted and disjoint). */
static int add_extra(struct writer *w, const struct symcache_entry *e)
{
	size_t taken = w->nsegs;
	int err = 0;
	for (size_t i = 0; i < e->nextra && !err; i++) {
		const struct cache_extra *x = &e->extra[i];
		if (out_free(w, taken, x->seg->lo, x->seg->hi))
			err = add_out(w, x->seg->lo, x->seg->hi, x->seg->first, x->seg->n, x->view);
	}
	for (size_t d = 0; d < e->ndeltas && !err && w->nsegs > taken; d++)
		err = remap_view(w, &e->deltas[d]);
	return err;
}

/* The segments of entry e (its base, then its deltas) where no segment
 * already in w is. */
static int add_entry(struct writer *w, const struct symcache_entry *e)
{
	size_t mid = w->nsegs;
	int err = add_view(w, &e->v);
	if (!err)
		err = merge_out(w, mid);
	mid = w->nsegs;
	if (!err && e->nextra && !(err = add_extra(w, e)))
		err = merge_out(w, mid);
	return err;
}

static size_t entry_segs(const struct symcache_entry *e)
{
	return e ? e->v.nsegs + e->nextra : 0;
}

static size_t entry_frames(const struct symcache_entry *e)
{
	size_t n = e ? e->v.nframes : 0;
	for (size_t d = 0; e && d < e->ndeltas; d++)
		n += e->deltas[d].nframes;
	return n;
}

/* This run's segments, then those of the entry read at the start, then
 * those another run saved meanwhile, each where no earlier one is. */
static int gather(struct hp_symbolizer *s, struct sym_module *m, struct writer *w,
		  struct symcache_entry *now)
{
	struct symcache_entry *old = m->cache;
	size_t segs = m->segs.len + m->segs.nrecent + entry_segs(old) + entry_segs(now);
	size_t frames = s->nframes + entry_frames(old) + entry_frames(now);
	int err = symsegs_flatten(&m->segs);
	/* Room for everything at once: growing these was most of a save. */
	if (!err && (hp_grow((void **)&w->segs, &w->capsegs, segs + 1, sizeof(*w->segs)) ||
		     hp_grow((void **)&w->frames, &w->capframes, frames + 1, sizeof(*w->frames))))
		err = -ENOMEM;
	for (size_t i = 0; i < m->segs.len && !err; i++) {
		const struct sym_seg *g = &m->segs.v[i];
		err = add_out(w, g->lo, g->hi, g->first, g->n, NULL);
	}
	/* Merged only when sound throughout (a run checked only what it read). */
	if (!err && old && !symcache_verify_all(old))
		err = add_entry(w, old);
	if (!err && now && !symcache_verify_all(now))
		err = add_entry(w, now);
	return err;
}

static int save_module(struct hp_symbolizer *s, struct sym_module *m)
{
	char stamp[STAMP_MAX], key[KEY_MAX], path[PATH_MAX];
	symcache_stamp(m, stamp, sizeof(stamp));
	symcache_path(s, m, path, sizeof(path));
	/* A few new segments beside a sound entry: appended as a delta record
	 * (symcache_delta.c), not the whole entry merged and rewritten. */
	int appended = m->cache ? symcache_append(s, m, path, stamp) : 1;
	if (appended <= 0) {
		if (!appended)
			m->cache_dirty = 0;
		return appended;
	}
	struct writer w = { 0 };
	struct cache_header h = { .format = CACHE_FORMAT };
	struct cache_seg *segs = NULL;
	uint64_t t0 = symcache_cpu_ns();
	symcache_key(m, key, sizeof(key));
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	hmap_init(&w.offsets);
	hmap_init(&w.interned);
	hmap_init(&w.remap);
	/* What another run saved meanwhile; nothing when the file is the one
	 * read at the start (the usual case: no second read and checksum). */
	struct symcache_entry *now = symcache_entry_unchanged(m->cache, path) ? NULL
								     : symcache_read_entry(s, m, stamp);
	int err = gather(s, m, &w, now);
	if (!err)
		err = symcache_index_build(m, &w.index);
	if (!err)
		err = put_string(&w, key, &h.key);
	if (!err)
		err = put_string(&w, HPPROF_VERSION, &h.version);
	if (!err)
		err = put_string(&w, stamp, &h.stamp);
	if (!err && !(segs = calloc(w.nsegs ? w.nsegs : 1, sizeof(*segs))))
		err = -ENOMEM;
	for (size_t i = 0; i < w.nsegs && !err; i++) {
		err = put_frames(&w, s, &w.segs[i]);
		segs[i] = (struct cache_seg){ w.segs[i].lo, w.segs[i].hi, w.segs[i].first,
					      w.segs[i].n };
	}
	h.nsegs = (uint32_t)w.nsegs;
	h.nframes = (uint32_t)w.nframes;
	h.strbytes = (uint32_t)w.strbytes;
	h.nunits = w.index.nunits;
	h.nsyms = w.index.nsyms;
	h.flags = w.index.flags;
	h.symbytes = (uint32_t)w.index.symbytes;
	/* Too large to be worth it: not written. */
	if (!err && body_bytes(&w, w.nsegs) <= CACHE_MAX)
		err = write_entry(s, m, &w, segs, &h);
	if (!err) {
		m->cache_dirty = 0;
		hp_debug(HP_DBG_SYMS, 1, "symbol cache: '%s' written whole: %u ranges, %zu bytes "
			 "in %.2f ms of CPU", m->path, h.nsegs, sizeof(h) + body_bytes(&w, w.nsegs),
			 (double)(symcache_cpu_ns() - t0) / 1e6);
	}
	symcache_free_entry(now);
	free(segs);
	free(w.segs);
	free(w.frames);
	symcache_index_release(&w.index);
	free(w.strings);
	hmap_release(&w.offsets);
	hmap_release(&w.interned);
	hmap_release(&w.remap);
	return err;
}

int symcache_save(struct hp_symbolizer *s)
{
	int first_err = 0, dir_ready = 0;
	for (size_t i = 0; i < s->nmods; i++) {
		struct sym_module *m = &s->mods[i];
		if (!m->cache_dirty || !m->dm || !m->build_id[0])
			continue;
		int err = dir_ready ? 0 : hp_mkdirs_private(s->cache_dir);
		dir_ready = !err;
		if (!err)
			err = symcomplete_module(s, (uint32_t)i);
		if (!err)
			err = save_module(s, m);
		if (err) {
			hp_debug(HP_DBG_SYMS, 1, "symbol cache: cannot save '%s': %s", m->path,
				 hp_strerror(err));
			if (!first_err)
				first_err = err;
		}
	}
	return first_err;
}

/*
 * symcache_delta.c - small records appended to a symbol cache entry.
 *
 * A warm run that misses in a large module (libc, libm) resolves a few
 * new segments. Writing them meant merging them with the whole entry
 * (~250 KB for libc), checksumming it and renaming a new file over it at
 * every such run: ~2-3 ms (docs/performance.md, "Wave 11: warm-run
 * misses"). Instead the run appends one delta record to the entry file
 * (struct cache_delta: its new segments, their frames and strings, with a
 * checksum of its own and the checksum of the base it extends), and a
 * reader merges the records into what it reads; the entry is rewritten
 * whole (compacted, symcache.c) only when its records outgrow a fraction
 * of its base, grow too many, or one of them is damaged.
 *
 * Safety, the same as the base's: a record is used only when it is whole
 * (its length within the file, its checksum right), extends this very base
 * (a record appended to a file just renamed over the one its writer read
 * is ignored), and its segments, frames and strings are in bounds; its
 * segments are kept only where they overlap no segment of the base or of
 * an earlier kept record (two runs may append answers for the same gap:
 * both are right, one is kept; the base's overlap is checked as a segment
 * is looked up). A damaged record ends the reading (what
 * follows cannot be trusted to start where it seems to) and makes the
 * run rewrite the entry whole. Appends use O_APPEND and one write() per
 * record, so concurrent runs' records do not interleave; a reader that
 * sees a record half written ignores it as damaged, and the next save
 * rewrites the entry (its own writer's record and the others are then
 * resolved again at worst). Nothing here changes an answer: every kept
 * segment is what symfill.c resolved for those addresses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/checksum.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symcache_format.h"
#include "common/grow.h"
#include "common/log.h"

#define DELTA_MAX      32       /* records read at most; more: rewrite whole */
#define DELTA_FRACTION 1        /* records up to the base's size; more: rewrite whole */

/* Bytes of a record's checksum: everything after its sum field. */
#define SUMMED(len)    ((len) - offsetof(struct cache_delta, base))
_Static_assert(offsetof(struct cache_delta, base) ==
	       offsetof(struct cache_delta, sum) + sizeof(uint64_t), "the sum comes before what it sums");

/* --- reading --- */

/* Bytes of a record, its padding included. */
static uint64_t delta_bytes(const struct cache_delta *d)
{
	return CACHE_ALIGN(sizeof(*d) + (uint64_t)d->nsegs * sizeof(struct cache_seg) +
			   (uint64_t)d->nframes * sizeof(struct cache_frame) + d->strbytes);
}

/* The record at p (checked, 8-aligned in the mapping) viewed and added
 * to e. Returns 0, or 1 when it is damaged (or on ENOMEM). */
static int add_delta(struct symcache_entry *e, const char *p, const struct cache_delta *d)
{
	size_t cap = e->ndeltas;
	if (hp_grow((void **)&e->deltas, &cap, e->ndeltas + 1, sizeof(*e->deltas)))
		return 1;
	struct cache_view *v = &e->deltas[e->ndeltas];
	*v = (struct cache_view){ .nsegs = d->nsegs, .nframes = d->nframes,
				  .strbytes = d->strbytes };
	v->segs = (const void *)(p + sizeof(*d));
	v->frames = (const void *)(v->segs + d->nsegs);
	v->strings = (const char *)(v->frames + d->nframes);
	if (!d->nsegs || symcache_check_body(v))
		return 1;
	e->ndeltas++;
	return 0;
}

/* e->extra: the records' segments in address order, each where no kept
 * one is (one that overlaps the base is passed over when it is looked up:
 * symcache.c, entry_find; checking them all here would read the base's
 * whole segment table). Each record's segments are sorted (checked):
 * merged (at most DELTA_MAX heads), no sort and no copy of the segments;
 * on equal starts the earlier record's is kept. */
static void build_extra(struct symcache_entry *e)
{
	size_t n = 0, at[DELTA_MAX] = { 0 };
	for (size_t d = 0; d < e->ndeltas; d++)
		n += e->deltas[d].nsegs;
	if (!n || !(e->extra = malloc(n * sizeof(*e->extra)))) {
		e->damaged |= n != 0;
		return;
	}
	for (;;) {
		size_t best = SIZE_MAX;
		for (size_t d = 0; d < e->ndeltas; d++)
			if (at[d] < e->deltas[d].nsegs &&
			    (best == SIZE_MAX ||
			     e->deltas[d].segs[at[d]].lo < e->deltas[best].segs[at[best]].lo))
				best = d;
		if (best == SIZE_MAX)
			break;
		const struct cache_seg *g = &e->deltas[best].segs[at[best]++];
		if (e->nextra && e->extra[e->nextra - 1].seg->hi > g->lo)
			continue;
		e->extra[e->nextra++] = (struct cache_extra){ g, &e->deltas[best] };
	}
}

void symcache_read_deltas(struct symcache_entry *e)
{
	const char *p = e->buf;
	size_t off = e->base;
	while (off < e->size) {
		struct cache_delta d;
		if (e->ndeltas >= DELTA_MAX || e->size - off < sizeof(d)) {
			e->damaged = 1;
			break;
		}
		memcpy(&d, p + off, sizeof(d));
		uint64_t len = delta_bytes(&d);
		if (memcmp(d.magic, DELTA_MAGIC, sizeof(d.magic)) || len > e->size - off ||
		    checksum64(p + off + offsetof(struct cache_delta, base), SUMMED(len)) != d.sum) {
			e->damaged = 1;
			break;
		}
		if (d.base == e->v.h->sum && add_delta(e, p + off, &d)) {
			e->damaged = 1;
			break;
		}
		off += len;             /* a record of another base: skipped */
	}
	build_extra(e);
}

const struct cache_extra *symcache_extra_find(const struct symcache_entry *e, uint64_t vaddr)
{
	size_t lo = 0, hi = e->nextra;
	while (lo < hi) {               /* lo = first starting above vaddr */
		size_t mid = lo + (hi - lo) / 2;
		if (e->extra[mid].seg->lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && vaddr < e->extra[lo - 1].seg->hi ? &e->extra[lo - 1] : NULL;
}

uint64_t symcache_extra_next(const struct symcache_entry *e, uint64_t vaddr)
{
	size_t lo = 0, hi = e->nextra;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->extra[mid].seg->lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->nextra ? e->extra[lo].seg->lo : UINT64_MAX;
}

void symcache_deltas_free(struct symcache_entry *e)
{
	free(e->deltas);
	free(e->extra);
	e->deltas = NULL;
	e->extra = NULL;
	e->ndeltas = e->nextra = 0;
}

/* --- writing --- */

/* One record being built: segments, frames, strings (by interned pointer). */
struct delta_out {
	struct cache_seg *segs;
	size_t nsegs, capsegs;
	struct cache_frame *frames;
	size_t nframes, capframes;
	char *strings;
	size_t strbytes, capstrings;
	struct hp_hmap offsets;     /* the symbolizer's string pointer -> offset + 1 */
};

static int out_string(struct delta_out *o, const char *str, uint32_t *off)
{
	uint64_t key = (uint64_t)(uintptr_t)str, val;
	if (!str) {
		*off = NO_STRING;
		return 0;
	}
	if (hmap_get(&o->offsets, key, &val)) {
		*off = (uint32_t)(val - 1);
		return 0;
	}
	size_t len = strlen(str) + 1;
	if (o->strbytes + len >= CACHE_MAX ||
	    hp_grow((void **)&o->strings, &o->capstrings, o->strbytes + len, 1))
		return -ENOMEM;
	memcpy(o->strings + o->strbytes, str, len);
	*off = (uint32_t)o->strbytes;
	o->strbytes += len;
	return hmap_put(&o->offsets, key, *off + 1);
}

/* Segment g of the symbolizer, with its frames, into o. */
static int out_seg(struct delta_out *o, const struct hp_symbolizer *s, const struct sym_seg *g)
{
	if (hp_grow((void **)&o->segs, &o->capsegs, o->nsegs + 1, sizeof(*o->segs)) ||
	    hp_grow((void **)&o->frames, &o->capframes, o->nframes + g->n, sizeof(*o->frames)))
		return -ENOMEM;
	o->segs[o->nsegs++] = (struct cache_seg){ g->lo, g->hi, (uint32_t)o->nframes, g->n };
	for (uint32_t k = 0; k < g->n; k++) {
		const struct sym_frame *f = &s->frames[g->first + k];
		struct cache_frame *out = &o->frames[o->nframes++];
		*out = (struct cache_frame){ .line = f->line, .made_up = f->made_up ? 1 : 0 };
		int err = out_string(o, f->function, &out->function);
		if (!err)
			err = out_string(o, f->file, &out->file);
		if (!err)
			err = out_string(o, f->decl_file, &out->decl_file);
		if (err)
			return err;
	}
	return 0;
}

/* The segments of m its entry does not hold, into o. */
static int collect_new(struct hp_symbolizer *s, struct sym_module *m, struct delta_out *o)
{
	int err = symsegs_flatten(&m->segs);
	for (size_t i = 0; i < m->segs.len && !err; i++)
		if (!symcache_holds(m, m->segs.v[i].lo))
			err = out_seg(o, s, &m->segs.v[i]);
	return err;
}

/* The record of o in one buffer (*len bytes), checksummed against base. */
static char *make_record(const struct delta_out *o, uint64_t base, size_t *len)
{
	struct cache_delta d = { .base = base, .nsegs = (uint32_t)o->nsegs,
				 .nframes = (uint32_t)o->nframes,
				 .strbytes = (uint32_t)o->strbytes };
	memcpy(d.magic, DELTA_MAGIC, sizeof(d.magic));
	*len = (size_t)delta_bytes(&d);
	char *buf = calloc(1, *len), *p = buf;        /* the padding zeroed */
	if (!buf)
		return NULL;
	memcpy(p, &d, sizeof(d));
	p += sizeof(d);
	memcpy(p, o->segs, o->nsegs * sizeof(*o->segs));
	p += o->nsegs * sizeof(*o->segs);
	memcpy(p, o->frames, o->nframes * sizeof(*o->frames));
	p += o->nframes * sizeof(*o->frames);
	memcpy(p, o->strings, o->strbytes);
	d.sum = checksum64(buf + offsetof(struct cache_delta, base), SUMMED(*len));
	memcpy(buf + offsetof(struct cache_delta, sum), &d.sum, sizeof(d.sum));
	return buf;
}

/* 1 when records of len more bytes still fit beside e's base, the file
 * now being size bytes. */
static int fits(const struct symcache_entry *e, uint64_t size, size_t len)
{
	return size >= e->base && size - e->base + len <= e->base / DELTA_FRACTION;
}

/* Append the record to path when it is still e's file; 1 when not. */
static int append_record(const struct symcache_entry *e, const char *path, const char *buf,
			 size_t len)
{
	struct stat sb;
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return 1;               /* gone: written whole */
	int ret = 1;
	if (fstat(fd, &sb) == 0 && sb.st_ino == e->sb.st_ino && sb.st_dev == e->sb.st_dev &&
	    sb.st_size >= (off_t)e->size && fits(e, (uint64_t)sb.st_size, len)) {
		/* One write: O_APPEND keeps concurrent records apart. A short
		 * one leaves a torn record, which readers reject: rewrite. */
		ssize_t r = write(fd, buf, len);
		ret = r == (ssize_t)len ? 0 : 1;
	}
	close(fd);
	return ret;
}

int symcache_append(struct hp_symbolizer *s, struct sym_module *m, const char *path,
		    const char *stamp)
{
	struct symcache_entry *e = m->cache;
	const struct cache_view *v = &e->v;
	struct delta_out o = { 0 };
	size_t len = 0;
	char *buf = NULL;
	uint64_t t0 = symcache_cpu_ns();
	if (e->damaged || e->ndeltas + 1 >= DELTA_MAX || strcmp(v->strings + v->h->stamp, stamp))
		return 1;
	hmap_init(&o.offsets);
	int ret = collect_new(s, m, &o);
	if (!ret && e->broken)
		ret = 1;                /* a damaged block met while collecting: written whole */
	if (!ret && o.nsegs) {
		buf = make_record(&o, v->h->sum, &len);
		ret = !buf ? -ENOMEM : !fits(e, e->size, len) ? 1 : append_record(e, path, buf, len);
	}
	if (!ret)
		hp_debug(HP_DBG_SYMS, 1, "symbol cache: '%s': %zu new ranges appended, %zu bytes "
			 "(the entry: %zu, its deltas %zu before) in %.2f ms of CPU", m->path,
			 o.nsegs, len, e->base, e->size - e->base,
			 (double)(symcache_cpu_ns() - t0) / 1e6);
	free(buf);
	free(o.segs);
	free(o.frames);
	free(o.strings);
	hmap_release(&o.offsets);
	return ret;
}

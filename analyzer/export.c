/*
 * export.c - `hpprof export`: format names, dispatch, and the output
 * helpers the writers share (export.h, export_internal.h).
 *
 * Does not format anything itself: each format lives in its own
 * export_<format>.c file.
 */
#include "analyzer/export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "analyzer/profile.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/store.h"

static const char *const format_names[HP_EXPORT_NFORMATS] = {
	[HP_EXPORT_FOLDED] = "folded",         [HP_EXPORT_PPROF] = "pprof",
	[HP_EXPORT_SPEEDSCOPE] = "speedscope", [HP_EXPORT_CHROME] = "chrome",
	[HP_EXPORT_CALLGRIND] = "callgrind",   [HP_EXPORT_SVG] = "svg",
	[HP_EXPORT_CSV] = "csv",               [HP_EXPORT_JSON] = "json",
	[HP_EXPORT_MEMSVG] = "memory-svg",
};

int export_parse_format(const char *name, enum hp_export_format *f)
{
	for (int i = 0; i < HP_EXPORT_NFORMATS; i++)
		if (!strcmp(name, format_names[i])) {
			*f = (enum hp_export_format)i;
			return 0;
		}
	return -EINVAL;
}

const char *export_format_name(enum hp_export_format f)
{
	return f < HP_EXPORT_NFORMATS ? format_names[f] : "?";
}

int export_needs_profile(enum hp_export_format f)
{
	return f == HP_EXPORT_FOLDED || f == HP_EXPORT_CALLGRIND || f == HP_EXPORT_SVG ||
	       f == HP_EXPORT_MEMSVG;
}

int export_is_binary(enum hp_export_format f)
{
	return f == HP_EXPORT_PPROF;
}

int export_write(FILE *out, struct hp_store *st, const struct hp_profile *p,
		 const struct hp_export_opts *o)
{
	int err;
	if (export_needs_profile(o->format) && !p)
		return -EINVAL;
	errno = 0;
	switch (o->format) {
	case HP_EXPORT_FOLDED:     err = export_folded(out, p, o); break;
	case HP_EXPORT_CALLGRIND:  err = export_callgrind(out, p, o); break;
	case HP_EXPORT_SVG:        err = export_svg(out, p, o); break;
	case HP_EXPORT_MEMSVG:     err = export_memsvg(out, p, o); break;
	case HP_EXPORT_PPROF:      err = export_pprof(out, st, o); break;
	case HP_EXPORT_SPEEDSCOPE: err = export_speedscope(out, st, o); break;
	case HP_EXPORT_CHROME:     err = export_chrome(out, st, o); break;
	case HP_EXPORT_CSV:
	case HP_EXPORT_JSON:       err = export_table(out, st, o); break;
	default:                   return -EINVAL;
	}
	return export_stream_error(out, err);
}

/* Why writing to out failed, when it did: stdio keeps no error code, but
 * the failed write left it in errno (a later successful call does not
 * reset it). A full disk said "Input/output error" (wave 15): it now says
 * "No space left on device". Only errors a write gives are believed; any
 * other errno is stale (SQLite's probes) and reads EIO. */
int export_stream_error(FILE *out, int err)
{
	int saved = errno;
	errno = 0;
	if (fflush(out) && errno)
		saved = errno;
	if (!ferror(out) || (err && err != -EIO))
		return err;
	switch (saved) {
	case ENOSPC: case EDQUOT: case EFBIG: case EPIPE: case EROFS: case EIO:
		return -saved;
	default:
		return -EIO;
	}
}

/* --- shared helpers --- */

uint64_t export_cpu_sample_ns(struct hp_store *st)
{
	int64_t ns = store_get_meta_int(st, "cpu_sample_ns", -1);
	if (ns > 0)
		return (uint64_t)ns;
	if (ns == -1 && !store_get_meta_int(st, "merged_runs", 0)) {
		/* a file from before the key: cpu-clock at -F, or another sampler */
		char *sampling = NULL;
		int64_t freq = store_get_meta_int(st, "frequency", 0);
		int cpu = !store_get_meta(st, "sampling", &sampling) &&
			  (!sampling || strstr(sampling, "cpu-clock") || strstr(sampling, "agent"));
		free(sampling);
		if (cpu && freq > 0)
			return (uint64_t)(1000000000 / freq);
	}
	return 0;
}

static int on_rate(void *c, const struct hp_run_row *row)
{
	struct hp_xrates *r = c;
	struct hp_xrate *n = realloc(r->r, (r->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->r = n;
	n[r->n++] = (struct hp_xrate){ row->id, row->cpu_sample_ns > 0 ? (uint64_t)row->cpu_sample_ns
									 : 0 };
	return 0;
}

int export_rates_load(struct hp_store *st, struct hp_xrates *r)
{
	int differ = 0, err;
	r->n = 0;
	r->r = NULL;
	if (!store_get_meta_int(st, "merged_runs", 0) || export_cpu_sample_ns(st))
		return 0;             /* one run, or runs that agree: one figure */
	if ((err = store_each_run(st, on_rate, r)))
		return err;
	for (uint32_t i = 0; i < r->n; i++) {
		if (!r->r[i].ns)
			differ = -1;  /* a run whose samples stand for no time: counts */
		else if (differ >= 0 && r->r[i].ns != r->r[0].ns)
			differ = 1;
	}
	if (differ <= 0)
		r->n = 0;
	return 0;
}

void export_rates_free(struct hp_xrates *r)
{
	free(r->r);
	r->r = NULL;
	r->n = 0;
}

uint64_t export_sample_ns(const struct hp_xrates *r, const struct hp_stacks *xs, uint32_t tid,
			  uint64_t dflt)
{
	const struct hp_sthread *t;
	if (!r->n || !(t = stacks_thread(xs, tid)))
		return dflt;
	for (uint32_t i = 0; i < r->n; i++)
		if (r->r[i].run == t->run)
			return r->r[i].ns;
	return dflt;
}

uint64_t export_period_ns(struct hp_store *st)
{
	int64_t freq = store_get_meta_int(st, "frequency", 0);
	int64_t dur = store_get_meta_int(st, "duration_ns", 0);
	int64_t n = store_get_meta_int(st, "samples", 0);
	if (freq > 0)
		return (uint64_t)(1000000000 / freq);
	if (dur > 0 && n > 0)
		return (uint64_t)(dur / n);
	return 1000000;
}

void xw_str(FILE *f, const char *s)
{
	fputs_unlocked(s, f);
}

void xw_u64(FILE *f, uint64_t v)
{
	char buf[24], *e = buf + sizeof(buf), *b = e;
	do {
		*--b = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite_unlocked(b, 1, (size_t)(e - b), f);
}

void xw_i64(FILE *f, int64_t v)
{
	if (v < 0) {
		putc_unlocked('-', f);
		xw_u64(f, (uint64_t)0 - (uint64_t)v);
	} else {
		xw_u64(f, (uint64_t)v);
	}
}

void xw_us(FILE *f, uint64_t ns)
{
	char frac[4] = { (char)('0' + ns / 100 % 10), (char)('0' + ns / 10 % 10),
			 (char)('0' + ns % 10), 0 };
	xw_u64(f, ns / 1000);
	putc_unlocked('.', f);
	fputs_unlocked(frac, f);
}

void xw_xml(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':  fputs_unlocked("&amp;", f); break;
		case '<':  fputs_unlocked("&lt;", f); break;
		case '>':  fputs_unlocked("&gt;", f); break;
		case '"':  fputs_unlocked("&quot;", f); break;
		case '\'': fputs_unlocked("&#39;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				putc_unlocked(*s, f);
		}
	}
}

/* --- tuple index --- */

void xmap_init(struct hp_xmap *m, uint32_t width)
{
	memset(m, 0, sizeof(*m));
	hmap_init(&m->map);
	m->width = width;
}

void xmap_release(struct hp_xmap *m)
{
	hmap_release(&m->map);
	free(m->keys);
	memset(m, 0, sizeof(*m));
}

static uint64_t xmap_hash(const uint32_t *key, uint32_t width)
{
	uint64_t h = 0x2545f4914f6cdd1dull;
	for (uint32_t i = 0; i < width; i++)
		h = hmap_key2(h, key[i]);
	return h;
}

int xmap_index(struct hp_xmap *m, const uint32_t *key, uint32_t *idx, int *added)
{
	uint64_t h = xmap_hash(key, m->width), v;
	for (uint64_t attempt = 1;; attempt++) {
		if (!hmap_get(&m->map, h, &v))
			break;
		if (!memcmp(m->keys + v * m->width, key, m->width * sizeof(*key))) {
			*idx = (uint32_t)v;
			if (added)
				*added = 0;
			return 0;
		}
		h = hmap_key2(h, attempt);   /* a hash collision: probe on */
	}
	if (hp_grow((void **)&m->keys, &m->cap, (size_t)m->n + 1, m->width * sizeof(*m->keys)))
		return -ENOMEM;
	memcpy(m->keys + (size_t)m->n * m->width, key, m->width * sizeof(*key));
	if (hmap_put(&m->map, h, m->n))
		return -ENOMEM;
	*idx = m->n++;
	if (added)
		*added = 1;
	return 0;
}

int export_weight_column(const struct hp_profile *p, const char *weight)
{
	if (!weight && p->cpu_col >= 0)
		return p->cpu_col;
	return profile_weight_column(p, weight);
}

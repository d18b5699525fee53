/*
 * export_internal.h - what the export_*.c files share; not a public interface.
 *
 * - One writer per format (export_write in export.c dispatches).
 * - Fast output helpers: exports of million-sample profiles print tens of
 *   millions of numbers, so numbers are formatted by hand and written with
 *   the unlocked stdio calls.
 * - The raw stack model (export_stacks.c): for the formats that keep what
 *   the aggregated profile drops (addresses, threads, time), the stack tree,
 *   the inline chains of locations and the names, read from the store once;
 *   each stack id is expanded into frames on first use and cached.
 */
#ifndef HP_EXPORT_INTERNAL_H
#define HP_EXPORT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "analyzer/export.h"
#include "analyzer/report.h"   /* report_json_string, report_csv_field */
#include "common/hmap.h"

struct hp_store;
struct hp_profile;

/* --- writers (one file each) --- */
int export_folded(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o);
int export_callgrind(FILE *out, struct hp_store *st, const struct hp_profile *p,
		     const struct hp_export_opts *o);
int export_svg(FILE *out, struct hp_store *st, const struct hp_profile *p,
	       const struct hp_export_opts *o);
int export_pprof(FILE *out, struct hp_store *st, const struct hp_export_opts *o);
int export_speedscope(FILE *out, struct hp_store *st, const struct hp_export_opts *o);
int export_chrome(FILE *out, struct hp_store *st, const struct hp_export_opts *o);
int export_table(FILE *out, struct hp_store *st, const struct hp_export_opts *o);
int export_memsvg(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o);

/* --- output helpers (export.c) --- */
void xw_str(FILE *f, const char *s);
void xw_u64(FILE *f, uint64_t v);
void xw_i64(FILE *f, int64_t v);
/* ns as microseconds with three decimals: 1234567 -> "1234.567" */
void xw_us(FILE *f, uint64_t ns);
/* s escaped for XML text and attributes (& < > " '). */
void xw_xml(FILE *f, const char *s);

/* Column that o->weight names in p: -1 for samples (weight NULL or
 * "samples"), an index into p->events, or -2 when p has no such event. */
int export_weight_column(const struct hp_profile *p, const char *weight);
/* Sampling period in ns: 1e9 / frequency, or duration / samples when the
 * run sampled on an event count, or 1 ms when neither is known. */
uint64_t export_period_ns(struct hp_store *st);

/* Last path component ("/usr/lib/libc.so.6" -> "libc.so.6"). */
const char *export_basename(const char *path);

/* Dense index of small tuple keys (up to 4 words): the aggregations of
 * callgrind, pprof and svg. Index i's key is keys[i * width ..]. */
struct hp_xmap {
	struct hp_hmap map;         /* hash of the key -> index */
	uint32_t *keys;
	uint32_t n, cap, width;
};
void xmap_init(struct hp_xmap *m, uint32_t width);
void xmap_release(struct hp_xmap *m);
/* Index of key[0..width), added when absent (*added = 1). 0 or -ENOMEM. */
int xmap_index(struct hp_xmap *m, const uint32_t *key, uint32_t *idx, int *added);

/* Paths of files by id (for the writers that take the profile model,
 * whose stacks carry file ids). */
struct hp_xfiles {
	char **path;
	uint32_t n;
};
int xfiles_load(struct hp_store *st, struct hp_xfiles *f);
void xfiles_release(struct hp_xfiles *f);
/* Path of file id, or NULL when unknown. */
const char *xfiles_path(const struct hp_xfiles *f, uint32_t id);

/* --- the raw stack model (export_stacks.c) --- */
struct hp_xframe {
	uint32_t func;              /* functions.id; 0 = unknown */
	uint32_t file;              /* files.id of this frame's line; 0 = unknown */
	uint32_t line;              /* 0 = unknown */
};

struct hp_xstacks;

/* Read names, locations, inline chains and the stack tree of st.
 * *out is owned by the caller (xstacks_free). */
int xstacks_load(struct hp_store *st, struct hp_xstacks **out);
void xstacks_free(struct hp_xstacks *xs);

/* Frames of stack_id, outermost first, inline frames expanded (the same
 * expansion as profile.c). *frames stays valid until xstacks_free. */
int xstacks_expand(struct hp_xstacks *xs, uint32_t stack_id, const struct hp_xframe **frames,
		   uint32_t *n);
/* Location ids of stack_id, innermost first, into locs[0..max); returns
 * how many. */
uint32_t xstacks_locations(const struct hp_xstacks *xs, uint32_t stack_id, uint32_t *locs,
			   uint32_t max);
/* Inline chain of a location, innermost (depth 0) first. */
uint32_t xstacks_chain(const struct hp_xstacks *xs, uint32_t location_id,
		       const struct hp_xframe **chain);
/* Module id and address of a location. */
void xstacks_location(const struct hp_xstacks *xs, uint32_t location_id, uint32_t *module_id,
		      uint64_t *addr);

/* Names by store id; never NULL ("[unknown]", "" for no file/module). */
const char *xstacks_func_name(const struct hp_xstacks *xs, uint32_t func);
uint32_t xstacks_func_file(const struct hp_xstacks *xs, uint32_t func);
uint32_t xstacks_func_module(const struct hp_xstacks *xs, uint32_t func);
const char *xstacks_file(const struct hp_xstacks *xs, uint32_t file);
const char *xstacks_module(const struct hp_xstacks *xs, uint32_t module);
const char *xstacks_module_build_id(const struct hp_xstacks *xs, uint32_t module);
uint32_t xstacks_nfuncs(const struct hp_xstacks *xs);     /* largest function id + 1 */
uint32_t xstacks_nmodules(const struct hp_xstacks *xs);   /* largest module id + 1 */
uint32_t xstacks_nlocations(const struct hp_xstacks *xs); /* largest location id + 1 */

/* Thread names: comm of tid and its pid (0 when unknown). */
const char *xstacks_thread_comm(const struct hp_xstacks *xs, uint32_t tid);
uint32_t xstacks_thread_pid(const struct hp_xstacks *xs, uint32_t tid);

#endif

/*
 * export_internal.h - what the export_*.c files share; not a public interface.
 *
 * - One writer per format (export_write in export.c dispatches).
 * - Fast output helpers: exports of million-sample profiles print tens of
 *   millions of numbers, so numbers are formatted by hand and written with
 *   the unlocked stdio calls.
 * - Stacks, frames and names come from the stack model (stacks.h): through
 *   the profile for the formats drawn from the aggregation, loaded alone
 *   (stacks_load) for those that stream the samples themselves because
 *   they keep what the aggregation drops (addresses, threads, time).
 */
#ifndef HP_EXPORT_INTERNAL_H
#define HP_EXPORT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "analyzer/export.h"
#include "analyzer/report.h"   /* report_json_string, report_csv_field */
#include "analyzer/stacks.h"
#include "common/hmap.h"

struct hp_store;
struct hp_profile;

/* --- writers (one file each) --- */
int export_folded(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o);
int export_callgrind(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o);
int export_svg(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o);
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

/* Sampling period in ns: 1e9 / frequency, or duration / samples when the
 * run sampled on an event count, or 1 ms when neither is known. */
uint64_t export_period_ns(struct hp_store *st);
/* The CPU time one main sample stands for (run_info cpu_sample_ns; a file
 * from before it: 1e9 / frequency of a cpu-clock sampler), or 0 when the
 * samples stand for no time: another sampler (-s page-faults), or a merge
 * of runs at different rates. */
uint64_t export_cpu_sample_ns(struct hp_store *st);
/* A merge of runs sampled at different rates: each run's CPU time per main
 * sample (run_meta cpu_sample_ns), so that a sample weighs the time it
 * stands for; n = 0 when the runs agree or one has no such time
 * (export_cpu_sample_ns then holds for every sample). */
struct hp_xrates {
	uint32_t n;
	struct hp_xrate { uint32_t run; uint64_t ns; } *r;
};
int export_rates_load(struct hp_store *st, struct hp_xrates *r);
void export_rates_free(struct hp_xrates *r);
/* The CPU time of a main sample of thread tid (its run's), dflt when r
 * has none for it. */
uint64_t export_sample_ns(const struct hp_xrates *r, const struct hp_stacks *xs, uint32_t tid,
			  uint64_t dflt);
/* The weight column of folded and svg (an index into p->events, -1 for
 * samples, -2 for a name p cannot weigh by: profile_weight_column); with
 * no name, samples - or, in a merge of runs sampled at different rates,
 * their CPU time ("cpu-time": each sample its own run's period), which
 * counts would misstate. */
int export_weight_column(const struct hp_profile *p, const char *weight);
/* err, or, when writing to out failed (and err is 0 or -EIO), the
 * failed write's error (-ENOSPC, -EFBIG, -EPIPE...; -EIO when unknown). */
int export_stream_error(FILE *out, int err);

/* Dense index of small tuple keys (up to 4 words): the aggregations of
 * callgrind, pprof and svg. Index i's key is keys[i * width ..]. */
struct hp_xmap {
	struct hp_hmap map;         /* hash of the key -> index */
	uint32_t *keys;
	uint32_t n, width;
	size_t cap;                 /* keys allocated, in keys */
};
void xmap_init(struct hp_xmap *m, uint32_t width);
void xmap_release(struct hp_xmap *m);
/* Index of key[0..width), added when absent (*added = 1). 0 or -ENOMEM. */
int xmap_index(struct hp_xmap *m, const uint32_t *key, uint32_t *idx, int *added);

#endif

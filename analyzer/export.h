/*
 * export.h - a profile in other tools' formats (`hpprof export`).
 *
 * Formats and what reads them:
 *   folded      flamegraph.pl, inferno, speedscope: "outer;...;inner count" per stack
 *   pprof       gzipped profile.proto (go tool pprof, pprof.me, Perfetto)
 *   speedscope  speedscope.app JSON: one sampled profile per thread
 *   chrome      Trace Event JSON (Perfetto, chrome://tracing): per-thread flame
 *               charts of "X" events, process RSS as counter tracks
 *   callgrind   callgrind_annotate, KCachegrind: line-level self costs,
 *               inclusive costs on calls, one event column per counter
 *   svg         a self-contained interactive flame graph drawn by hpprof
 *   csv, json   the public SQL views (function_profile, line_profile, ...)
 *
 * folded, callgrind and svg are drawn from the aggregated profile model
 * (profile.h); pprof, speedscope and chrome read the samples themselves,
 * since they keep addresses, threads or time, and expand their stacks
 * through the same stack model (stacks.h); csv and json read the views.
 * Every format counts main-sampler samples, so its totals equal the run's.
 */
#ifndef HP_EXPORT_H
#define HP_EXPORT_H

#include <stdio.h>

struct hp_store;
struct hp_profile;

enum hp_export_format {
	HP_EXPORT_FOLDED, HP_EXPORT_PPROF, HP_EXPORT_SPEEDSCOPE, HP_EXPORT_CHROME,
	HP_EXPORT_CALLGRIND, HP_EXPORT_SVG, HP_EXPORT_CSV, HP_EXPORT_JSON, HP_EXPORT_MEMSVG,
	HP_EXPORT_NFORMATS
};

struct hp_export_opts {
	enum hp_export_format format;
	/* folded, svg: weigh stacks by this counter event (a name from
	 * profile->events, e.g. "page-faults") instead of samples; NULL = samples */
	const char *weight;
	/* csv, json: one public view; NULL = csv: function_profile, json: every view */
	const char *view;
	/* svg, memory-svg: title; NULL = "hpprof: " and the run's command */
	const char *title;
	/* svg: a differential flame graph against this profile (difftree.h):
	 * the widths are the exported profile's samples, the colours the
	 * change of each path's self time since base (red slower, blue faster);
	 * base_name labels it. Not with weight. */
	const struct hp_profile *base;
	const char *base_name, *name;
};

/* Format for a name ("folded", "pprof", ...); returns 0 or -EINVAL. */
int export_parse_format(const char *name, enum hp_export_format *f);
const char *export_format_name(enum hp_export_format f);
/* 1 when export_write needs the profile model (folded, callgrind, svg, memory-svg). */
int export_needs_profile(enum hp_export_format f);
/* 1 when the output is binary (pprof): not for a terminal. */
int export_is_binary(enum hp_export_format f);

/* Write the profile of st in o->format to out. p is the profile loaded from
 * st (required when export_needs_profile, else ignored and may be NULL).
 * Returns 0, -HP_EBADEVENT when o->weight names no event of the run,
 * -ENOENT when o->view names no view in the file, -EIO when writing failed,
 * or another negative error. */
int export_write(FILE *out, struct hp_store *st, const struct hp_profile *p,
		 const struct hp_export_opts *o);

#endif

/*
 * metrics.h - derived metrics as data: one table of ratios of two counts
 * (instructions per cycle, miss rates, counts per second of task-clock,
 * CPUs utilized), shared by `stat`, which shows the metric beside the
 * count as perf stat does, and the report, whose derived columns (IPC,
 * cache-miss%, branch-miss%, LLC-miss%) are the entries with a column id.
 *
 * An event is named twice: by the perf_event_attr type/config that
 * `stat` has for each event it opened, and by the name a profile stores
 * for it (the report has names only). Simulated counts (run/stat
 * --cache-sim: sim_LLmiss, ...) have a name and no perf event: their
 * metrics give the report's sim_*% columns and stat's simulated ratios.
 * Knows nothing about profiles or output formats.
 */
#ifndef HP_METRICS_H
#define HP_METRICS_H

#include <stdint.h>

/* An event a metric reads. */
struct hp_metric_event {
	const char *name;              /* as a profile names it ("cache-misses") */
	uint32_t type;                 /* perf_event_attr.type */
	uint64_t config;               /* perf_event_attr.config */
};

enum hp_metric_base {
	HP_METRIC_PER_EVENT,           /* num / den */
	HP_METRIC_PER_ELAPSED,         /* num / the elapsed wall time, in seconds */
};

struct hp_metric {
	struct hp_metric_event num;    /* the count the metric belongs to */
	enum hp_metric_base base;
	struct hp_metric_event den;    /* HP_METRIC_PER_EVENT only */
	double scale;                  /* value = scale * (num / den) */
	const char *unit;              /* "insn per cycle", "% of all cache refs"...;
				        * NULL: a rate per second, K/M/G-prefixed */
	const char *column;            /* the report's column id, NULL: stat only */
};

extern const struct hp_metric hp_metrics[];
extern const unsigned hp_nmetrics;

/* Is the perf event (type, config) e? Hybrid PMUs put a PMU type in
 * config's upper 32 bits: they are ignored. */
int metrics_event_is(const struct hp_metric_event *e, uint32_t type, uint64_t config);

/* The metric that belongs to counts of the event (type, config), or NULL. */
const struct hp_metric *metrics_for_event(uint32_t type, uint64_t config);

/* The metric behind a report column id ("IPC"), or NULL. */
const struct hp_metric *metrics_for_column(const char *column);

/* scale * (num / den) into *out; 0 (and *out untouched) when den <= 0. */
int metrics_value(const struct hp_metric *m, double num, double den, double *out);

/* A per-second rate with perf's prefixes: divides *v and returns
 * "G/sec", "M/sec", "K/sec" or "/sec". */
const char *metrics_rate_unit(double *v);

#endif

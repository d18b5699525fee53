/*
 * live.h - the hottest functions of a run while it is being recorded
 * (hpprof top): samples are taken as the store writes them (a sample tap,
 * in the writer's thread), and once per interval the reader's thread names
 * the addresses it has not seen yet (one symbolizer, a cache per address:
 * each address is resolved once for the whole session) and adds the
 * interval's samples to two tables, the last interval and the whole run.
 *
 * A function is (name, module) as symbolize.h names it, as in `hpprof
 * report`: inlined functions and kernel functions ("[kernel.kallsyms]",
 * named from the running kernel) included; self counts the samples whose
 * innermost frame is in it, total the samples with it anywhere on the
 * stack (once per sample); a sample without frames counts for "[unknown]".
 *
 * Weights: CPU = main-sampler samples (events.id 0); wall = their time
 * (samples x the sampling period) plus the off-CPU intervals' ns (samples
 * of events.id offcpu_event, when off-CPU is recorded).
 */
#ifndef HP_LIVE_H
#define HP_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

struct hp_live;
struct hp_store;
struct hp_symbolizer;

struct hp_live_opts {
	uint64_t cpu_sample_ns;        /* time one CPU sample stands for (1e9 / freq) */
	int offcpu_event;              /* events.id of off-CPU samples; 0 = none recorded */
	int raw_names;                 /* names as the binary spells them */
	const char *cache_dir;         /* symbol cache to read (never written), or NULL */
	uint64_t start_ns;             /* CLOCK_MONOTONIC when the run started */
};

/* A new live table for the store st (whose writer calls live_tap). Returns
 * 0, -ENOMEM or a symbolizer error. */
int live_new(const struct hp_live_opts *o, struct hp_store *st, struct hp_live **out);
void live_free(struct hp_live *l);

/* The store's sample tap (store_set_sample_tap): copies the sample's
 * frames; called in the writer's thread, cheap, never blocks for long. */
void live_tap(void *ctx, const struct hp_sample *s);

/* Close the interval: name the new addresses and count the samples taken
 * since the last call into the interval table (which they replace) and the
 * overall one. now_ns: CLOCK_MONOTONIC. Returns 0 or -ENOMEM. */
int live_refresh(struct hp_live *l, uint64_t now_ns);

enum live_span { LIVE_INTERVAL, LIVE_OVERALL };
enum live_weight { LIVE_CPU, LIVE_WALL };
enum live_sort { LIVE_SORT_SELF, LIVE_SORT_TOTAL };

/* One function in one table. */
struct live_row {
	const char *function;
	const char *module;            /* its module's basename */
	uint64_t self_samples, total_samples;   /* CPU samples */
	double self_s, total_s;        /* seconds of the weight asked for */
	double self_pct, total_pct;    /* of the table's whole weight */
};

/* What one table holds in all. */
struct live_totals {
	uint64_t samples;              /* CPU samples */
	uint64_t off_ns;               /* off-CPU ns (wall weight) */
	double seconds;                /* the span's length (wall-clock) */
	double weight_s;               /* the whole weight asked for, seconds */
	uint64_t addresses;            /* distinct addresses named so far */
};

/* The rows of a table, heaviest first by sort, at most max of them, into
 * rows (pointers valid until the next live_refresh). Returns how many. */
size_t live_rows(struct hp_live *l, enum live_span span, enum live_weight w,
		 enum live_sort sort, struct live_row *rows, size_t max);
void live_totals(const struct hp_live *l, enum live_span span, enum live_weight w,
		 struct live_totals *t);
/* Whether off-CPU samples exist (the wall weight means something). */
int live_has_wall(const struct hp_live *l);

#endif

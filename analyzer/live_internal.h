/*
 * live_internal.h - the state of a live table (live.h), shared by live.c
 * (intake, naming, counting) and live_rows.c (tables, sorting). Not an
 * interface: only analyzer/live*.c include it.
 */
#ifndef HP_LIVE_INTERNAL_H
#define HP_LIVE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/live.h"
#include "common/hmap.h"

#define LIVE_MAX_INLINE   32              /* inline depth kept per address */
#define LIVE_PENDING_MAX  (256u << 20)    /* bytes of frames held between two refreshes */

struct live_pending_module { uint32_t id; char *path; };

/* One frame of an address the collector named itself (a Python frame):
 * the store's name for it, taken by the tap (store_location_names). */
struct live_pending_name {
	uint32_t module, depth;
	uint64_t addr;
	char *function;
};

struct live_module {
	char *path;                   /* NULL: not reported yet */
	const char *base;             /* into path */
};

struct live_fn {
	char *name;
	uint32_t module;              /* store module id, 0 for made-up names */
};

/* One address: its functions, innermost first, are pool[first .. first + count). */
struct live_addr {
	uint32_t module;
	uint64_t addr;
	uint32_t first, count;
};

/* A function's weight in one table. */
struct live_stat {
	uint64_t self_n, total_n;     /* CPU samples */
	uint64_t self_user_n;         /* CPU samples whose innermost frame outside the kernel
				       * is in it: wall time's self, as wall_profile's */
	uint64_t self_off, total_off; /* off-CPU ns (self: innermost outside the kernel) */
};

struct live_span_totals {
	uint64_t samples, off_ns;
	double seconds;
};

struct hp_live {
	struct hp_live_opts o;
	struct hp_store *st;

	/* the writer's side, under lock */
	pthread_mutex_t lock;
	uint8_t *pend;                /* pending samples: head, then frames */
	size_t pend_len, pend_cap;
	struct live_pending_module *pend_mods;
	size_t npend_mods, pend_mods_cap;
	struct live_pending_name *pend_names;
	size_t npend_names, pend_names_cap;
	/* the writer's own (no lock) */
	uint8_t *tap_seen;            /* module ids reported */
	size_t tap_seen_cap;
	struct hp_hmap tap_named;     /* key(module, addr) of collector-named addresses asked */
	struct live_pending_name *tap_names;   /* names taken for the sample being tapped */
	size_t ntap_names, tap_names_cap;
	uint64_t dropped;             /* samples not kept (the buffer was full) */

	/* the reader's side */
	uint8_t *spare;               /* the other pending buffer */
	size_t spare_cap;
	struct hp_symbolizer *sym;
	struct live_module *mods;
	size_t nmods, mods_cap;
	struct live_addr *addrs;
	size_t naddrs, addrs_cap;
	struct hp_hmap addr_index;    /* key(module, addr) -> index in addrs */
	uint32_t *pool;
	size_t npool, pool_cap;
	struct live_fn *fns;
	uint32_t nfns;
	size_t fns_cap;
	struct hp_hmap fn_index;      /* hash(name, module) -> index in fns */
	struct live_stat *iv, *all;   /* per function: the last interval, the whole run */
	size_t iv_cap, all_cap;
	uint32_t *stamp, seq;         /* the last sample that counted each function */
	size_t stamp_cap;
	struct live_span_totals tot[2];
	uint64_t start_ns, last_ns;
	uint32_t *order;              /* live_rows' sort buffer */
	size_t order_cap;
};

#endif

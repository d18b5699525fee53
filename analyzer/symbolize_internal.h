/*
 * symbolize_internal.h - what the symbolizer's files share; not an
 * interface for the rest of the analyzer (that is symbolize.h).
 *
 *   symbolize.c   the public API: modules, interned strings, names as the
 *                 user sees them (demangled), the store job
 *   symresolve.c  one address -> its frames: symbol table (with PLT stubs),
 *                 DWARF lines and inline chains, FDE extents for the rest
 *   symfill.c     segments: ranges of addresses that resolve alike, filled
 *                 around each address asked for, and the lookup through them
 *   symcache.c    a module's segments on disk, per build id (the layout:
 *                 symcache_format.h; the module's index: symcache_index.c;
 *                 the entry's name and debug stamp: symcache_key.c; the
 *                 small records a warm run appends: symcache_delta.c)
 *   symcomplete.c a small module's code resolved whole before its entry is
 *                 saved, so later runs do not miss there
 *   symunits.c    address -> compilation unit and line row, from a table
 *                 kept in the cache entry (a miss then reads one unit)
 *
 * Every address of a readable module is answered from its segments, with
 * or without the on-disk cache, so a cached answer is the same answer.
 */
#ifndef HP_SYMBOLIZE_INTERNAL_H
#define HP_SYMBOLIZE_INTERNAL_H

#include <elfutils/libdwfl.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/arena.h"
#include "common/hmap.h"

struct hp_fdes;
struct hp_inlines;
struct hp_symtab;
struct symcache_entry;

#define SYM_BUILD_ID_HEX 129          /* 64 bytes as hex + NUL */

/* A frame as resolved here: hp_frame plus where its function is declared.
 * function is the name as the binary spells it (mangled for C++); the
 * name shown to users is derived from it (symbolize.c). */
struct sym_frame {
	const char *function;       /* interned */
	const char *file;           /* interned, NULL when unknown */
	const char *decl_file;      /* interned, NULL when unknown */
	uint32_t line;
	uint32_t made_up;           /* 1: hpprof made the name ("lib.so+0x1a0"): no raw name */
};

/* [lo, hi) of one module's ELF vaddrs, all resolving to the frames
 * frames[first .. first + n) of the symbolizer. */
struct sym_seg {
	uint64_t lo, hi;
	uint32_t first, n;
};

/* A module's segments: a sorted array plus a small sorted one of recent
 * additions, merged into it when it grows (so that filling stays cheap). */
struct sym_segs {
	struct sym_seg *v, *recent;
	size_t len, cap, nrecent, caprecent;
};

/* One range of a module's DWARF address-range table (dwarf_getaranges):
 * [start, start + len) of the unit whose DIE is at offset die, the unit
 * being [cu_off, cu_off + cu_size) of .debug_info. */
struct sym_unit {
	uint64_t start, len, die, cu_off, cu_size;
};

struct sym_cuview;

struct sym_units {
	struct sym_unit *v;         /* sorted by start, as libdw sorts them */
	size_t n;
	int ready;                  /* read (from the cache entry or the DWARF) */
	int cached;                 /* ... from the cache entry */
	int whole;                  /* no unit views: the module's own Dwarf only */
	struct sym_cuview *views;   /* units opened alone (symunits.c) */
	size_t nviews;
};

struct sym_module {
	char *path;                 /* as given: the key */
	const char *base;           /* basename, inside path */
	Dwfl_Module *dm;            /* NULL when the file could not be read */
	Dwarf_Addr bias;            /* dwfl address = vaddr + bias (0 in practice) */
	struct hp_symtab *symtab;   /* built on first use; NULL when no symbols */
	int symtab_tried;
	int symtab_cached;          /* it came from the cache entry */
	int pseudo;                 /* "[kernel]" and the like: no file to read */
	struct hp_fdes *fdes;       /* .eh_frame FDEs, read on first use; NULL: none */
	struct hp_fdes *dfdes;      /* .debug_frame FDEs, when there is no .eh_frame */
	int fdes_tried, dfdes_tried;
	char build_id[SYM_BUILD_ID_HEX]; /* hex, "" when none: the cache key */
	struct sym_segs segs;       /* resolved this run, or taken from the cache entry */
	struct symcache_entry *cache; /* the entry read from disk, NULL when none */
	int cache_tried;            /* its cache entry was looked for */
	int cache_dirty;            /* segments were resolved since */
	struct sym_units units;     /* symunits.c */
	uint32_t misses;            /* addresses no segment held (symfill.c) */
};

/* One exact (module, vaddr) result, for modules without segments. */
struct sym_result {
	uint32_t mod;
	uint64_t vaddr;
	uint32_t first, n;
};

struct hp_symbolizer {
	Dwfl *dwfl;
	struct hp_inlines *inlines; /* code scopes per function, for inline chains */
	struct hp_ksyms *ksyms;     /* kernel functions, read on first use */
	char *debuginfo_path;       /* NULL: libdwfl's default (.debug, /usr/lib/debug) */
	Dwfl_Callbacks callbacks;   /* must outlive dwfl */
	int raw_names;              /* 1: names as the binary spells them (no demangling) */
	char *cache_dir;            /* NULL: no on-disk cache */

	struct sym_module *mods;
	size_t nmods, capmods;
	struct hp_hmap mod_by_path; /* fnv(path) -> index + 1 */

	struct sym_result *results;
	size_t nresults, capresults;
	struct sym_frame *frames;
	size_t nframes, capframes;
	struct hp_hmap cache;       /* key2(mod + 1, vaddr) -> results index */

	struct hp_arena arena;      /* every string handed out */
	struct hp_hmap strings;     /* fnv(string) -> interned char * */
	struct hp_hmap shown;       /* interned raw name -> interned demangled name */
	struct hp_dwname *dwnames;  /* qualified DWARF names (dwname.h), NULL until used */
	int completing;             /* symcomplete.c is walking: lookups are not misses */
	uint64_t complete_budget_ns; /* per module and run; 0: COMPLETE_BUDGET_NS */
};

/* --- symbolize.c --- */

/* The symbolizer's copy of str (equal strings share one); NULL on ENOMEM. */
const char *symbolize_intern(struct hp_symbolizer *s, const char *str);
const char *symbolize_intern_printf(struct hp_symbolizer *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* name joined to an absolute compilation directory, normalized, interned. */
const char *symbolize_make_path(struct hp_symbolizer *s, const char *dir, const char *name);

/* --- symresolve.c --- */

/* Append the frames of (module mi, vaddr) to s->frames, innermost first
 * (at least one). Returns 0 or -ENOMEM. */
int symresolve_frames(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr);
/* The module's symbol table, built on first use (NULL when it has none). */
struct hp_symtab *symresolve_symtab(struct sym_module *m);
/* [*start, *end) of the FDE of m containing dwfl address addr, from
 * .eh_frame, else (debug_frame set: may open the debug information) from
 * .debug_frame when the module has no .eh_frame. Returns 1 when found. */
int symresolve_fde(struct sym_module *m, Dwarf_Addr addr, int debug_frame, Dwarf_Addr *start,
		   Dwarf_Addr *end);

/* --- symfill.c --- */

/* The frames of (module mi, vaddr) in *first and *n, from the module's
 * segments, resolving the segments around vaddr first when none holds it.
 * Returns 0 or a negative error. */
int symfill_lookup(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr, uint32_t *first,
		   uint32_t *n);
/* The segment holding vaddr, or NULL. */
const struct sym_seg *symsegs_find(struct sym_segs *g, uint64_t vaddr);
/* 1 when no segment of g has an address in [lo, hi). */
int symsegs_free(struct sym_segs *g, uint64_t lo, uint64_t hi);
/* Add [lo, hi) -> frames[first, first + n); it must not overlap a segment
 * of g. Returns 0 or -ENOMEM. */
int symsegs_add(struct sym_segs *g, uint64_t lo, uint64_t hi, uint32_t first, uint32_t n);
/* Add n segments, sorted and disjoint, that overlap none of g. Returns 0
 * or -ENOMEM. */
int symsegs_add_run(struct sym_segs *g, const struct sym_seg *run, size_t n);
/* All segments in one sorted array (g->v[0 .. g->len)). Returns 0 or -ENOMEM. */
int symsegs_flatten(struct sym_segs *g);
void symsegs_release(struct sym_segs *g);
/* Number of segments. */
size_t symsegs_count(const struct sym_segs *g);

/* --- symcomplete.c --- */

/* Resolve every named address of module mi's code into segments when the
 * module is small (symcomplete.c says which), within a time budget.
 * Returns 0 or -ENOMEM. */
int symcomplete_module(struct hp_symbolizer *s, uint32_t mi);

/* Narrow [*lo, *hi) to [rlo, rhi) (the region around an address where
 * a lookup stays the same: symfill.c, symunits.c). */
static inline void sym_clip(uint64_t *lo, uint64_t *hi, uint64_t rlo, uint64_t rhi)
{
	if (rlo > *lo)
		*lo = rlo;
	if (rhi < *hi)
		*hi = rhi;
}

/* --- symunits.c --- */

/* Read m's unit address-range table once (from its cache entry, else
 * from the DWARF). Returns 0 or -ENOMEM. */
int symunits_ready(struct sym_module *m);
/* Clip [*lo, *hi) around dwfl address addr to where the unit lookup of
 * symunits_cudie stays the same. */
void symunits_region(struct sym_module *m, Dwarf_Addr addr, uint64_t *lo, uint64_t *hi);
/* The unit DIE holding dwfl address addr, in *mem (dwfl_module_addrdie's
 * unit, maybe read from a Dwarf of its own); *dwbias as
 * dwfl_module_getdwarf gives it; *key the id under which inlines.h must
 * index the unit (units read alone are apart from the module's Dwarf; mi
 * is the module's index). NULL when none. */
Dwarf_Die *symunits_cudie(struct sym_module *m, uint32_t mi, Dwarf_Addr addr, Dwarf_Die *mem,
			  Dwarf_Addr *dwbias, uint32_t *key);
/* The line row at dwfl address addr (dwfl_module_getsrc's): its file name,
 * its unit's compilation directory (may be NULL) and line. Returns 1 when
 * there is one, else 0 (all NULL/0). */
int symunits_line(struct sym_module *m, Dwarf_Addr addr, const char **name,
		  const char **comp_dir, int *line);
void symunits_release(struct sym_module *m);
/* How many units of m were read alone (each with a Dwarf of its own). */
size_t symunits_views(const struct sym_module *m);

/* --- symcache.c --- */

/* m's unit table from its cache entry into m->units; 1 when the entry
 * had one. */
int symcache_units(struct sym_module *m);
/* m's symbol table rebuilt from its cache entry, or NULL when the entry
 * has none (or on ENOMEM); *had says whether the entry carried one (an
 * entry may record that the module has no symbols). */
struct hp_symtab *symcache_symtab(struct sym_module *m, int *had);

/* Read module mi's cache entry, once; a missing, stale or damaged entry
 * is skipped (a debug note says why). Its segments are taken into the
 * module's one by one, as they are asked for (symcache_take). */
void symcache_load(struct hp_symbolizer *s, uint32_t mi);
/* The segment of module mi's cache entry holding vaddr, moved into the
 * module's segments (its frames interned); NULL when the entry has none
 * or on ENOMEM. */
const struct sym_seg *symcache_take(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr);
/* 1 when m's cache entry (its base or a delta record) has a segment
 * holding vaddr. */
int symcache_holds(const struct sym_module *m, uint64_t vaddr);
/* The first address above vaddr where a segment of m's entry starts
 * (UINT64_MAX when none). */
uint64_t symcache_next(const struct sym_module *m, uint64_t vaddr);
/* Write the segments of every module that gained some, with those of its
 * entry and of what another run may have written meanwhile. Returns 0 or
 * the first error (the cache is an optimization: callers only log it). */
int symcache_save(struct hp_symbolizer *s);
/* Free m's entry. */
void symcache_release(struct sym_module *m);

#endif

/*
 * symcache_format.h - the symbol cache entry on disk, shared by
 * symcache.c (segments: reading, merging, writing), symcache_index.c
 * (the module's unit ranges and symbol table) and symcache_delta.c (the
 * small records a run appends after a miss); not an interface.
 */
#ifndef HP_SYMCACHE_FORMAT_H
#define HP_SYMCACHE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct hp_symbolizer;
struct sym_module;

#define CACHE_MAGIC    "HPSYMC\r\n"
#define CACHE_FORMAT   11u             /* bump when resolution or layout changes (5: qualified DWARF names, dwname.h;
					 * 7: the module's unit ranges and symbol table;
					 * 8: delta records after the entry;
					 * 9: no line past a line sequence's end, symunits.c;
					 * 10: the base and each record padded to 8 bytes, the
					 *     base checked by blocks as it is read;
					 * 11: unit ranges of modules without .debug_aranges,
					 *     Go's, from the units themselves) */
#define CACHE_MAX      (256u << 20)    /* entries larger than this are not written */
#define NO_STRING      UINT32_MAX
#define STAMP_MAX      4096
#define KEY_MAX        (SYM_BUILD_ID_HEX + 32)
#define CACHE_BLOCK    4096u           /* bytes of the base's body under one block sum */

#define HAS_UNITS      1u              /* header flags: the unit table is there ... */
#define HAS_SYMS       2u              /* ... the symbol table is (nsyms 0: the module has none) */

/* The file: header, the body's block sums, then the body: segments, unit
 * ranges, symbols, frames, strings, the symbols' names (apart: a save
 * copies them without hashing) - the "base", whose size the header gives,
 * padded with zeroes to a multiple
 * of 8 bytes - then any number of delta records (struct cache_delta, each
 * padded the same way, so that a reader views them where they are
 * mapped), all in the host's byte order
 * (an entry from another architecture fails the magic-and-format check
 * only by luck: the key's build id and file size keep it apart anyway). */
struct cache_header {
	char magic[8];
	uint32_t format;
	uint32_t nsegs, nframes, strbytes;
	uint32_t key;               /* string offsets: the key (entry_key) ... */
	uint32_t version;           /* ... HPPROF_VERSION ... */
	uint32_t stamp;             /* ... and the debug stamp */
	uint32_t flags;             /* HAS_UNITS, HAS_SYMS */
	uint64_t sum;               /* checksum64 of the header (this field 0) and the block sums */
	uint32_t nunits, nsyms;
	uint32_t symbytes;
	uint32_t nblocks;           /* 64 bytes; then nblocks uint64_t: checksum64 of each
				     * CACHE_BLOCK bytes of the body (the last one shorter) */
};

struct cache_seg {
	uint64_t lo, hi;
	uint32_t first, n;
};

/* The module's unit address ranges (symunits.c) and its finished symbol
 * table (symtab_entry): what a miss needs besides the unit it reads. */
struct cache_unit {
	uint64_t start, len, die, cu_off, cu_size;
};

struct cache_sym {
	uint64_t start, end;
	uint32_t name, sized;       /* name: offset in the symbols' names */
};

struct cache_frame {
	uint32_t function, file, decl_file, line, made_up;
};

/* A delta record, appended to an entry by a run that resolved a few new
 * segments (symcache_delta.c): the header, then nsegs segments, nframes
 * frames and strbytes of strings, as in the base, numbered from 0 within
 * the record, then zeroes up to a multiple of 8 bytes (in its checksum). */
#define DELTA_MAGIC    "HPSYMD\r\n"
#define CACHE_ALIGN(n) (((n) + 7) & ~(uint64_t)7)
struct cache_delta {
	char magic[8];
	uint64_t sum;               /* checksum64 of what follows this field */
	uint64_t base;              /* the sum of the base it extends: else ignored */
	uint32_t nsegs, nframes, strbytes, pad;
};

_Static_assert(sizeof(struct cache_header) % 8 == 0, "segments must be 8-aligned");
_Static_assert(sizeof(struct cache_seg) % 8 == 0, "units follow segments");
_Static_assert(sizeof(struct cache_unit) % 8 == 0, "symbols follow units");
_Static_assert(sizeof(struct cache_sym) % 8 == 0, "frames follow symbols");
_Static_assert(sizeof(struct cache_delta) % 8 == 0, "a delta's segments follow its header");

/* A parsed, validated base or delta (pointers into the file's mapping);
 * h is the base's header (NULL for a delta). */
struct cache_view {
	const struct cache_header *h;
	uint32_t nsegs, nframes, strbytes;
	const struct cache_seg *segs;
	const struct cache_unit *units;
	const struct cache_sym *syms;
	const struct cache_frame *frames;
	const char *strings;
	const char *symstrings;
};

/* A segment of a delta record kept when an entry is read (in the
 * record's view): it overlaps no other kept one; one that overlaps a
 * segment of the base is passed over when it is looked up (symcache.c). */
struct cache_extra {
	const struct cache_seg *seg;
	const struct cache_view *view;
};

/* An entry read from disk: its mapped bytes and their view, and its delta
 * records (validated, viewed in the mapping) with the segments kept of them.
 * The base's body is checked a block at a time as it is first read
 * (symcache_verify): a run reads the few blocks its addresses need, not
 * the whole entry (ld.so's is ~850 KB); a block that fails marks the
 * entry broken (unused from then on, and written whole at the save). */
struct symcache_entry {
	void *buf;
	size_t size;                /* bytes mapped: the base and the deltas */
	size_t base;                /* bytes of the base (its header says, padded) */
	struct cache_view v;
	const uint64_t *blocksums;  /* the header's nblocks sums, in buf */
	const char *body;           /* the first byte under blocksums[0] */
	size_t bodybytes;
	unsigned char *verified;    /* per block: its sum was checked */
	int broken;                 /* a block failed: the base is not used */
	int index_checked;          /* 1: the index is sound, -1: it is not, 0: not known */
	struct stat sb;             /* the file's, when it was mapped */
	struct cache_view *deltas;  /* each over its record in buf */
	size_t ndeltas;
	struct cache_extra *extra;  /* sorted by address, disjoint */
	size_t nextra;
	int damaged;                /* a delta record failed its checks: rewrite whole */
};

/* The module's index as it is written: unit ranges, symbols, their names. */
struct cache_index {
	struct cache_unit *units;
	struct cache_sym *syms;
	char *symstrings;
	size_t symbytes;
	uint32_t nunits, nsyms, flags;
};

/* --- symcache_key.c --- */

/* The debug stamp of m: which separate debug files it could use, with
 * their sizes and times ("" when none). */
void symcache_stamp(struct sym_module *m, char *buf, size_t size);
/* m's key: "BUILDID-SIZE-HASH". */
void symcache_key(const struct sym_module *m, char *buf, size_t size);
/* The path of m's entry in s's cache directory. */
void symcache_path(const struct hp_symbolizer *s, const struct sym_module *m, char *buf,
		   size_t size);

/* --- symcache.c --- */

/* The calling thread's CPU time in ns (for the debug notes of saves). */
uint64_t symcache_cpu_ns(void);

/* NULL when the segments, frames and strings of v (counts set) are
 * sound, else what is wrong. */
const char *symcache_check_body(const struct cache_view *v);
/* 0 when the len bytes at p, in e's base body, are as written (their
 * blocks' sums checked, each block once), else -1 and e is broken. */
int symcache_verify(struct symcache_entry *e, const void *p, size_t len);
/* 0 when e's unit table and symbols are sound (checked once), else -1. */
int symcache_index_sound(struct symcache_entry *e);
/* 0 when all of e's base is sound (every block, then the structure),
 * before a save merges it; else -1 and e is broken. */
int symcache_verify_all(struct symcache_entry *e);
/* m's entry on disk when it is sound and current, else NULL. */
struct symcache_entry *symcache_read_entry(const struct hp_symbolizer *s,
					   const struct sym_module *m, const char *stamp);
void symcache_free_entry(struct symcache_entry *e);
/* 1 when the file at path is still the one e was read from. */
int symcache_entry_unchanged(const struct symcache_entry *e, const char *path);

/* --- symcache_delta.c --- */

/* Read the delta records after e's base (e->base .. e->size): each one
 * checked and viewed where it is mapped, stopping at the first damaged one (e->damaged);
 * records of another base are skipped. Then e->extra. Never fails: on
 * ENOMEM the deltas are left out (and e->damaged set). */
void symcache_read_deltas(struct symcache_entry *e);
/* The kept delta segment of e holding vaddr, or NULL. */
const struct cache_extra *symcache_extra_find(const struct symcache_entry *e, uint64_t vaddr);
/* The first address above vaddr where a kept delta segment starts. */
uint64_t symcache_extra_next(const struct symcache_entry *e, uint64_t vaddr);
void symcache_deltas_free(struct symcache_entry *e);
/* Append module m's new segments (those its entry m->cache holds not)
 * as one delta record to the entry file at path, when that is still the
 * file m->cache was read from, sound, and its deltas stay small beside
 * its base. Returns 0 when appended (or nothing was new), 1 when the
 * entry must be written whole instead, or a negative error. */
int symcache_append(struct hp_symbolizer *s, struct sym_module *m, const char *path,
		    const char *stamp);

/* --- symcache_index.c --- */

/* NULL when the unit table and the symbols of a checked entry are sound,
 * else what is wrong. */
const char *symcache_check_index(const struct cache_view *v);
/* m's unit ranges and symbol table into x (read now when this run did
 * not need them). Returns 0 or a negative error; release x either way. */
int symcache_index_build(struct sym_module *m, struct cache_index *x);
void symcache_index_release(struct cache_index *x);

#endif

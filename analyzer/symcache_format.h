/*
 * symcache_format.h - the symbol cache entry on disk, shared by
 * symcache.c (segments: reading, merging, writing) and symcache_index.c
 * (the module's unit ranges and symbol table); not an interface.
 */
#ifndef HP_SYMCACHE_FORMAT_H
#define HP_SYMCACHE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct sym_module;

#define CACHE_MAGIC    "HPSYMC\r\n"
#define CACHE_FORMAT   7u              /* bump when resolution or layout changes (5: qualified DWARF names, dwname.h;
					 * 7: the module's unit ranges and symbol table) */
#define CACHE_MAX      (256u << 20)    /* entries larger than this are not written */
#define NO_STRING      UINT32_MAX
#define STAMP_MAX      4096
#define KEY_MAX        (SYM_BUILD_ID_HEX + 32)

#define HAS_UNITS      1u              /* header flags: the unit table is there ... */
#define HAS_SYMS       2u              /* ... the symbol table is (nsyms 0: the module has none) */

/* The file: header, segments, unit ranges, symbols, frames, strings, the
 * symbols' names (apart: a save copies them without hashing), in the
 * host's byte order
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
	uint64_t sum;               /* checksum64 of everything after the header */
	uint32_t nunits, nsyms;
	uint32_t symbytes, pad;     /* 64 bytes: the segments that follow are 8-aligned */
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

_Static_assert(sizeof(struct cache_header) % 8 == 0, "segments must be 8-aligned");
_Static_assert(sizeof(struct cache_seg) % 8 == 0, "units follow segments");
_Static_assert(sizeof(struct cache_unit) % 8 == 0, "symbols follow units");
_Static_assert(sizeof(struct cache_sym) % 8 == 0, "frames follow symbols");

/* A parsed, validated entry (pointers into the file's buffer). */
struct cache_view {
	const struct cache_header *h;
	const struct cache_seg *segs;
	const struct cache_unit *units;
	const struct cache_sym *syms;
	const struct cache_frame *frames;
	const char *strings;
	const char *symstrings;
};

/* An entry read from disk: its mapped bytes and their view. */
struct symcache_entry {
	void *buf;
	size_t size;
	struct cache_view v;
	struct stat sb;             /* the file's, when it was mapped */
};

/* The module's index as it is written: unit ranges, symbols, their names. */
struct cache_index {
	struct cache_unit *units;
	struct cache_sym *syms;
	char *symstrings;
	size_t symbytes;
	uint32_t nunits, nsyms, flags;
};

/* --- symcache_index.c --- */

/* NULL when the unit table and the symbols of a checked entry are sound,
 * else what is wrong. */
const char *symcache_check_index(const struct cache_view *v);
/* m's unit ranges and symbol table into x (read now when this run did
 * not need them). Returns 0 or a negative error; release x either way. */
int symcache_index_build(struct sym_module *m, struct cache_index *x);
void symcache_index_release(struct cache_index *x);

#endif

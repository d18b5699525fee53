/*
 * pycode.h - CPython code objects read from a process: names, file, first
 * line and the location table, and the line of an instruction.
 *
 * Knows the 3.11 layouts through struct py_offsets and the 3.11 location
 * table format (Objects/locations.md in CPython): a sequence of entries,
 * each starting with a byte 1CCCCLLL (code C, L+1 code units), followed
 * by varints whose line delta depends on the code:
 *   15 no location, 14 long form (signed line delta, end line, columns),
 *   13 no columns (signed line delta), 10..12 one line (delta C - 10),
 *   0..9 short form (same line).
 */
#ifndef HP_PYCODE_H
#define HP_PYCODE_H

#include <stddef.h>
#include <stdint.h>

#include "collector/pyoffsets.h"

/* Reads len bytes at addr of the process into buf. Returns 0, or a
 * negative errno (-EFAULT) when any byte is unreadable. */
typedef int (*py_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

/* Longest name or file name kept (longer ones are cut, marked "..."). */
#define PYCODE_STR_MAX 1024
/* Largest location table read (bytes); a larger one is refused. */
#define PYCODE_TABLE_MAX (1u << 20)

/* What hpprof keeps of one code object. */
struct pycode {
	uint64_t addr;                  /* the code object */
	uint64_t key[4];                /* co_filename, co_name, co_qualname, co_linetable
	                                 * pointers: a different object at the same address
	                                 * differs here */
	int first_line;                 /* co_firstlineno */
	char *qualname;                 /* malloc'd, UTF-8 */
	char *filename;                 /* malloc'd, UTF-8 */
	uint8_t *table;                 /* malloc'd copy of co_linetable */
	size_t table_len;
};

/*
 * The line of the instruction at byte offset addr (2 * code units from
 * co_code_adaptive) under the location table; first_line for a negative
 * offset (a frame that has not started), -1 when the table gives the
 * instruction no line or ends before it. Same answers as CPython 3.11's
 * PyCode_Addr2Line.
 */
int pycode_addr2line(const uint8_t *table, size_t len, int first_line, long addr);

/* The identity key of the code object whose header (o->code_size bytes
 * from its address) is hdr. */
void pycode_key(const struct py_offsets *o, const uint8_t *hdr, uint64_t key[4]);

/*
 * Fills *c for the code object at addr whose header is hdr: reads its
 * strings and location table through read. Returns 0, -ENOMEM, -EFAULT,
 * or -EAGAIN when a field is not what a code object holds. On error *c
 * owns nothing. pycode_release frees what *c owns.
 */
int pycode_load(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t addr,
		const uint8_t *hdr, struct pycode *c);
void pycode_release(struct pycode *c);

/*
 * The str object at addr as UTF-8 in a new malloc'd string (*out).
 * Compact strings only (what code objects hold). Returns 0, -ENOMEM,
 * -EFAULT, or -EAGAIN for a non-compact or implausible string.
 */
int pycode_string(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t addr,
		  char **out);

#endif

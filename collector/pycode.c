/*
 * pycode.c - code objects of a Python process: their strings, their
 * location table, and the line of an instruction (see pycode.h).
 *
 * Takes raw bytes read through a py_read_fn; produces struct pycode with
 * malloc'd copies. Does not cache (pyframes.c does) and does not know
 * about frames.
 */
#include "collector/pycode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- location table (3.11) ------------------------------------------------ */

enum {
	LOC_ONE_LINE0 = 10,
	LOC_NO_COLUMNS = 13,
	LOC_LONG = 14,
	LOC_NONE = 15,
};

/* Unsigned varint of 6-bit groups, bit 6 = more. Advances *p (not past end). */
static unsigned read_varint(const uint8_t **p, const uint8_t *end)
{
	unsigned val = 0, shift = 0;
	while (*p < end) {
		uint8_t b = *(*p)++;
		if (shift < 32)
			val |= (unsigned)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	return val;
}

/* Signed varint: the sign in the lowest bit. */
static int read_svarint(const uint8_t **p, const uint8_t *end)
{
	unsigned u = read_varint(p, end);
	return u & 1 ? -(int)(u >> 1) : (int)(u >> 1);
}

/* Line delta of the entry whose first byte is at p. */
static int line_delta(const uint8_t *p, const uint8_t *end)
{
	int code = (p[0] >> 3) & 15;
	const uint8_t *q = p + 1;
	if (code == LOC_NO_COLUMNS || code == LOC_LONG)
		return read_svarint(&q, end);
	if (code >= LOC_ONE_LINE0 && code < LOC_NO_COLUMNS)
		return code - LOC_ONE_LINE0;
	return 0;                       /* short forms and no location */
}

int pycode_addr2line(const uint8_t *table, size_t len, int first_line, long addr)
{
	const uint8_t *p = table, *end = table + len;
	int line = first_line;
	long start = 0;

	if (addr < 0)
		return first_line;
	while (p < end) {
		if (!(p[0] & 0x80))         /* not an entry start: corrupt table */
			return -1;
		line += line_delta(p, end);
		int entry_line = (p[0] >> 3) == 0x1f ? -1 : line;
		start += ((p[0] & 7) + 1) * 2;
		if (addr < start)
			return entry_line;
		do
			p++;
		while (p < end && !(p[0] & 0x80));
	}
	return -1;
}

/* ---- strings --------------------------------------------------------------- */

static uint64_t load_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Appends code point cp to out as UTF-8; returns the new length. */
static size_t put_utf8(char *out, size_t n, uint32_t cp)
{
	if (cp < 0x80) {
		out[n++] = (char)cp;
	} else if (cp < 0x800) {
		out[n++] = (char)(0xc0 | cp >> 6);
		out[n++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[n++] = (char)(0xe0 | cp >> 12);
		out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[n++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[n++] = (char)(0xf0 | cp >> 18);
		out[n++] = (char)(0x80 | (cp >> 12 & 0x3f));
		out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[n++] = (char)(0x80 | (cp & 0x3f));
	}
	return n;
}

int pycode_string(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t addr,
		  char **out)
{
	uint8_t hdr[128];
	uint32_t state;
	int err;

	*out = NULL;
	if (!addr || o->str_compact_data > sizeof hdr)
		return -EAGAIN;
	if ((err = read(ctx, addr, hdr, o->str_ascii_data)))
		return err;
	uint64_t length = load_u64(hdr + o->str_length);
	memcpy(&state, hdr + o->str_state, sizeof state);
	unsigned kind = state >> o->str_kind_shift & 7;
	int compact = state >> o->str_compact_bit & 1, ascii = state >> o->str_ascii_bit & 1;
	if (!compact || (kind != 1 && kind != 2 && kind != 4) || (ascii && kind != 1))
		return -EAGAIN;

	size_t keep = length > PYCODE_STR_MAX ? PYCODE_STR_MAX : (size_t)length;
	uint64_t data = addr + (ascii ? o->str_ascii_data : o->str_compact_data);
	uint8_t *raw = malloc(keep * kind + 1);
	char *s = malloc(keep * 4 + 4);
	if (!raw || !s) {
		err = -ENOMEM;
		goto fail;
	}
	if (keep && (err = read(ctx, data, raw, keep * kind)))
		goto fail;
	size_t n = 0;
	for (size_t i = 0; i < keep; i++) {
		uint32_t cp = kind == 1 ? raw[i] : kind == 2 ? ((const uint16_t *)(void *)raw)[i]
			    : ((const uint32_t *)(void *)raw)[i];
		n = put_utf8(s, n, cp > 0x10ffff ? 0xfffd : cp);
	}
	if (keep < length) {
		memcpy(s + n, "...", 3);
		n += 3;
	}
	s[n] = '\0';
	free(raw);
	*out = s;
	return 0;
fail:
	free(raw);
	free(s);
	return err;
}

/* ---- code objects ---------------------------------------------------------- */

void pycode_key(const struct py_offsets *o, const uint8_t *hdr, uint64_t key[4])
{
	key[0] = load_u64(hdr + o->code_filename);
	key[1] = load_u64(hdr + o->code_name);
	key[2] = load_u64(hdr + o->code_qualname);
	key[3] = load_u64(hdr + o->code_linetable);
}

/* The bytes object at addr, copied into *table. */
static int load_table(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t addr,
		      uint8_t **table, size_t *len)
{
	uint8_t hdr[64];
	int err;

	if (!addr || o->bytes_data > sizeof hdr)
		return -EAGAIN;
	if ((err = read(ctx, addr, hdr, o->bytes_data)))
		return err;
	int64_t size;
	memcpy(&size, hdr + o->bytes_size, sizeof size);
	if (size < 0 || (uint64_t)size > PYCODE_TABLE_MAX)
		return -EAGAIN;
	*table = malloc((size_t)size + 1);
	if (!*table)
		return -ENOMEM;
	if (size && (err = read(ctx, addr + o->bytes_data, *table, (size_t)size))) {
		free(*table);
		*table = NULL;
		return err;
	}
	*len = (size_t)size;
	return 0;
}

int pycode_load(const struct py_offsets *o, py_read_fn read, void *ctx, uint64_t addr,
		const uint8_t *hdr, struct pycode *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->addr = addr;
	pycode_key(o, hdr, c->key);
	memcpy(&c->first_line, hdr + o->code_firstlineno, sizeof c->first_line);
	if ((err = pycode_string(o, read, ctx, c->key[2], &c->qualname)) ||
	    (err = pycode_string(o, read, ctx, c->key[0], &c->filename)) ||
	    (err = load_table(o, read, ctx, c->key[3], &c->table, &c->table_len))) {
		pycode_release(c);
		return err;
	}
	return 0;
}

void pycode_release(struct pycode *c)
{
	free(c->qualname);
	free(c->filename);
	free(c->table);
	memset(c, 0, sizeof(*c));
}

/*
 * test_pycode.c - code objects (collector/pycode.c): the 3.11 location
 * table decoder against CPython's own co_lines() for every instruction of
 * a sample source (tests/fixtures/python/linetables.py run by a real
 * python3.11), and str objects of each kind laid out as CPython lays them
 * out, read through a reader of this process's memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp_test.h"
#include "test_py_util.h"
#include "collector/pycode.h"

int main(void);

static int local_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return 0;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned byte;
	while (n < cap && sscanf(hex + 2 * n, "%2x", &byte) == 1)
		out[n++] = (uint8_t)byte;
	return n;
}

/* Every LINES range of every CODE: pycode_addr2line must give CPython's line. */
static void test_linetables(void)
{
	char fixture[4096], line[65536], name[512];
	static uint8_t table[32768];
	size_t tlen = 0;
	int first = 0, ncode = 0, nchecked = 0, code_bytes = 0;

	char *argv[] = { (char *)PY311, (char *)py_fixture("linetables.py", fixture, sizeof fixture),
			 NULL };
	struct pyproc_child c = { 0 };
	CHECK(py_spawn(argv, &c) == 0);
	while (fgets(line, sizeof line, c.out)) {
		char hex[sizeof line];
		long start, end, want;
		if (sscanf(line, "CODE\t%511[^\t]\t%d\t%65535[0-9a-f]\t%d", name, &first, hex,
			   &code_bytes) == 4) {
			ncode++;
			tlen = unhex(hex, table, sizeof table);
			CHECK_EQ_INT(pycode_addr2line(table, tlen, first, -2), first);
			CHECK_EQ_INT(pycode_addr2line(table, tlen, first, code_bytes), -1);
		} else if (sscanf(line, "LINES\t%ld\t%ld\t%ld", &start, &end, &want) == 3) {
			for (long a = start; a < end; a += 2, nchecked++) {
				int got = pycode_addr2line(table, tlen, first, a);
				if (got != want)
					fprintf(stderr, "%s: offset %ld: line %d, CPython says %ld\n",
						name, a, got, want);
				CHECK_EQ_INT(got, want);
			}
		}
	}
	CHECK_EQ_INT(py_finish(&c), 0);
	printf("location tables: %d code objects, %d instructions agree with co_lines()\n",
	       ncode, nchecked);
	CHECK(ncode >= 10);
	CHECK(nchecked >= 100);
}

/* A compact str object of the 3.11 layout in buf: kind 1 (ascii or not), 2, 4. */
static uint64_t make_str(const struct py_offsets *o, uint8_t *buf, const void *chars,
			 size_t length, unsigned kind, int ascii)
{
	memset(buf, 0, 256);
	uint64_t len64 = length;
	memcpy(buf + o->str_length, &len64, sizeof len64);
	uint32_t state = kind << o->str_kind_shift | 1u << o->str_compact_bit |
			 (unsigned)ascii << o->str_ascii_bit | 1u << 7;   /* ready */
	memcpy(buf + o->str_state, &state, sizeof state);
	size_t data = ascii ? o->str_ascii_data : o->str_compact_data;
	memcpy(buf + data, chars, length * kind);
	return (uint64_t)(uintptr_t)buf;
}

static void test_strings(void)
{
	const struct py_offsets *o = pyoffsets_for(3, 11);
	static uint8_t buf[8192];
	char *s;

	CHECK(o != NULL);
	if (!o)
		return;
	uint64_t a = make_str(o, buf, "calculate_z", 11, 1, 1);
	CHECK(pycode_string(o, local_read, NULL, a, &s) == 0 && s && !strcmp(s, "calculate_z"));
	free(s);

	const uint8_t latin1[] = { 'g', 'r', 0xf6, 0xdf, 'e' };          /* größe */
	a = make_str(o, buf, latin1, sizeof latin1, 1, 0);
	CHECK(pycode_string(o, local_read, NULL, a, &s) == 0 && s && !strcmp(s, "gr\xc3\xb6\xc3\x9f" "e"));
	free(s);

	const uint16_t ucs2[] = { 0x3bb, '_', 'f' };                     /* λ_f */
	a = make_str(o, buf, ucs2, 3, 2, 0);
	CHECK(pycode_string(o, local_read, NULL, a, &s) == 0 && s && !strcmp(s, "\xce\xbb_f"));
	free(s);

	const uint32_t ucs4[] = { 0x1d53c, 'x' };                        /* 𝔼x */
	a = make_str(o, buf, ucs4, 2, 4, 0);
	CHECK(pycode_string(o, local_read, NULL, a, &s) == 0 && s && !strcmp(s, "\xf0\x9d\x94\xbcx"));
	free(s);

	char longname[PYCODE_STR_MAX + 100];
	memset(longname, 'a', sizeof longname);
	a = make_str(o, buf, longname, sizeof longname, 1, 1);
	CHECK(pycode_string(o, local_read, NULL, a, &s) == 0 && s &&
	      strlen(s) == PYCODE_STR_MAX + 3 && !strcmp(s + PYCODE_STR_MAX, "..."));
	free(s);

	const uint32_t one[] = { 'x' };
	a = make_str(o, buf, one, 1, 3, 0);                               /* no such kind */
	CHECK(pycode_string(o, local_read, NULL, a, &s) == -EAGAIN && !s);
	a = make_str(o, buf, "x", 1, 1, 1);
	buf[o->str_state] &= (uint8_t)~(1u << o->str_compact_bit);       /* legacy string */
	CHECK(pycode_string(o, local_read, NULL, a, &s) == -EAGAIN && !s);
	CHECK(pycode_string(o, local_read, NULL, 0, &s) == -EAGAIN);
}

/* Hand-made tables: one entry of each form. */
static void test_forms(void)
{
	/* short form (code 0, 2 units), one-line +2 (code 12, 1 unit, 2 column
	 * bytes), no columns -3 (code 13, svarint 7), no location (code 15),
	 * long form +70 (code 14, svarint 140 = 0x4c|0x40, 0x02, then 3 varints). */
	const uint8_t t[] = {
		0x80 | 0 << 3 | 1, 0x05,
		0x80 | 12 << 3 | 0, 0x01, 0x02,
		0x80 | 13 << 3 | 0, 0x07,
		0x80 | 15 << 3 | 0,
		0x80 | 14 << 3 | 0, 0x40 | (140 & 63), 140 >> 6, 0x00, 0x01, 0x02,
	};
	CHECK_EQ_INT(pycode_addr2line(t, sizeof t, 10, 0), 10);
	CHECK_EQ_INT(pycode_addr2line(t, sizeof t, 10, 2), 10);
	CHECK_EQ_INT(pycode_addr2line(t, sizeof t, 10, 4), 12);
	CHECK_EQ_INT(pycode_addr2line(t, sizeof t, 10, 6), 9);
	CHECK_EQ_INT(pycode_addr2line(t, sizeof t, 10, 8), -1);
	CHECK_EQ_INT(pycode_addr2line(t, sizeof t, 10, 10), 79);
	CHECK_EQ_INT(pycode_addr2line(t, sizeof t, 10, 12), -1);
	const uint8_t bad[] = { 0x05 };                                  /* no entry start */
	CHECK_EQ_INT(pycode_addr2line(bad, sizeof bad, 10, 0), -1);
}

int main(void)
{
	test_forms();
	test_strings();
	if (access(PY311, X_OK))
		SKIP(PY311 " is not installed: the location tables cannot be checked against CPython");
	test_linetables();
	return hp_test_result();
}

/*
 * test_ehframe.c - .debug_frame in .eh_frame's layout, and stacks ended at
 * a function (collector/ehframe.c), on sections written out by hand:
 * version 3 and 4 CIEs, FDEs pointing at either, the result indexed by
 * the .eh_frame indexer; and what is refused (a CIE after its FDE, 64-bit
 * DWARF, 4-byte addresses, truncation, no FDE).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hp_test.h"
#include "collector/ehframe.h"
#include "common/error.h"

int main(void);

struct buf {
	uint8_t b[512];
	size_t n;
};

static void put(struct buf *s, const void *p, size_t n)
{
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void put32(struct buf *s, uint32_t v) { put(s, &v, 4); }
static void put64(struct buf *s, uint64_t v) { put(s, &v, 8); }

/* a CIE of version v (3 or 4, asize: v4's address size): code align 1,
 * data align -8, return address 16, CFA = rsp + 8, ra at cfa - 8 */
static size_t cie(struct buf *s, uint8_t v, uint8_t asize)
{
	static const uint8_t body3[] = { 1, 0x78, 16, 0x0c, 0x07, 0x08, 0x90, 0x01 };
	size_t at = s->n;
	uint32_t len = 4 + 1 + 1 + (v == 4 ? 2 : 0) + sizeof(body3);
	len = (len + 3) & ~3u;
	put32(s, len);
	put32(s, 0xffffffffu);
	put(s, &v, 1);
	put(s, "", 1);
	if (v == 4) {
		uint8_t sz[2] = { asize, 0 };
		put(s, sz, 2);
	}
	put(s, body3, sizeof(body3));
	while (s->n - at < 4 + len)
		put(s, "", 1);                  /* DW_CFA_nop */
	return at;
}

static size_t fde(struct buf *s, size_t cie_at, uint64_t loc, uint64_t range)
{
	static const uint8_t ins[] = { 0x44, 0x0e, 0x10, 0, 0, 0, 0, 0 };  /* advance 4; cfa 16 */
	size_t at = s->n;
	put32(s, 4 + 16 + sizeof(ins));
	put32(s, (uint32_t)cie_at);
	put64(s, loc);
	put64(s, range);
	put(s, ins, sizeof(ins));
	return at;
}

static void test_convert(void)
{
	struct buf s = { .n = 0 };
	size_t c3 = cie(&s, 3, 0);
	fde(&s, c3, 0x401000, 0x100);
	size_t c4 = cie(&s, 4, 8);
	fde(&s, c4, 0x402000, 0x80);
	fde(&s, c3, 0x400800, 0x40);
	put32(&s, 0);                           /* terminator */
	uint8_t *eh;
	size_t size, n;
	const uint64_t at = 0x500000;           /* where the section is served */
	CHECK(ehframe_from_debug_frame(s.b, s.n, at, &eh, &size) == 0);
	/* each CIE gains "zR" and its data (4 bytes), each FDE its augmentation
	 * length (1); v4's two size bytes dropped; a terminator */
	CHECK(size == s.n - 4 + 2 * 4 + 3 - 2 + 4);
	uint32_t id;
	memcpy(&id, eh + 4, 4);
	CHECK(id == 0);                         /* a CIE of .eh_frame */
	struct hp_eh_entry *t;
	CHECK(ehframe_index(eh, size, at, at, &t, &n) == 0);
	CHECK(n == 3);
	if (n == 3) {
		CHECK(t[0].loc == (int32_t)(0x400800 - at) && t[1].loc == (int32_t)(0x401000 - at) &&
		      t[2].loc == (int32_t)(0x402000 - at));
		/* the v4 CIE's FDE: its CIE is version 3 now, without the sizes */
		size_t f = (size_t)t[2].fde, c;
		memcpy(&id, eh + f + 4, 4);
		c = f + 4 - id;
		CHECK(eh[c + 8] == 3 && !memcmp(eh + c + 9, "zR", 3) && eh[c + 12] == 1 &&
		      eh[c + 13] == 0x78);
		/* pc-relative 8-byte locations (0x1c), after the return address */
		CHECK(eh[c + 15] == 1 && eh[c + 16] == 0x1c);
		int64_t rel;
		memcpy(&rel, eh + f + 8, 8);
		CHECK((uint64_t)((int64_t)(at + f + 8) + rel) == 0x402000);
		free(t);
	}
	/* served at another address (a load bias): the locations move with it */
	CHECK(ehframe_index(eh, size, at + 0x1000, at, &t, &n) == 0 && n == 3);
	if (n == 3) {
		CHECK(t[0].loc == (int32_t)(0x401800 - at));
		free(t);
	}
	/* the stack ends at the function of 0x402010: undefined return address */
	CHECK(ehframe_end_stack_at(eh, size, at, 0x402010) == 0);
	CHECK(ehframe_index(eh, size, at, at, &t, &n) == 0 && n == 3);
	if (n == 3) {
		const uint8_t *ins = eh + t[2].fde + 25;
		CHECK(ins[0] == 0x07 && ins[1] == 16 && ins[2] == 0);
		CHECK(eh[t[1].fde + 25] == 0x44);      /* the others untouched */
		free(t);
	}
	CHECK(ehframe_end_stack_at(eh, size, at, 0x600000) == -ENOENT);
	free(eh);
}

static void test_merge(void)
{
	const struct hp_eh_entry a[] = { { 0x10, 1 }, { 0x40, 2 }, { 0x90, 3 } };
	const struct hp_eh_entry b[] = { { 0x08, 4 }, { 0x40, 5 }, { 0x60, 6 }, { 0xa0, 7 } };
	struct hp_eh_entry *m;
	size_t n;
	CHECK(ehframe_merge(a, 3, b, 4, &m, &n) == 0);
	CHECK(n == 6);
	if (n == 6) {
		static const int32_t loc[] = { 0x08, 0x10, 0x40, 0x60, 0x90, 0xa0 };
		static const int32_t fde[] = { 4, 1, 2, 6, 3, 7 };   /* 0x40: a's */
		for (size_t i = 0; i < 6; i++)
			CHECK(m[i].loc == loc[i] && m[i].fde == fde[i]);
	}
	free(m);
	CHECK(ehframe_merge(a, 3, NULL, 0, &m, &n) == 0 && n == 3);
	free(m);
}

static void test_refused(void)
{
	struct buf s = { .n = 0 };
	uint8_t *eh;
	size_t size;
	/* a CIE after its FDE has no .eh_frame form */
	fde(&s, 0x20, 0x401000, 0x10);
	size_t c = cie(&s, 3, 0);
	CHECK(c == 0x20);
	CHECK(ehframe_from_debug_frame(s.b, s.n, 0x500000, &eh, &size) == -HP_EUNSUPPORTED);
	/* 64-bit DWARF */
	s.n = 0;
	put32(&s, 0xffffffffu);
	put64(&s, 16);
	CHECK(ehframe_from_debug_frame(s.b, s.n, 0x500000, &eh, &size) == -HP_EUNSUPPORTED);
	/* 4-byte addresses */
	s.n = 0;
	c = cie(&s, 4, 4);
	fde(&s, c, 0x401000, 0x10);
	CHECK(ehframe_from_debug_frame(s.b, s.n, 0x500000, &eh, &size) == -HP_EUNSUPPORTED);
	/* truncated: the FDE's length runs past the section */
	s.n = 0;
	c = cie(&s, 3, 0);
	fde(&s, c, 0x401000, 0x10);
	CHECK(ehframe_from_debug_frame(s.b, s.n - 3, 0x500000, &eh, &size) == -HP_ECORRUPT);
	/* no FDE */
	s.n = 0;
	cie(&s, 3, 0);
	CHECK(ehframe_from_debug_frame(s.b, s.n, 0x500000, &eh, &size) == -ENOENT);
	/* an FDE whose CIE pointer is not a CIE */
	s.n = 0;
	c = cie(&s, 3, 0);
	size_t f = fde(&s, c, 0x401000, 0x10);
	fde(&s, f, 0x402000, 0x10);
	CHECK(ehframe_from_debug_frame(s.b, s.n, 0x500000, &eh, &size) == -HP_ECORRUPT);
}

int main(void)
{
	test_convert();
	test_refused();
	test_merge();
	return hp_test_result();
}

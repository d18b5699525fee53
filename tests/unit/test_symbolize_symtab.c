/*
 * test_symbolize_symtab.c - the sorted symbol table (analyzer/symtab.c):
 * alias choice, sizeless symbols, nested ranges, misses.
 */
#include <elf.h>
#include <string.h>

#include "analyzer/symtab.h"
#include "hp_test.h"

static int lookup_is(const struct hp_symtab *t, uint64_t addr, const char *want)
{
	const char *got = symtab_lookup(t, addr, NULL);
	if (!want || !got)
		return got == want;
	return !strcmp(got, want);
}

static void test_aliases(void)
{
	struct hp_symtab *t;
	CHECK_EQ_INT(symtab_new(&t), 0);
	/* libm's cabs: a local __cabs and weak aliases. */
	symtab_add(t, "__cabs", 0x1000, 5, STB_LOCAL);
	symtab_add(t, "cabsf64", 0x1000, 5, STB_WEAK);
	symtab_add(t, "cabs", 0x1000, 5, STB_WEAK);
	symtab_add(t, "cabsf32x", 0x1000, 5, STB_WEAK);
	/* the vDSO: global __vdso_ names beat weak plain ones. */
	symtab_add(t, "clock_gettime", 0x2000, 100, STB_WEAK);
	symtab_add(t, "__vdso_clock_gettime", 0x2000, 100, STB_GLOBAL);
	/* libc: two globals, fewer underscores win. */
	symtab_add(t, "__libc_malloc", 0x3000, 50, STB_GLOBAL);
	symtab_add(t, "malloc", 0x3000, 50, STB_GLOBAL);
	/* glibc's debug .symtab: versioned global beats local __GI_/__EI_. */
	symtab_add(t, "__EI_xdr_int", 0x4000, 119, STB_LOCAL);
	symtab_add(t, "xdr_int@GLIBC_2.2.5", 0x4000, 119, STB_GLOBAL);
	symtab_add(t, "__GI_xdr_int", 0x4000, 119, STB_LOCAL);
	symtab_add(t, "aio_error64@@GLIBC_2.34", 0x5000, 44, STB_GLOBAL);
	symtab_add(t, "aio_error@@GLIBC_2.34", 0x5000, 44, STB_GLOBAL);
	/* a sized symbol beats a sizeless alias. */
	symtab_add(t, "a", 0x6000, 0, STB_GLOBAL);
	symtab_add(t, "_sized", 0x6000, 8, STB_LOCAL);
	symtab_finish(t);
	CHECK_EQ_INT(symtab_count(t), 6);
	CHECK(lookup_is(t, 0x1004, "cabs"));
	CHECK(lookup_is(t, 0x1005, NULL));
	CHECK(lookup_is(t, 0x2050, "__vdso_clock_gettime"));
	CHECK(lookup_is(t, 0x3000, "malloc"));
	CHECK(lookup_is(t, 0x4010, "xdr_int"));
	CHECK(lookup_is(t, 0x5000, "aio_error"));
	CHECK(lookup_is(t, 0x6007, "_sized"));
	symtab_free(t);
}

static void test_extents(void)
{
	struct hp_symtab *t;
	uint64_t start = 0;
	CHECK_EQ_INT(symtab_new(&t), 0);
	symtab_add(t, "sized", 0x100, 0x10, STB_GLOBAL);
	symtab_add(t, "sizeless", 0x200, 0, STB_GLOBAL);
	symtab_add(t, "outer", 0x400, 0x100, STB_GLOBAL);
	symtab_add(t, "inner", 0x420, 0x10, STB_LOCAL);
	symtab_add(t, "last_sizeless", 0x1000000, 0, STB_GLOBAL);
	/* an asm function with a label inside, and a label alone (ld.so's
	 * _start, then _dl_start_user) */
	symtab_add(t, "asm_func", 0x2000000, 0x40, STB_GLOBAL);
	symtab_add(t, "inner_label", 0x2000010, 0, STB_LOCAL);
	symtab_add(t, "_start", 0x3000000, 0, STB_LOCAL);
	symtab_add(t, "_dl_start_user", 0x3000008, 0, STB_LOCAL);
	symtab_add(t, "after", 0x3000040, 0x10, STB_LOCAL);
	symtab_finish(t);
	CHECK(lookup_is(t, 0x50, NULL));
	CHECK(lookup_is(t, 0x10f, "sized"));
	CHECK(lookup_is(t, 0x110, NULL));
	CHECK(lookup_is(t, 0x3ff, "sizeless"));       /* up to the next start */
	CHECK(lookup_is(t, 0x425, "inner"));
	CHECK(lookup_is(t, 0x430, "outer"));          /* after the nested range */
	CHECK(symtab_lookup(t, 0x4ff, &start) && start == 0x400);
	CHECK(lookup_is(t, 0x500, NULL));
	CHECK(lookup_is(t, 0x1000000 + 0xffff, "last_sizeless"));
	CHECK(lookup_is(t, 0x1000000 + 0x10000, NULL)); /* capped at 64 KiB */
	CHECK(lookup_is(t, 0x2000018, "asm_func"));
	CHECK(lookup_is(t, 0x2000040, "inner_label"));  /* past asm_func: the label */
	CHECK(lookup_is(t, 0x3000007, "_start"));
	CHECK(lookup_is(t, 0x3000009, "_dl_start_user"));
	symtab_free(t);
}

static void test_empty(void)
{
	struct hp_symtab *t;
	CHECK_EQ_INT(symtab_new(&t), 0);
	symtab_finish(t);
	CHECK(lookup_is(t, 0x1234, NULL));
	symtab_free(t);
}

int main(void)
{
	test_aliases();
	test_extents();
	test_empty();
	return hp_test_result();
}

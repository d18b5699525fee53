/*
 * test_demangle.c - demangle_name (analyzer/demangle.c) on names taken
 * from real binaries of the realworld tier (docs/realworld.md, "Other
 * languages"): gdc's D names with GCC clone suffixes, gfortran's module
 * procedures, Rust names with LLVM's ".llvm." suffix, C++ clones, PLT
 * stubs; C names stay as they are. Truth for the libiberty cases is
 * c++filt's output for the name without its suffix.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/demangle.h"
#include "hp_test.h"

static void is(const char *raw, const char *want)
{
	char *got = demangle_name(raw);
	if (!want ? got != NULL : (!got || strcmp(got, want))) {
		fprintf(stderr, "demangle_name(%s) = %s, want %s\n", raw, got ? got : "NULL",
			want ? want : "NULL");
		hp_test_failures++;
	}
	free(got);
}

int main(void)
{
	/* gdc -O2: std.algorithm's sort, specialised by GCC (10% of the D test) */
	is("_D3std9algorithm7sorting__T13quickSortImplS4work8sortWorkFmiZ10__lambda12TAdZQByMFNaNbNiNfQqmZv.constprop.0",
	   "std.algorithm.sorting.quickSortImpl!(work.sortWork(ulong, int).__lambda12, double[])"
	   ".quickSortImpl(double[], ulong) [clone .constprop.0]");
	is("_D4work6Square4areaMxFmZm.isra.0.cold", "work.Square.area(ulong) const [clone .isra.0] [clone .cold]");
	is("_D4work6Square4areaMxFmZm", "work.Square.area(ulong) const");
	is("_D4work6Square4areaMxFmZm.9", NULL);        /* not a clone suffix */
	/* gdc 12's `return scope` parameters, "NkM" (libiberty 2.40 reads
	 * scope first, "MNk"): the 14 such names of the realworld D program */
	is("_D3std5range10primitives__T5frontTdZQjFNaNbNcNdNiNfNkMANgdZNgd",
	   "std.range.primitives.front!(double).front(scope return inout(double)[])");
	is("_D3std5range10primitives__T5frontTdZQjFNaNbNcNdNiNfNkMANgdZNgd.part.0",
	   "std.range.primitives.front!(double).front(scope return inout(double)[]) [clone .part.0]");
	is("_D3std9algorithm8mutation__T15moveEmplaceImplTAdZQvFNaNbNiNfMKQqNkMKQwZv",
	   "std.algorithm.mutation.moveEmplaceImpl!(double[]).moveEmplaceImpl(scope ref double[], "
	   "scope return ref double[])");
	is("_D4core8internal6string__T20unsignedToTempStringVki10ZQBcFNaNbNiNfmNkMAaZQd",
	   "core.internal.string.unsignedToTempString!(10u).unsignedToTempString(ulong, "
	   "scope return char[])");
	is("_D3std9algorithm9searching__T4findVAyaa6_61203d3d2062TQtTxaZQBfFQBdxaZ13trustedMemchr"
	   "FNaNbNiNeNkMKNgAyaKxaZNgQj",
	   "std.algorithm.searching.find!(\"a == b\", immutable(char)[], const(char)).find("
	   "immutable(char)[], const(char)).trustedMemchr(scope return ref inout(immutable(char)[]), "
	   "ref const(char))");
	/* constructed: "NkM" inside an identifier too ("aNkMb"): swapping it
	 * would change the name, so the whole name stays as it is */
	is("_D3foo5aNkMbFNkMAaZv", NULL);
	is("_D3foo5aNkMbFMNkAaZv", "foo.aNkMb(scope return char[])");
	CHECK(demangle_is_mangled("_Dmain"));
	/* gfortran: module procedures as gdb names them */
	CHECK(demangle_is_mangled("__kernels_MOD_lcg_sum"));
	is("__kernels_MOD_lcg_sum", "kernels::lcg_sum");
	is("__kernels_MOD_lcg_sum@plt", "kernels::lcg_sum@plt");
	is("__m2.sub_MOD_f", "m2.sub::f");
	CHECK(!demangle_is_mangled("__libc_start_main"));
	CHECK(!demangle_is_mangled("__Kernels_MOD_x"));
	CHECK(!demangle_is_mangled("__x_MOD_"));
	is("MAIN__", NULL);
	/* Rust: rustc's ".llvm." suffix, legacy and v0 */
	is("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17hfcbe8123d793d637E.llvm.5573386351568577254",
	   "std::rt::lang_start::{{closure}}");
	is("_RNvCs1234_6rwrust8hot_loop", "rwrust::hot_loop");
	/* C++ clones, as libiberty prints them */
	is("_ZN3foo3barEv.constprop.0.isra.0", "foo::bar() [clone .constprop.0] [clone .isra.0]");
	is("memcpy", NULL);
	return hp_test_result();
}

/*
 * test_shortname.c - the brief and fitted forms of demangled names
 * (analyzer/shortname.h), on names c++filt prints for real programs
 * (libstdc++'s std::sort, random, map; operators; thunks; lambdas).
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/shortname.h"
#include "hp_test.h"

static char buf[4096];

#define BRIEF(in, want) do { const char *_g = name_brief(in, buf, sizeof(buf)); \
	if (strcmp(_g, want)) { fprintf(stderr, "%s:%d: brief(%s)\n  got  %s\n  want %s\n", \
		__FILE__, __LINE__, in, _g, want); hp_test_failures++; } } while (0)

static void test_brief(void)
{
	/* std::sort's helpers: a return type and parameters longer than the name */
	BRIEF("__gnu_cxx::__normal_iterator<bench::Point<int>*, std::vector<bench::Point<int>, "
	      "std::allocator<bench::Point<int> > > > std::__unguarded_partition<__gnu_cxx::"
	      "__normal_iterator<bench::Point<int>*, std::vector<bench::Point<int>, std::allocator"
	      "<bench::Point<int> > > >, __gnu_cxx::__ops::_Iter_less_iter>(__gnu_cxx::"
	      "__normal_iterator<bench::Point<int>*, std::vector<bench::Point<int>, std::allocator"
	      "<bench::Point<int> > > >, __gnu_cxx::__normal_iterator<bench::Point<int>*, std::"
	      "vector<bench::Point<int>, std::allocator<bench::Point<int> > > >, __gnu_cxx::__normal"
	      "_iterator<bench::Point<int>*, std::vector<bench::Point<int>, std::allocator<bench::"
	      "Point<int> > > >, __gnu_cxx::__ops::_Iter_less_iter)",
	      "std::__unguarded_partition<__gnu_cxx::__normal_iterator<bench::Point<int>*, std::"
	      "vector<bench::Point<int>, std::allocator<bench::Point<int> > > >, __gnu_cxx::__ops::"
	      "_Iter_less_iter>");
	BRIEF("double bench::sort_and_sum<int>(std::vector<bench::Point<int>, std::allocator<bench::"
	      "Point<int> > >)", "bench::sort_and_sum<int>");
	BRIEF("unsigned long foo::bar(int) const", "foo::bar");
	/* operators: their brackets are not brackets */
	BRIEF("bench::Point<double>::operator<(bench::Point<double> const&) const",
	      "bench::Point<double>::operator<");
	BRIEF("bool operator< <int>(A<int> const&, A<int> const&)", "operator< <int>");
	BRIEF("std::ostream& operator<<(std::ostream&, X const&)", "operator<<");
	/* template arguments right after the operator (realworld_annotate_cxx:
	 * libstdc++'s iterator difference kept its return type, and its cut
	 * read as every __normal_iterator<double*...> function's) */
	BRIEF("__gnu_cxx::__normal_iterator<double*, std::vector<double, std::allocator<double> > >"
	      "::difference_type __gnu_cxx::operator-<double*, std::vector<double, "
	      "std::allocator<double> > >(__gnu_cxx::__normal_iterator<double*, std::vector<double, "
	      "std::allocator<double> > > const&, __gnu_cxx::__normal_iterator<double*, "
	      "std::vector<double, std::allocator<double> > > const&)",
	      "__gnu_cxx::operator-<double*, std::vector<double, std::allocator<double> > >");
	BRIEF("bool operator==<int>(A<int> const&, A<int> const&)", "operator==<int>");
	BRIEF("X<int> operator>><int>(X<int>, int)", "operator>><int>");
	BRIEF("bool operator<=><int>(A<int> const&, A<int> const&)", "operator<=><int>");
	BRIEF("S& S::operator<<=(int)", "S::operator<<=");
	BRIEF("S::operator()(int) const &&", "S::operator()");
	BRIEF("S::operator->() const", "S::operator->");
	BRIEF("operator new(unsigned long)", "operator new");
	BRIEF("void* operator new[](unsigned long)", "operator new[]");
	BRIEF("S::operator std::vector<int, std::allocator<int> >() const",
	      "S::operator std::vector<int, std::allocator<int> >");
	/* scopes with parentheses: a local lambda, the anonymous namespace */
	BRIEF("main::{lambda(int)#1}::operator()(int) const", "main::{lambda(int)#1}::operator()");
	BRIEF("run(int)::{lambda()#1}::operator()() const", "run(int)::{lambda()#1}::operator()");
	BRIEF("(anonymous namespace)::work(int)", "(anonymous namespace)::work");
	/* kept: thunks, clones and PLT stubs are other code than the function */
	BRIEF("non-virtual thunk to Derived::f(int)", "non-virtual thunk to Derived::f");
	BRIEF("foo(int) [clone .cold]", "foo [clone .cold]");
	BRIEF("foo(int) [clone .isra.0] [clone .cold]", "foo [clone .isra.0] [clone .cold]");
	BRIEF("std::vector<int, std::allocator<int> >::_M_realloc_insert(int&&)@plt",
	      "std::vector<int, std::allocator<int> >::_M_realloc_insert@plt");
	/* not C++ signatures: unchanged */
	BRIEF("calculate_z", "calculate_z");
	BRIEF("liblzma.so.5.4.1+0x15ae0", "liblzma.so.5.4.1+0x15ae0");
	BRIEF("<module>", "<module>");
	BRIEF("core::ptr::drop_in_place<alloc::vec::Vec<u8>>", "core::ptr::drop_in_place<alloc::vec::Vec<u8>>");
	BRIEF("LazyCompile:*fib /tmp/x.js:3", "LazyCompile:*fib /tmp/x.js:3");
	BRIEF("fib (/tmp/x.js:3)", "fib (/tmp/x.js:3)");
	BRIEF("broken(int", "broken(int");
	BRIEF("void (*signal(int, void (*)(int)))(int)", "void (*signal(int, void (*)(int)))(int)");
}

static void test_fit(void)
{
	const char *a = "__gnu_cxx::__enable_if<!std::__is_scalar<bench::Point<double> >::__value, "
		"void>::__type std::__fill_a1<bench::Point<double>*, bench::Point<double> >(bench::"
		"Point<double>*, bench::Point<double>*, bench::Point<double> const&)";
	const char *b = "__gnu_cxx::__enable_if<!std::__is_scalar<bench::Point<int> >::__value, "
		"void>::__type std::__fill_a1<bench::Point<int>*, bench::Point<int> >(bench::"
		"Point<int>*, bench::Point<int>*, bench::Point<int> const&)";
	char fa[256], fb[256];
	/* fits: itself */
	const char *m = "main";
	CHECK(name_fit(m, 36, buf, sizeof(buf)) == m);
	/* two instantiations told apart within 36 columns */
	snprintf(fa, sizeof(fa), "%.36s", name_fit(a, 36, buf, sizeof(buf)));
	snprintf(fb, sizeof(fb), "%.36s", name_fit(b, 36, buf, sizeof(buf)));
	CHECK(strcmp(fa, fb) != 0);
	CHECK(!strcmp(fa, "std::__fill_a1<Point<double>*, Point"));
	/* too long even brief: the namespaces inside the template arguments go */
	CHECK(!strcmp(name_fit(a, 50, buf, sizeof(buf)), "std::__fill_a1<Point<double>*, Point<double> >"));
	CHECK(!strcmp(name_fit("std::map<std::__cxx11::basic_string<char>, int>::find(int)", 40, buf,
			       sizeof(buf)), "std::map<basic_string<char>, int>::find"));
	CHECK(!strcmp(name_fit("f<(anonymous namespace)::T>(int)", 5, buf, sizeof(buf)), "f<T>"));
	/* a member of a long class: its own name stays */
	const char *mt = "std::mersenne_twister_engine<unsigned long, 32ul, 624ul, 397ul, 31ul, "
		"2567483615ul, 11ul, 4294967295ul, 7ul, 2636928640ul, 15ul, 4022730752ul, 18ul, "
		"1812433253ul>::_M_gen_rand()";
	CHECK(strlen(name_fit(mt, 36, buf, sizeof(buf))) == 36);
	CHECK(!strcmp(buf + 36 - strlen("..::_M_gen_rand"), "..::_M_gen_rand"));
	CHECK(!strncmp(buf, "std::mersenne", 13));
	CHECK(!strcmp(name_fit("__gnu_cxx::__normal_iterator<bench::Point<int>*, std::vector<bench::"
			       "Point<int>, std::allocator<bench::Point<int> > > >::operator--()", 36,
			       buf, sizeof(buf)), "__gnu_cxx::__normal_it..::operator--"));
	/* not C++: unchanged however narrow */
	CHECK(!strcmp(name_fit("liblzma.so.5.4.1+0x15ae0", 10, buf, sizeof(buf)),
		      "liblzma.so.5.4.1+0x15ae0"));
	CHECK(name_matches(a, "std::__fill_a1<bench::Point<double>*, bench::Point<double> >"));
	CHECK(name_matches(a, a));
	CHECK(!name_matches(a, "std::__fill_a1"));
}

/* A column of names: those that read alike once cut are told apart where
 * they differ; the others are left to the caller (NULL). */
#define COLUMN(w, n, ...) do { const char *_in[n] = { __VA_ARGS__ }; \
	col = name_fit_column(_in, n, w); if (!col) { hp_test_failures++; return; } } while (0)
#define SHOWN(i, want) do { const char *_g = col[i] ? col[i] : "(null)"; \
	if (strcmp(_g, want)) { fprintf(stderr, "%s:%d: column[%d]\n  got  %s\n  want %s\n", \
		__FILE__, __LINE__, i, _g, want); hp_test_failures++; } } while (0)

static void test_column(void)
{
	char **col;
	/* std::sort's iterators for three element types: cut, each read
	 * "__gnu_cxx::__normal_it..::operator--"; the fourth fits alone */
#define IT(t) "__gnu_cxx::__normal_iterator<Point<" t ">*, std::vector<Point<" t ">, " \
	"std::allocator<Point<" t "> > > >::operator--()"
	COLUMN(36, 4, IT("double"), IT("int"), IT("long"), "random");
	SHOWN(0, "__gnu_..Point<double>*..::operator--");
	SHOWN(1, "__gnu_..Point<int>*, v..::operator--");
	SHOWN(2, "__gnu_..Point<long>*, ..::operator--");
	SHOWN(3, "(null)");
	free(col);
	/* the difference inside a function template's arguments: no member */
#define UP(t) "__gnu_cxx::__normal_iterator<Point<" t ">*, std::vector<Point<" t ">, " \
	"std::allocator<Point<" t "> > > > std::__unguarded_partition<__gnu_cxx::__normal_" \
	"iterator<Point<" t ">*, std::vector<Point<" t ">, std::allocator<Point<" t "> > > >, " \
	"__gnu_cxx::__ops::_Iter_less_iter>(__gnu_cxx::__normal_iterator<Point<" t ">*, " \
	"std::vector<Point<" t ">, std::allocator<Point<" t "> > > >)"
	COLUMN(36, 2, UP("long"), UP("int"));
	SHOWN(0, "std::__unguarded_p..Point<long>*, ..");
	SHOWN(1, "std::__unguarded_p..Point<int>*, v..");
	free(col);
	/* overloads: their brief forms are one name; told apart by parameters */
	COLUMN(20, 2, "hpnames::kernels::overloaded_function(int)",
	       "hpnames::kernels::overloaded_function(double)");
	SHOWN(0, "hpnames::kern..(int)");
	SHOWN(1, "hpnames::k..(double)");
	free(col);
	/* addresses in one stripped module */
	COLUMN(22, 2, "libunwind.so.8.0.1+0x3e77", "libunwind.so.8.0.1+0x6ba0");
	SHOWN(0, "libunwind.so..+0x3e77");
	SHOWN(1, "libunwind.so..+0x6ba0");
	free(col);
	/* the same name twice (two modules): nothing tells them apart */
	COLUMN(10, 2, "a_long_function_name", "a_long_function_name");
	SHOWN(0, "(null)");
	SHOWN(1, "(null)");
	free(col);
}

/* A name as a column shows it, cut with "..", read back (annotate): each
 * form a column makes matches its own name and not the others. */
static void test_cut(void)
{
	char fit[512];
	const char *names[] = { IT("double"), IT("int"), IT("long"),
		"__gnu_cxx::__normal_iterator<double*, std::vector<double> > "
		"std::__unguarded_partition<__gnu_cxx::__normal_iterator<double*, "
		"std::vector<double> >, cmp>(__gnu_cxx::__normal_iterator<double*, "
		"std::vector<double> >, cmp)",
		"random" };
	char **col = name_fit_column(names, 5, 36);
	CHECK(col != NULL);
	for (int i = 0; col && i < 5; i++) {
		const char *shown = col[i] ? col[i] : name_fit(names[i], 36, fit, sizeof(fit));
		char cut[64];
		snprintf(cut, sizeof(cut), "%s", shown);
		if (strlen(cut) > 36)
			memcpy(cut + 34, "..", 3);     /* as the report's column cuts */
		for (int j = 0; j < 5; j++)
			if (name_matches_cut(names[j], cut) != (i == j) && (i < 4 || j < 4)) {
				fprintf(stderr, "%s:%d: '%s' %s name %d\n", __FILE__, __LINE__, cut,
					i == j ? "does not match its" : "matches", j);
				hp_test_failures++;
			}
	}
	free(col);
	CHECK(name_matches_cut(names[3], "std::__unguarded_partition<__norma.."));
	CHECK(!name_matches_cut(names[3], "std::__unguarded_partition"));     /* no ".." */
	CHECK(!name_matches_cut("random", "rand..x"));
	CHECK(name_matches_cut("random", "ra..om"));
}

int main(void)
{
	test_brief();
	test_fit();
	test_column();
	test_cut();
	return hp_test_result();
}

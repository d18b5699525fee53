#!/bin/sh
# Functions that DWARF names without a linkage name (inlined std::sort
# helpers instantiated with a lambda, the lambda's comparator wrapper, a
# lambda's operator():
# tests/fixtures/names/cpp_lambda_sort.cpp) are shown with their scopes
# (analyzer/dwname.c), as gdb shows them, not bare as perf does. Truth:
# the scopes are the ones the functions are declared in (std::,
# __gnu_cxx::__ops::), and the inlined helpers hold most of the samples.
. "$HP_SRC/tests/e2e/lib.sh"
command -v g++ >/dev/null || skip "g++ is not installed"
g++ -O2 -g -o sortl "$HP_SRC/tests/fixtures/names/cpp_lambda_sort.cpp" || fail "cannot build cpp_lambda_sort"
# twice with one symbol cache: the second run's names come from the entry
# the first wrote (analyzer/symcache.c), and must be the same
export XDG_CACHE_HOME="$PWD/cache"
"$HPPROF" run -q -o cold.db ./sortl 10 >/dev/null || fail "hpprof run (cold cache)"
"$HPPROF" run -q -o s.db ./sortl 40 >/dev/null || fail "hpprof run"
for db in cold.db s.db; do
# the bare DWARF names are gone ...
assert_eq "$db: bare __unguarded names" "$(q $db "SELECT COUNT(*) FROM functions WHERE name LIKE '\_\_unguarded%' ESCAPE '\'")" 0
assert_eq "$db: bare operator() names" "$(q $db "SELECT COUNT(*) FROM functions WHERE name LIKE 'operator()%'")" 0
done
# ... for the qualified ones, which hold the sort's time (the partition
# loop and the comparator: more than a third of the samples).
part=$(q s.db "SELECT COUNT(*) FROM functions WHERE name LIKE 'std::\_\_unguarded\_partition<%' ESCAPE '\'")
assert_ge "std::__unguarded_partition<...> functions" "$part" 1
cmp=$(q s.db "SELECT COUNT(*) FROM functions WHERE name LIKE '\_\_gnu\_cxx::\_\_ops::\_Iter\_comp\_iter<%>::operator()<%' ESCAPE '\'")
assert_ge "__gnu_cxx::__ops::_Iter_comp_iter<...>::operator()<...> functions" "$cmp" 1
# the capturing lambda's own operator(): a member of an unnamed closure
# type, named by where the lambda is (line 19 of the fixture)
lam=$(q s.db "SELECT COUNT(*) FROM functions WHERE name = 'hpnames::sort_desc::<lambda at cpp_lambda_sort.cpp:19>::operator()'")
assert_eq "hpnames::sort_desc::<lambda at cpp_lambda_sort.cpp:19>::operator()" "$lam" 1
share=$(q s.db "SELECT ROUND(SUM(self_pct), 1) FROM function_profile WHERE function LIKE 'std::%' OR function LIKE '\_\_gnu\_cxx::%' ESCAPE '\'")
assert_ge "self % under std:: and __gnu_cxx:: names" "$share" 33
echo "PASS"

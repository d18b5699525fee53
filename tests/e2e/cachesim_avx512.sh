#!/bin/sh
# cachesim_avx512.sh - a program valgrind cannot run (an AVX-512
# instruction: valgrind decodes no EVEX): one clear message naming the
# instruction's place, no database; with --cache-sim-fallback, a sampled
# profile instead (only where the CPU has AVX-512, else the program cannot
# run natively either).
. "$HP_SRC/tests/e2e/lib.sh"
command -v valgrind >/dev/null || skip "valgrind is not installed (apt-get install valgrind)"
FIX=$1
valgrind -q --tool=none "$FIX" > /dev/null 2>&1 && skip "this valgrind runs AVX-512 code: nothing to refuse"

"$HPPROF" run --cache-sim -o a.db -- "$FIX" > /dev/null 2> err.txt
assert_eq "exit status" "$?" 1
cat err.txt
assert_contains "the reason" err.txt "valgrind does not know the instruction at 0x"
assert_contains "where" err.txt "in main (avx512.c:"
assert_contains "AVX-512" err.txt "AVX-512"
assert_contains "the way out" err.txt "--cache-sim-fallback"
[ -e a.db ] && fail "a database was kept from a failed simulation"

grep -qw avx512f /proc/cpuinfo || { note "this CPU has no AVX-512: no fallback run"; exit 0; }
"$HPPROF" run --cache-sim --cache-sim-fallback -o a.db -- "$FIX" > out.txt 2> err.txt ||
	{ cat err.txt; fail "the fallback run failed"; }
assert_contains "the warning" err.txt "sampling it instead"
assert_contains "the program ran natively" out.txt "avx512: 16"
q a.db "SELECT value FROM run_info WHERE key = 'sampling'" | grep -q "perf_event\|preload agent" ||
	fail "the fallback did not sample"

#!/bin/sh
# cachesim_novalgrind.sh - no valgrind to simulate with (PATH without it, or
# a --valgrind / HPPROF_VALGRIND that is not there): one clear message, no
# database, exit 1; with --cache-sim-fallback a warning and a normal
# sampled profile instead. The same for stat.
. "$HP_SRC/tests/e2e/lib.sh"
FIX=$1
# a PATH that has the tools this script needs but no valgrind
mkdir bin
for t in sh awk grep sqlite3 cat; do ln -s "$(command -v $t)" bin/$t; done

PATH="$T/bin" "$HPPROF" run --cache-sim -o x.db -- "$FIX" 64 > out.txt 2> err.txt
assert_eq "exit status without valgrind" "$?" 1
cat err.txt
assert_contains "the reason" err.txt "valgrind is not installed here"
assert_contains "how to simulate" err.txt "--valgrind PATH"
assert_contains "the fallback" err.txt "--cache-sim-fallback"
assert_eq "error lines" "$(grep -c 'error' err.txt)" 1
[ -e x.db ] && fail "a database was written without a simulation"
[ -s out.txt ] && fail "the program ran without a simulation"

"$HPPROF" run --cache-sim --valgrind /nonexistent/valgrind -o x.db -- "$FIX" 64 > /dev/null 2> err2.txt
assert_eq "exit status with a wrong --valgrind" "$?" 1
assert_contains "names the option" err2.txt "--valgrind '/nonexistent/valgrind'"
HPPROF_VALGRIND=/nonexistent/vg "$HPPROF" run --cache-sim -o x.db -- "$FIX" 64 > /dev/null 2> err3.txt
assert_contains "names the variable" err3.txt "HPPROF_VALGRIND '/nonexistent/vg'"

PATH="$T/bin" "$HPPROF" run --cache-sim --cache-sim-fallback -o f.db -- "$FIX" 64 > out.txt 2> err.txt ||
	{ cat err.txt; fail "the fallback run failed"; }
assert_contains "the warning" err.txt "sampling it instead"
assert_contains "the program ran" out.txt "OK"
assert_eq "no simulation in run_info" "$(q f.db "SELECT COUNT(*) FROM run_info WHERE key = 'simulation'")" 0
q f.db "SELECT value FROM run_info WHERE key = 'sampling'" | grep -q "perf_event\|preload agent" ||
	fail "the fallback did not sample"

PATH="$T/bin" "$HPPROF" stat --cache-sim -- "$FIX" 64 > /dev/null 2> serr.txt
assert_eq "stat exit status without valgrind" "$?" 1
assert_contains "stat's reason" serr.txt "valgrind is not installed here"
PATH="$T/bin" "$HPPROF" stat --cache-sim --cache-sim-fallback -- "$FIX" 64 > /dev/null 2> serr.txt ||
	fail "stat --cache-sim-fallback failed"
assert_contains "stat counted" serr.txt "task-clock"
grep -q "sim_Ir" serr.txt && fail "stat printed simulated counts without valgrind"
note "messages ok"

#!/bin/sh
# cachesim_stat.sh - hpprof stat --cache-sim: the measured counters and,
# below them, the simulated sim_* rows, never mixed (a real PMU's
# cache-misses and the simulated sim_LLmiss are different rows); in the
# table, with -x and in --json. By construction (cachesim_matrix.sh says
# why): 1024 x 1024 with a 64 KiB 8-way LL, the column sum alone misses
# 1024^2 times.
. "$HP_SRC/tests/e2e/lib.sh"
command -v valgrind >/dev/null || skip "valgrind is not installed (apt-get install valgrind)"
FIX=$1
G="--sim-I1 32K,8,64 --sim-D1 32K,8,64 --sim-LL 64K,8,64"

"$HPPROF" stat -r 2 --cache-sim $G -- "$FIX" 1024 > /dev/null 2> table.txt ||
	{ cat table.txt; fail "stat --cache-sim failed"; }
cat table.txt
assert_contains "label" table.txt "SIMULATED by cachegrind"
assert_contains "LL" table.txt "LL: 65536 B, 8-way, 64 B lines"
assert_contains "measured rows first" table.txt "task-clock"
assert_contains "the miss rate" table.txt "sim_LLmiss .*% of LL references"
misses=$(awk '$2 == "sim_LLmiss" { print $1 }' table.txt)
assert_ge "sim_LLmiss" "$misses" $((1024 * 1024))
grep -q "^ *[0-9].* cache-misses" table.txt && grep -q "sim_LLmiss" table.txt &&
	note "hardware cache-misses measured here: a separate row"

"$HPPROF" stat --json -o s.json --cache-sim $G -- "$FIX" 1024 > /dev/null 2>&1 || fail "stat --json failed"
awk '/"simulated"/ { s = 1 } s && /"sim_LLmiss"/ { found = 1 } END { exit !found }' s.json ||
	fail "no simulated sim_LLmiss in the JSON"
grep -q '"tool": "valgrind [0-9]' s.json || fail "the JSON does not name the simulator"
"$HPPROF" stat -x, --cache-sim $G -- "$FIX" 1024 > /dev/null 2> s.csv || fail "stat -x failed"
grep -q '^[0-9]*,,sim_Ir,' s.csv || { cat s.csv; fail "no sim_Ir line in the CSV"; }

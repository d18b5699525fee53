#!/bin/sh
# cachesim_matrix.sh - hpprof run --cache-sim on a matrix summed by rows and
# by columns (tests/fixtures/cachesim/matrix.c): the column line has at
# least 4x the simulated LL misses of the row line; run_info marks the
# simulation and its caches; nothing sampled reads as NULL, never 0; the
# report, annotate and export label and show the sim_* columns.
#
# Truth by construction (the geometry is chosen for it, not measured): LL
# is 128 KiB, 8-way, 64 B lines = 256 sets; the matrix is 2048 x 2048
# doubles = 32 MiB, 256 times the LL. Its row stride, 2048 x 8 B = 16 KiB
# = 256 lines, is a multiple of the set count, so all 2048 lines of one
# column fall in ONE set of 8 ways: each is evicted (LRU) long before the
# column sum comes back to it for its next 8 bytes, and every column access
# misses, N^2 = 4194304 misses. The row sum reads each line once after the
# filling pass, which left at most the last 128 KiB cached: ~N^2/8 = 524288
# misses. Ratio ~8; the check asks for >= 4, and the counts themselves
# within 1% of N^2 and N^2/8 (the 1%: the fill's leftovers, 2048 lines).
. "$HP_SRC/tests/e2e/lib.sh"
command -v valgrind >/dev/null || skip "valgrind is not installed (apt-get install valgrind)"
FIX=$1
SRC="$HP_SRC/tests/fixtures/cachesim/matrix.c"
N=2048

"$HPPROF" run --cache-sim --sim-I1 32K,8,64 --sim-D1 32K,8,64 --sim-LL 128K,8,64 \
	-o m.db -- "$FIX" $N > out.txt 2> err.txt || { cat err.txt; fail "run --cache-sim failed"; }
assert_contains "the program ran" out.txt "rows .* cols .* OK"
assert_contains "the summary line" err.txt "simulated by cachegrind"

rows_line=$(marker_lines "$SRC" "SUM: rows")
cols_line=$(marker_lines "$SRC" "SUM: cols")
rows=$(q m.db "SELECT sim_LLmiss FROM line_profile WHERE line = $rows_line AND function = 'sum_rows'")
cols=$(q m.db "SELECT sim_LLmiss FROM line_profile WHERE line = $cols_line AND function = 'sum_cols'")
[ -n "$rows" ] && [ -n "$cols" ] || fail "no sim_LLmiss for the sum lines ($rows_line, $cols_line)"
assert_ge "column/row LL misses" "$(awk -v c="$cols" -v r="$rows" 'BEGIN { print c / r }')" 4
assert_ge "column LL misses" "$cols" "$((N * N * 99 / 100))"
assert_ge "row LL misses" "$rows" "$((N * N / 8 * 99 / 100))"
assert_le "row LL misses" "$rows" "$((N * N / 8 * 101 / 100))"

# per function: the same lines, in the fixture's module
f=$(q m.db "SELECT sim_LLmiss FROM function_profile WHERE function = 'sum_cols' AND module LIKE '%cachesim_matrix'")
assert_ge "sum_cols LL misses (function_profile)" "$f" "$cols"

# run_info: simulated, with the caches asked for; no sample facts
assert_eq "simulation" "$(q m.db "SELECT value FROM run_info WHERE key = 'simulation'")" \
	"simulated (cachegrind)"
assert_eq "sim_LL" "$(q m.db "SELECT value FROM run_info WHERE key = 'sim_LL'")" \
	"131072 B, 8-way, 64 B lines"
assert_eq "sim_D1" "$(q m.db "SELECT value FROM run_info WHERE key = 'sim_D1'")" \
	"32768 B, 8-way, 64 B lines"
q m.db "SELECT value FROM run_info WHERE key = 'event:sim_LLmiss'" | grep -q '^simulated (cachegrind): [0-9][0-9]*$' ||
	fail "event:sim_LLmiss does not say simulated (cachegrind)"
assert_eq "samples fact" "$(q m.db "SELECT COUNT(*) FROM run_info WHERE key = 'samples'")" 0
assert_eq "self_samples" "$(q m.db "SELECT COUNT(*) FROM function_profile WHERE self_samples IS NOT NULL")" 0
assert_eq "hardware counter columns" \
	"$(q m.db "SELECT COUNT(*) FROM events WHERE role <> 'simulated'")" 0
assert_eq "exit status" "$(q m.db "SELECT value FROM run_info WHERE key = 'exit_status'")" 0

# the readers show them, labelled
"$HPPROF" report -n 5 m.db > report.txt || fail "report failed"
assert_contains "report label" report.txt "SIMULATED (cachegrind"
assert_contains "report column" report.txt "sim_LLmiss"
assert_contains "report hot function" report.txt "sum_cols"
grep -q "self_pct\|Self%" report.txt && fail "the report shows sample columns of a simulated run"
"$HPPROF" annotate m.db sum_cols > ann.txt || fail "annotate failed"
assert_contains "annotate label" ann.txt "SIMULATED"
awk -v l="$cols_line" -v c="$cols" '$0 ~ "SUM: cols" { for (i = 1; i <= NF; i++) if ($i == c) found = 1 }
	END { exit !found }' ann.txt || { cat ann.txt; fail "annotate does not show $cols LL misses on the column line"; }
"$HPPROF" export --format csv --view line_profile -o lines.csv m.db || fail "export failed"
head -1 lines.csv | grep -q "sim_LLmiss" || fail "the exported line_profile has no sim_LLmiss column"
# a simulated count is no stack weight: said so, not drawn as zeros
"$HPPROF" export --format folded -w sim_Ir m.db > /dev/null 2> w.txt &&
	fail "export -w sim_Ir drew stacks a simulated run does not have"
note "export -w sim_Ir: $(cat w.txt)"
note "rows $rows, columns $cols LL misses"

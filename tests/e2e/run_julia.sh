#!/bin/sh
# Issue 2 ground truth on the julia kernel (-O2 -g, no frame pointers):
# >= 95% of samples have calculate_z on the stack, the escape-loop lines
# hold >= 90%, >= 99% of stacks reach main, the checksum is printed.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia

"$HPPROF" run -o j.db -k julia >out.txt 2>err.txt || { cat err.txt; fail "run failed"; }
assert_contains "checksum line" out.txt "checksum 33219980"
n=$(q j.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_ge "samples" "$n" 300

# Tolerances: the kernel spends > 99% of its time in calculate_z; setup,
# exit and sampling skid account for the rest, so 95/90/99 are honest floors.
tot=$(q j.db "SELECT total_pct FROM function_profile WHERE function = 'calculate_z'")
assert_ge "calculate_z total%" "$tot" 95

lines=$(marker_lines "$HP_SRC/kernels/julia.c" "HOT: escape loop \*/")
hot=$(q j.db "SELECT COALESCE(SUM(self_pct), 0) FROM line_profile
              WHERE file LIKE '%julia.c' AND line IN ($lines)")
assert_ge "escape-loop lines self%" "$hot" 90

main=$(q j.db "SELECT total_pct FROM function_profile WHERE function = 'main'")
assert_ge "main total% (stacks reaching main)" "$main" 99
entry=$(q j.db "SELECT 100.0 * (SELECT value FROM run_info WHERE key = 'entry_stacks')
                / (SELECT value FROM run_info WHERE key = 'samples')")
assert_ge "complete stacks %" "$entry" 99

"$HPPROF" report j.db >report.txt || fail "report failed"
assert_contains "report names calculate_z" report.txt calculate_z
assert_contains "report shows a julia.c line" report.txt "julia.c:"
"$HPPROF" report --format json j.db | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["functions"][0]["function"]=="calculate_z", d["functions"][0]' ||
	fail "json report"
"$HPPROF" report --format csv j.db | grep -q '^functions,.*calculate_z' || fail "csv report"
"$HPPROF" annotate j.db calculate_z >ann.txt || fail "annotate"
top=$(awk '$1 ~ /^[0-9]+[.][0-9]+$/ && $2 ~ /^[0-9]+[.][0-9]+$/ { print $1, $4 }' ann.txt | sort -rn | head -1 | cut -d' ' -f2)
case ",$lines," in *",$top,"*) note "annotate: hottest line $top is an escape-loop line";;
	*) cat ann.txt; fail "annotate: hottest line $top is not an escape-loop line ($lines)";; esac
echo "PASS"

#!/bin/sh
# stacks_debugframe.sh - a function whose CFI is in .debug_frame only, in a
# program whose other functions have .eh_frame (code built with
# -fno-asynchronous-unwind-tables -g beside code built as usual), is
# unwound through: its FDEs are merged into the module's table
# (collector/module.c, merge_debug_frame). The fixture is a
# position-independent executable, so the merged FDEs' locations must move
# with its load bias.
#   precondition  readelf: middle's address lies in a .debug_frame FDE and
#                 in no .eh_frame FDE, and the program is a PIE
#   truth         by construction every sample of leaf and middle lies
#                 under main (main -> middle -> leaf, nearly all the time
#                 in leaf): main's total samples >= theirs, and the run's
#                 complete stacks >= 99% (start-up and exit samples are
#                 complete too; before the merge: 0.4%)
#   peer          perf record --call-graph dwarf on the same program, its
#                 share of leaf's samples that reach main (noted: perf
#                 stops at middle here)
. "$HP_SRC/tests/e2e/lib.sh"
fx=$1
command -v readelf >/dev/null 2>&1 || skip "readelf is not installed (binutils)"
command -v nm >/dev/null 2>&1 || skip "nm is not installed (binutils)"

# --- precondition: the build is what the test says -------------------------
readelf -h "$fx" | grep -q "DYN" || fail "the fixture is not a position-independent executable"
mid=$(nm "$fx" | awk '$3 == "middle" { print $1 }')
[ -n "$mid" ] || fail "no symbol middle in the fixture"
readelf --debug-dump=frames "$fx" 2>/dev/null | python3 -c '
import re, sys
m, sec, found = int(sys.argv[1], 16), None, set()
for line in sys.stdin:
    if line.startswith("Contents of the "):
        sec = line.split()[3]
    r = re.search(r" FDE .*pc=([0-9a-f]+)\.\.([0-9a-f]+)", line)
    if r and int(r.group(1), 16) <= m < int(r.group(2), 16):
        found.add(sec)
print("# middle (%#x) in an FDE of: %s" % (m, ", ".join(sorted(found)) or "none"))
sys.exit(0 if found == {".debug_frame"} else 1)' "$mid" ||
	fail "middle's CFI is not in .debug_frame only (the fixture's build flags)"

# --- hpprof -------------------------------------------------------------------
"$HPPROF" run -o d.db "$fx" >out.txt 2>err.txt || { cat err.txt; fail "hpprof run failed"; }
n=$(q d.db "SELECT value FROM run_info WHERE key = 'samples'")
c=$(q d.db "SELECT value FROM run_info WHERE key = 'complete_stacks'")
leaf=$(q d.db "SELECT COALESCE(SUM(self_samples), 0) FROM function_profile WHERE function IN ('leaf', 'middle')")
main=$(q d.db "SELECT COALESCE(SUM(total_samples), 0) FROM function_profile WHERE function = 'main'")
note "samples $n, complete $c; leaf and middle self $leaf, main total $main"
assert_ge "samples" "$n" 200
assert_ge "leaf's and middle's samples under main" "$main" "$leaf"
assert_ge "complete stacks %" "$(awk -v c="$c" -v n="$n" 'BEGIN { print 100 * c / n }')" 99
assert_eq "middle between leaf and main" \
	"$(q d.db "SELECT COUNT(*) FROM function_profile WHERE function = 'middle' AND total_samples >= $leaf")" 1

# --- perf, for the comparison (noted) ---------------------------------------
if command -v perf >/dev/null 2>&1 &&
	perf record -q -e cpu-clock --call-graph dwarf -o p.data "$fx" >/dev/null 2>perf.err; then
	perf report -i p.data --stdio --no-children -q -G --percent-limit 5 2>/dev/null |
		awk '/%.*\[\.\] leaf$/ { pct = $1 } /main/ { m = 1 } END {
			printf "# perf --call-graph dwarf: leaf %s of the samples, main %s on its chain\n",
				pct, m ? "present" : "absent" }'
fi
echo "PASS"

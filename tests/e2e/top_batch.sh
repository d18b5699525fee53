#!/bin/sh
# top_batch.sh - `hpprof top --batch` (one table per interval on stdout,
# the whole run's at the end) with real perf events, and top's errors:
# launched on calib with -n 3, four tables and status 0, calib_a (60% of the
# work by construction) first in the whole run's table and in report's
# reading of the database, and the final table's calib_a share equal to the
# database's (the same samples); attached with -n 2, the process runs on;
# a pid that does not exist, no terminal without --batch, --sample-event:
# one line each, status 2, no file.
. "$HP_SRC/tests/e2e/lib.sh"
C="$HP_BUILD/kernels/hp-calib"
[ -x "$C" ] || skip "the calib kernel is not built"
CP=""
trap 'for p in $CP; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# 1. launched, three intervals of 0.5 s
"$HPPROF" top --batch -n 3 -i 0.5 --rows 5 -o b.db -k calib -- --rounds 100000000 \
	>out.txt 2>err.txt; st=$?
[ $st -eq 0 ] || { cat err.txt; fail "top --batch -n 3 exited with $st"; }
assert_eq "tables printed" "$(grep -c '^ hpprof top ' out.txt)" 4
assert_eq "interval tables" "$(grep -c '^Showing the last interval' out.txt)" 3
assert_eq "whole-run table" "$(grep -c '^Showing the whole run' out.txt)" 1
first=$(awk '/^Showing the whole run/ { getline; getline; print $5; exit }' out.txt)
assert_eq "whole run's first function" "$first" calib_a
hot=$("$HPPROF" report b.db 2>/dev/null | awk '/^Hot functions/ { getline; getline; print $5; exit }')
assert_eq "report's hot function" "$hot" calib_a
# The last table counts every sample the database holds: the same share.
top_pct=$(awk '/^Showing the whole run/ { getline; getline; sub("%", "", $1); print $1; exit }' out.txt)
db_pct=$(q b.db "SELECT printf('%.2f', 100.0 * self_samples / (SELECT COUNT(*) FROM samples WHERE event = 0)) FROM function_profile WHERE function = 'calib_a'")
assert_eq "calib_a self% (top's last table vs the database)" "$top_pct" "$db_pct"
note "launched: 4 tables, calib_a $top_pct% in top and in the database"

# 1b. wall time (--off-cpu --weight wall): the last table counts what the
# database holds, so its Total% is wall_profile's total_pct (the database's
# wall figures are checked against the program's own clocks in offcpu_sleep).
F="$HP_BUILD/tests/offcpu_fixture"
if [ -x "$F" ]; then
	"$HPPROF" top --batch --off-cpu --weight wall --sort total -n 2 --rows 60 -o w.db -- \
		"$F" sleep 100000 >out.txt 2>err.txt || { cat err.txt; fail "top --weight wall failed"; }
	for fn in sleep_phase compute_phase; do
		t=$(awk -v f=$fn '/^Showing the whole run/ { on = 1 } on && $5 == f { sub("%", "", $2); print $2; exit }' out.txt)
		d=$(q w.db "SELECT printf('%.2f', total_pct) FROM wall_profile WHERE function = '$fn'")
		assert_eq "$fn wall Total% (top's last table vs wall_profile)" "$t" "$d"
		note "wall: $fn $t% in top and in the database"
	done
fi

# 2. attached, two intervals: the process runs on
"$C" --rounds 100000000 >calib.txt 2>&1 &
CP=$!
wait_exec "$CP" hp-calib
"$HPPROF" top --batch -n 2 -o a.db -p "$CP" >out.txt 2>err.txt || { cat err.txt; fail "top --batch -p failed"; }
kill -0 "$CP" 2>/dev/null || fail "the attached process died"
assert_eq "attached: tables" "$(grep -c '^ hpprof top ' out.txt)" 3
assert_contains "attached: title" out.txt "hp-calib (pid $CP)"
kill "$CP"; wait "$CP" 2>/dev/null; CP=""
note "attached: 3 tables, the process ran on"

# 3. errors: one line, status 2, nothing written
( sleep 0.01 ) & gone=$!; wait $gone
"$HPPROF" top -p "$gone" -o g.db >out.txt 2>err.txt; st=$?
assert_eq "missing pid: status" "$st" 2
assert_eq "missing pid: stderr lines" "$(wc -l <err.txt)" 1
assert_contains "missing pid: message" err.txt "cannot attach to process $gone: no such process"
"$HPPROF" top -o n.db -k calib </dev/null >out.txt 2>err.txt; st=$?
assert_eq "no terminal: status" "$st" 2
assert_eq "no terminal: stderr lines" "$(wc -l <err.txt)" 1
assert_contains "no terminal: message" err.txt "top needs a terminal; --batch"
"$HPPROF" top --batch -s page-faults -o s.db -k calib >out.txt 2>err.txt; st=$?
assert_eq "--sample-event: status" "$st" 2
assert_contains "--sample-event: message" err.txt "top shows time"
"$HPPROF" top --batch --interval 0 -k calib >out.txt 2>err.txt; st=$?
assert_eq "--interval 0: status" "$st" 2
assert_contains "--interval 0: message" err.txt "invalid --interval"
for f in g.db n.db s.db hpprof.db; do [ -e "$f" ] && fail "$f was written"; done
note "errors: one line each, status 2, no file"
echo PASS

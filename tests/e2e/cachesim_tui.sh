#!/bin/sh
# cachesim_tui.sh - a simulated profile in the TUI: the title bar says
# SIMULATED (cachegrind) on every view, the summary lists the simulated
# caches, the function table has sim_* columns and sum_cols, ordered by
# sim_Ir, the source view shows the counts, and the views that need stacks
# (call tree, flame graph) open empty without harm.
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_stop; rm -rf "$TUI_TMP"' EXIT
command -v valgrind >/dev/null || { echo "skip: valgrind is not installed"; exit 77; }
FIX=$1
db="$TUI_TMP/m.db"
"$HPPROF" run -q --cache-sim --sim-LL 64K,8,64 -o "$db" -- "$FIX" 512 > /dev/null

tui_start "$HPPROF" tui "$db"
tui_wait_for "Summary"
tui_wait_for "SIMULATED (cachegrind)"
tui_wait_for "LL cache         65536 B, 8-way, 64 B lines"
tui_keys 2
tui_wait_for "sim_LLmiss"
tui_wait_for "sum_cols"
tui_screen | grep -q "SIMULATED (cachegrind)" || { echo "FAIL: no label on the functions view"; tui_screen; exit 1; }
tui_screen | grep -q "Self%" && { echo "FAIL: sample columns in a simulated run"; tui_screen; exit 1; }
tui_keys / ; tui_keys -l sum_cols ; tui_keys Enter
tui_keys Enter
tui_wait_for "s += m\[i \* n + j\]"
tui_wait_for "sim_Ir"
tui_wait_for "simulated counts"
tui_keys BSpace
# the views that need stacks have none to draw, and must say nothing wrong
for v in 4 5 6 7 8; do tui_keys $v; done
tui_keys 1
tui_wait_for "Counters SIMULATED"
tui_screen | grep -q "SIMULATED (cachegrind)" || { echo "FAIL: label gone"; tui_screen; exit 1; }
tui_keys q
status=$(tui_wait_exit)
[ "$status" = 0 ] || { echo "FAIL: exit status $status"; exit 1; }
echo "# label, columns and source view ok"

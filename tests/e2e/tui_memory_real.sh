#!/bin/sh
# tui_memory_real.sh - the memory charts of the TUI on real programs
# (wave 17), in tmux on a real ncurses screen:
#   (a) the timeline's RSS (8) of a pipeline is the sum of the processes
#       alive in each column: python3 sleeps 1 s, then touches 80 MiB;
#       cat (a later pid) lives throughout. Until wave 17 the sum ran over
#       the readings ordered by process, so cat's columns also held
#       python's last reading (~90 MiB): the chart was full from the start.
#       Checked: no bar in the top row of the RSS chart over the first
#       40% of the run (python's start-up is ~10 MiB of ~95 MiB).
#   (b) the heap curve (6) under --alloc holds the heap's peak: python3
#       builds a 60 MiB bytes object and copies it into a bytearray (120
#       MiB in use) back to back, then sleeps. The collector kept one heap
#       point per 10 ms, the first event's: the copy, made within 10 ms of
#       the first allocation, never reached the timeline. Checked: the
#       largest heap point is run_info's heap_peak_bytes (exact, by
#       construction), and the chart's "heap peak" label is that figure.
# Every wait is for text on the screen (a hang detector, not a budget).
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_diagnose $?; tui_stop; rm -rf "$TUI_TMP"' EXIT
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: $PY is not installed"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "skip: sqlite3 is not installed"; exit 77; }
cd "$TUI_TMP"
fail() { echo "FAIL: $*"; exit 1; }

# (a) the pipeline
"$HPPROF" run -q -o pipe.db -- sh -c "$PY -c 'import time; time.sleep(1.0); \
b = b\"x\" * (80 << 20); time.sleep(0.4); import os; os._exit(0)' | cat" >/dev/null
tui_start "$HPPROF" tui --view timeline pipe.db
tui_wait_for "Timeline: samples per interval"
tui_screen >timeline.txt
# the chart's first row is the one labelled RSS; its bars start at column 19
top=$(grep '^RSS' timeline.txt | head -1)
[ -n "$top" ] || { cat timeline.txt; fail "no RSS row on the timeline"; }
width=$(grep -o '|0 ms.*' timeline.txt | head -1 | wc -m)
early=$(printf '%s\n' "$top" | cut -c19- | cut -c1-$((width * 2 / 5)) | tr -d ' ')
[ -z "$early" ] || { cat timeline.txt; fail "the top row of the RSS chart has bars in the first 40% of the run: '$early'"; }
echo "ok: the RSS of the pipeline grows when python's 80 MiB is touched, not before"
tui_keys q
tui_wait_exit >/dev/null
tui_stop

# (b) the heap peak
PYTHONMALLOC=malloc "$HPPROF" run -q --alloc -o heap.db -- "$PY" -c 'import time
b = b"x" * (60 << 20)
a = bytearray(b)
time.sleep(1.0)' >/dev/null
peak=$(sqlite3 heap.db "SELECT value FROM run_info WHERE key = 'heap_peak_bytes'")
top=$(sqlite3 heap.db "SELECT max(heap_bytes) FROM memory_timeline")
[ "$top" = "$peak" ] || fail "the heap timeline's largest point is $top B, the heap peak $peak B"
want=$(awk -v b="$peak" 'BEGIN { u = "B"; split("KiB MiB GiB", n, " ");
	for (i = 1; b >= 1024 && i <= 3; i++) { b /= 1024; u = n[i] } printf "%.1f %s", b, u }')
tui_start "$HPPROF" tui --view memory heap.db
tui_wait_for "heap peak"
tui_screen | grep -q "heap peak $want" ||
	{ tui_screen; fail "the chart's heap peak is not $want ($peak B)"; }
echo "ok: heap peak $want on the chart, $peak B in the timeline and run_info"
tui_keys q
tui_wait_exit >/dev/null
echo PASS

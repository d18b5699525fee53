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
#   (c) under --alloc the tracker's own work (unwinding each call's stack
#       in libhpprof_alloc.so) is sampled with the program's: sqlite3
#       building a table and an index spent ~40-50% of its samples there,
#       and the functions view and the summary's hottest function were
#       libunwind's, unexplained. The summary now says which share of
#       the samples is the tracker's; checked against the same share
#       counted here from the samples' stacks (a stack whose innermost
#       frame in libhpprof_alloc.so is not one of its hooks: malloc,
#       free, ...), to the 0.1% shown.
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
tui_stop

# (c) the tracker's share of the samples
"$PY" "$HP_SRC/tests/realworld/gen.py" sql work.sql 20000
"$HPPROF" run -q --alloc -o sq.db -- sqlite3 work.sqlite ".read work.sql" >/dev/null
share=$("$PY" - sq.db <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
hooks = {"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign",
         "aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_usable_size",
         "realloc_tracked", "boot_realloc", "pthread_create", "thread_main", "sigaction",
         "signal", "sigset", "bsd_signal", "sysv_signal"}
parent = dict(db.execute("SELECT id, parent FROM stack_nodes"))
loc_of = dict(db.execute("SELECT id, location_id FROM stack_nodes"))
tracker = {}   # location -> its functions' names, for the tracker's locations
for loc, name in db.execute(
        "SELECT l.id, f.name FROM locations l JOIN modules m ON m.id = l.module_id"
        " JOIN location_frames lf ON lf.location_id = l.id JOIN functions f ON f.id = lf.function_id"
        " WHERE m.path LIKE '%libhpprof_alloc%'"):
    tracker.setdefault(loc, []).append(name.split(".")[0])
def tool(node):
    while node:
        loc = loc_of[node]
        if loc in tracker:
            return any(n not in hooks for n in tracker[loc])
        node = parent[node]
    return False
n = t = 0
for (sid,) in db.execute("SELECT stack_id FROM samples WHERE event = 0"):
    n += 1
    t += tool(sid)
print("%.1f" % (100.0 * t / n))
PYEOF
)
tui_start "$HPPROF" tui sq.db
tui_wait_for "Hottest"
tui_screen | grep -q "! $share% of the samples are hpprof's allocation tracker" ||
	{ tui_screen; fail "the summary does not say that $share% of the samples are the tracker's"; }
echo "ok: the summary: $share% of the samples are the tracker's"
"$HPPROF" report sq.db >sq.txt 2>&1 || fail "report of the --alloc run"
grep -q "note: $share% of the samples are hpprof's allocation tracker (--alloc)" sq.txt ||
	{ grep note sq.txt; fail "report's header does not say that $share% of the samples are the tracker's"; }
tui_keys q
tui_wait_exit >/dev/null
echo PASS

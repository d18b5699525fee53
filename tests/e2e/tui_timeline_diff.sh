#!/bin/sh
# tui_timeline_diff.sh - the timeline view (8) of `hpprof tui AFTER.db
# --diff BEFORE.db` in a real terminal (tmux): two real runs of the julia
# kernel, width 1000 before and width 500 after (a quarter of the work, so
# the after run ends much sooner), drawn on one time axis.
#   1. Both runs are on the screen, labelled before/after with their files,
#      each header's duration is the run's own (run_info duration_ns, within
#      the header's rounding), and each run's drawn extent - the columns
#      before the dots that follow a run's end under its "all threads"
#      chart - ends at the column of its own duration on the common axis
#      (the span is the longer run's timeline: max(duration, last sample +
#      1) rounded up to 2048 buckets, analyzer/timeline.c) within one
#      column (the column's rounding), with every bar of the run inside it.
#      (The last bar is not the truth: on a loaded machine a run's last
#      sample can come 100+ ms before its recorded end.)
#      The summary (1) gives both durations as run_info has them, and the
#      threads view (7), which shows the after run alone, says so.
#   2. --from/--to: the window is marked on the axis over the columns of
#      [from, to) and each header's "N in the filter's window" equals
#      `hpprof report --from --to -f json`'s samples of that run (the same
#      window from each run's start).
#   3. A thread and a process filter (tl_check_ids, tui_timeline_lib.sh):
#      the two runs were started separately, so the after run's busiest
#      thread has no counterpart in the before run and the screen says why;
#      against the after run cut at half its duration (the same ids) each
#      run's header gives its thread's / process's samples, equal to
#      `report --tid/--pid -f json`'s of its file.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
TUI_TMP=$T
. "$HP_SRC/tests/e2e/tui_lib.sh"
. "$HP_SRC/tests/e2e/tui_timeline_lib.sh"
trap 'st=$?; tui_diagnose $st; tui_stop; cd /; rm -rf "$T"' EXIT
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"
command -v sqlite3 >/dev/null || skip "the sqlite3 shell is not installed"
[ -x "$KDIR/hp-julia" ] || skip "the julia kernel is not built"

"$HPPROF" run -q -o a.db -k julia >/dev/null || fail "run julia (width 1000)"
"$HPPROF" run -q -o b.db -k julia -- --width 500 >/dev/null || fail "run julia --width 500"
for db in a b; do
	q $db.db "SELECT value FROM run_info WHERE key = 'duration_ns'" >$db.dur
	q $db.db "SELECT MAX(t_ns) FROM samples WHERE event = 0" >$db.last
done

# check.py SCREEN [FROM_S TO_S A.json B.json]
cat >check.py <<'EOF'
import json, re, sys
W, LABEL, NB = 120, 18, 2048          # tmux width, label columns, buckets (tui/app_priv.h)
w = W - LABEL
screen = open(sys.argv[1]).read().split("\n")
dur = [int(open(s + ".dur").read()) for s in "ab"]
last = [int(open(s + ".last").read()) for s in "ab"]
def t_end(d, l):                      # analyzer/timeline.c: timeline_load's extent
    e = max(d, l + 1)
    b = -(-e // NB)
    return b * NB
span = max(t_end(dur[k], last[k]) for k in (0, 1))
bad = []
def col(t):
    return min(w, int(t / span * w))
heads = [i for i, l in enumerate(screen) if re.match(r"(before|after) +[ab]\.db: ran", l)]
if len(heads) != 2 or not screen[heads[0]].startswith("before a.db") \
   or not screen[heads[1]].startswith("after  b.db"):
    print("\n".join(screen))
    sys.exit("FAIL: no 'before a.db' and 'after  b.db' headers, in that order")
for k, name in enumerate(("before", "after")):
    h = screen[heads[k]]
    m = re.search(r"ran ([\d.]+) (s|ms)", h)
    got = float(m[1]) * (1e9 if m[2] == "s" else 1e6)
    # chart_time: 1 decimal of s from 10 s, 2 from 1 to 10 s, 0 decimals of ms below 1 s
    tol = (0.05e9 if got >= 10e9 else 0.005e9) if m[2] == "s" else 0.5e6
    if abs(got - dur[k]) > tol + 1:
        bad.append("%s: header says ran %s %s, run_info %.3f s" % (name, m[1], m[2], dur[k] / 1e9))
    rows = [i for i in range(heads[k], len(screen)) if screen[i].startswith("all threads")]
    cells = [screen[r][LABEL:LABEL + w] for r in (rows[0], rows[0] + 1)] if rows else []
    bars = [c for c in range(w) if any("\u2581" <= line[c:c + 1] <= "\u2588" for line in cells)]
    dots = [c for c in range(w) if cells and cells[1][c:c + 1] == "\u00b7"]
    extent = dots[0] - 1 if dots else w - 1      # the run's end: dots after it
    want = min(col(dur[k]), w - 1)
    if abs(extent - want) > 1 or (dots and dots != list(range(dots[0], w))):
        bad.append("%s: drawn to column %d, its duration %.3f s is column %d" %
                   (name, extent, dur[k] / 1e9, want))
    if not bars or bars[-1] > extent + 1:   # its samples lie within it
        bad.append("%s: a bar in column %s, after the run's end in column %d" %
                   (name, bars[-1] if bars else None, extent))
    print("# %s: ran %.3f s (header %s %s), last sample %.3f s; drawn to column %d, duration"
          " column %d, last bar column %s of %d (span %.3f s, %.1f ms a column)" % (name,
          dur[k] / 1e9, m[1], m[2], last[k] / 1e9, extent, want, bars[-1] if bars else None, w,
          span / 1e9, span / w / 1e6))
if len(sys.argv) > 2:
    fr, to = float(sys.argv[2]) * 1e9, float(sys.argv[3]) * 1e9
    want = [json.load(open(p))["samples"] for p in sys.argv[4:6]]
    for k, name in enumerate(("before", "after")):
        m = re.search(r"(\d+) in the filter's window", screen[heads[k]])
        if not m or int(m[1]) != want[k]:
            bad.append("%s: window samples %s on the screen, report --from --to %d" %
                       (name, m[1] if m else None, want[k]))
        print("# %s: %s samples in the window, report %d" % (name, m[1] if m else None, want[k]))
    win = [l for l in screen if l.startswith("filter, both runs")]
    marks = [c for c in range(w) if win and win[0][LABEL + c:LABEL + c + 1] == "\u2500"]
    c0, c1 = int(fr / span * w), int(to / span * w + 0.999)
    if not marks or marks[0] != c0 or marks[-1] != c1 - 1:
        bad.append("window marked over columns %s..%s, [from, to) is %d..%d" %
                   (marks[0] if marks else None, marks[-1] if marks else None, c0, c1 - 1))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF

# --- 1. both runs on one axis ----------------------------------------------
tui_start "$HPPROF" tui b.db --diff a.db
tui_wait_for "Summary"
tui_keys 8
tui_wait_for "after  b.db"
tui_screen >axis.txt
python3 check.py axis.txt || { cat axis.txt; fail "the two runs are not on one time axis"; }
# the summary compares the durations (3 decimals of s: +-0.0005 s); the
# threads view shows the after run alone and its status line says so
tui_keys 1
tui_wait_for "duration change"
line=$(tui_screen | grep "duration change")
awk -v l="$line" -v a="$(cat a.dur)" -v b="$(cat b.dur)" 'BEGIN {
	split(l, f, " "); x = f[3]; y = f[6]
	printf "# summary: %s s -> %s s; run_info %.6f s -> %.6f s\n", x, y, a / 1e9, b / 1e9
	d1 = x - a / 1e9; d2 = y - b / 1e9
	exit !(d1 < 0.0005001 && d1 > -0.0005001 && d2 < 0.0005001 && d2 > -0.0005001) }' ||
	fail "summary's duration change '$line' is not run_info's"
tui_keys 7
tui_wait_for "after run only, not compared: Processes and threads"
tui_keys q
[ "$(tui_wait_exit)" = 0 ] || fail "tui did not exit with 0"
tui_stop

# --- 2. a time window of both runs -----------------------------------------
from=0.1 to=0.25
"$HPPROF" report -f json --from $from --to $to a.db >a.json || fail "report --from --to a.db"
"$HPPROF" report -f json --from $from --to $to b.db >b.json || fail "report --from --to b.db"
tui_start "$HPPROF" tui --from $from --to $to b.db --diff a.db
tui_wait_for "Summary"
tui_keys 8
tui_wait_for "in the filter's window"
tui_screen >window.txt
python3 check.py window.txt $from $to a.json b.json ||
	{ cat window.txt; fail "the filter's window of both runs"; }
tui_keys q
tui_wait_exit >/dev/null
tui_stop

# --- 3. a thread and a process filter of both runs --------------------------
tl_check_ids b.db a.db
echo "PASS"

# tui_timeline_lib.sh - the checks of the timeline view (8) of `hpprof tui
# AFTER --diff BEFORE` under a filter, shared by tui_timeline_diff.sh and
# mpi_tui_timeline.sh (sourced after lib.sh, in the scratch directory).
# Each run's header names its part of the run and its samples:
#   "before a.db, thread 123 comm: ran 1.20 s, 1 thread, 456 samples"
# and those samples are checked against `hpprof report -f json` of the same
# file under the same filter (the same samples counted two ways: exact).

PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "Debian's python3.11 is not installed (scripts/install-deps.sh)"
command -v sqlite3 >/dev/null || skip "the sqlite3 shell is not installed"

tl_dump() { "$HPPROF" tui --no-color --dump timeline --width 140 --height 60 "$@"; }

# tl_samples DB [report options]: the samples `report -f json` counts
tl_samples() {
	db=$1
	shift
	"$HPPROF" report -f json -n 1 "$@" "$db" >tl_rep.json 2>tl_rep.err ||
		{ cat tl_rep.err >&2; fail "report $* $db"; }
	"$PY" -c 'import json; print(json.load(open("tl_rep.json"))["samples"])'
}

# tl_head SCREEN SIDE: the header line of that run (SIDE before or after)
tl_head() { grep "^$2 " "$1" | head -n 1; }
# tl_head_samples SCREEN SIDE: its "N samples"; tl_head_window: its "N in
# the filter's window"
tl_head_samples() { tl_head "$1" "$2" | sed -n 's/.*, \([0-9]*\) samples.*/\1/p'; }
tl_head_window() { tl_head "$1" "$2" | sed -n 's/.*, \([0-9]*\) in the filter.s window.*/\1/p'; }

# tl_check_ran SCREEN SIDE NS: SIDE's header says "ran" NS nanoseconds, as
# chart_time prints them (1.23 s, 12.3 s or 123 ms: rounding at most half
# the last digit shown)
tl_check_ran() {
	h=$(tl_head "$1" "$2")
	echo "$h" | awk -v ns="$3" '{
		if (!match($0, /ran [0-9.]+ (s|ms)/)) exit 1
		split(substr($0, RSTART + 4, RLENGTH - 4), a, " ")
		v = a[2] == "s" ? a[1] * 1e9 : a[1] * 1e6
		half = a[2] == "ms" ? 0.5e6 : (a[1] >= 10 ? 0.05e9 : 0.005e9)
		exit (v - ns > half || ns - v > half) ? 1 : 0 }' ||
		{ cat "$1" >&2; fail "$2 header: '$h', the run recorded $3 ns"; }
}

# tl_check_side SCREEN SIDE FILE WHAT WANT: SIDE's header is FILE's, names
# WHAT ("rank 2", "thread 123") and counts WANT samples
tl_check_side() {
	h=$(tl_head "$1" "$2")
	case $h in
	"$2"*" $3, $4: ran "* | "$2"*" $3, $4 "*": ran "*) ;;
	*) cat "$1" >&2; fail "$2 header does not name '$3, $4': '$h'" ;;
	esac
	got=$(tl_head_samples "$1" "$2")
	[ "$got" = "$5" ] ||
		{ cat "$1" >&2; fail "$2 run, $4: $got samples on the screen, report says $5"; }
}

# tl_cut SRC DST: DST is SRC as if its run had ended at half its duration
# (the same recording: the same thread and process ids)
tl_cut() {
	cp "$1" "$2"
	half=$(($(q "$1" "SELECT value FROM meta WHERE key = 'duration_ns'") / 2))
	q "$2" "DELETE FROM samples WHERE t_ns >= $half; DELETE FROM memory WHERE t_ns >= $half;
		UPDATE meta SET value = '$half' WHERE key = 'duration_ns'"
}

# tl_check_ids AFTER BEFORE: a thread filter (t: the after run's busiest
# thread) and a process filter (7 p 8: the process of the threads view's
# first row) on AFTER --diff BEFORE, two separately started runs: unless
# BEFORE has a thread of that id and name the screen gives the reason and
# draws no before run; the after run's samples are report --tid's. Then
# the same filters on AFTER --diff (AFTER cut at half its duration), where
# the ids pair: each header's samples are report --tid/--pid's of its file.
tl_check_ids() {
	tl_dump --keys t "$1" --diff "$2" >tl_tid.txt || fail "tui --keys t --diff $2"
	tid=$(sed -n 's/^after  [^,]*, thread \([0-9]*\) .*/\1/p' tl_tid.txt)
	[ -n "$tid" ] || { cat tl_tid.txt >&2; fail "t: the after header names no thread"; }
	comm=$(q "$1" "SELECT comm FROM threads WHERE tid = $tid")
	if [ -z "$(q "$2" "SELECT 1 FROM threads WHERE tid = $tid AND comm = '$comm'")" ]; then
		grep -q "no comparison under a thread filter: the before run has no thread $tid" tl_tid.txt ||
		grep -q "no comparison under a thread filter: thread $tid of the before run is" tl_tid.txt ||
			{ cat tl_tid.txt >&2; fail "thread $tid is not in $2: no reason on the screen"; }
		! grep -q "^before " tl_tid.txt ||
			{ cat tl_tid.txt >&2; fail "an unpaired thread: a before run drawn"; }
		note "thread $tid: not in $2, the screen says so"
	else
		note "thread $tid ($comm) is in both runs (the ids coincide): paired"
		tl_check_side tl_tid.txt before "$2" "thread $tid" "$(tl_samples "$2" --tid "$tid")"
	fi
	tl_check_side tl_tid.txt after "$1" "thread $tid" "$(tl_samples "$1" --tid "$tid")"

	tl_cut "$1" tl_cut.db
	tl_dump --keys t "$1" --diff tl_cut.db >tl_pair.txt || fail "tui --keys t --diff (cut)"
	tl_check_side tl_pair.txt before tl_cut.db "thread $tid" "$(tl_samples tl_cut.db --tid "$tid")"
	tl_check_side tl_pair.txt after "$1" "thread $tid" "$(tl_samples "$1" --tid "$tid")"
	note "thread $tid: $(tl_head_samples tl_pair.txt before) samples before (cut)," \
		"$(tl_head_samples tl_pair.txt after) after (as report --tid)"
	tl_dump --keys 7p8 "$1" --diff tl_cut.db >tl_pid.txt || fail "tui --keys 7p8 --diff (cut)"
	pid=$(sed -n 's/^after  [^,]*, process \([0-9]*\).*/\1/p' tl_pid.txt)
	[ -n "$pid" ] || { cat tl_pid.txt >&2; fail "p: the after header names no process"; }
	tl_check_side tl_pid.txt before tl_cut.db "process $pid" "$(tl_samples tl_cut.db --pid "$pid")"
	tl_check_side tl_pid.txt after "$1" "process $pid" "$(tl_samples "$1" --pid "$pid")"
	note "process $pid: $(tl_head_samples tl_pid.txt before) samples before (cut)," \
		"$(tl_head_samples tl_pid.txt after) after (as report --pid)"
}

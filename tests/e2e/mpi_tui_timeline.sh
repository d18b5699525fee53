#!/bin/sh
# The timeline view (8) of `hpprof tui AFTER --diff BEFORE` under a rank,
# thread or process filter (docs/mpi.md, hpprof-tui(1)): two real 4-rank
# jobs of hp-mpi-pi under Open MPI's mpirun (mpi_two_jobs: a.db before,
# b.db after, each merged), dumped as text (`tui --dump timeline`).
#   1. --rank R, for each rank: each run's header names rank R and its
#      samples equal `hpprof report --rank R -f json`'s of that job; every
#      thread row drawn is one of rank R's ("rR ..."). The timeline alone
#      (no --diff) under --rank R draws only rank R's threads too.
#   2. --rank 1 --from/--to (the middle half of the after job): each
#      header's "N in the filter's window" equals `report --rank 1 --from
#      --to -f json`'s samples of that job.
#   3. A thread filter (t: the after job's busiest thread) on the two jobs:
#      the before job ran other processes, so unless it has a thread of
#      that id and name the screen says there is no comparison and why, and
#      draws the after job's thread alone, its samples those of `report
#      --tid`.
#   4. A thread and a process filter where they pair: b.db against c.db,
#      b.db cut at half its duration (the same recording, the same ids):
#      each header's samples equal `report --tid`/`--pid -f json`'s of its
#      file.
# Every count is exact (the same samples counted two ways).
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/mpi_lib.sh"
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "Debian's python3.11 is not installed (scripts/install-deps.sh)"
command -v sqlite3 >/dev/null || skip "the sqlite3 shell is not installed"
cd "$T" || fail "cd $T"

mpi_two_jobs 4e7 8

dump() { "$HPPROF" tui --no-color --dump timeline --width 140 --height 60 "$@"; }
# samples DB [report options]: the samples `report -f json` counts
samples() {
	db=$1
	shift
	"$HPPROF" report -f json -n 1 "$@" "$db" >rep.json 2>rep.err ||
		{ cat rep.err >&2; fail "report $* $db"; }
	"$PY" -c 'import json; print(json.load(open("rep.json"))["samples"])'
}
# head SCREEN SIDE: the header line of that run ("before"/"after")
head_of() { grep "^$2 " "$1" | head -n 1; }
# header_samples LINE: its "N samples"
header_samples() { echo "$1" | sed -n 's/.*, \([0-9]*\) samples.*/\1/p'; }
window_samples() { echo "$1" | sed -n 's/.*, \([0-9]*\) in the filter.s window.*/\1/p'; }
# check_side SCREEN SIDE FILE WHAT WANT: the header names WHAT and counts WANT
check_side() {
	h=$(head_of "$1" "$2")
	case $h in
	"$2"*" $3, $4: ran "* | "$2"*" $3, $4 "*": ran "*) ;;
	*) cat "$1" >&2; fail "$2 header does not name '$3, $4': '$h'" ;;
	esac
	got=$(header_samples "$h")
	[ "$got" = "$5" ] || { cat "$1" >&2; fail "$2 run, $4: $got samples on the screen, report says $5"; }
}

# --- 1. rank filter ---------------------------------------------------------
for r in 0 1 2 3; do
	dump --rank $r b.db --diff a.db >r$r.txt || fail "tui --rank $r --diff"
	check_side r$r.txt before a.db "rank $r" "$(samples a.db --rank $r)"
	check_side r$r.txt after b.db "rank $r" "$(samples b.db --rank $r)"
	rows=$(grep -c "^r[0-9]* [0-9]" r$r.txt)
	other=$(grep "^r[0-9]* [0-9]" r$r.txt | grep -vc "^r$r ")
	[ "$rows" -ge 2 ] && [ "$other" = 0 ] ||
		{ cat r$r.txt >&2; fail "--rank $r: $rows thread rows, $other of another rank"; }
	dump --rank $r b.db >alone$r.txt || fail "tui --rank $r (no --diff)"
	rows=$(grep -c "^r[0-9]* [0-9]" alone$r.txt)
	other=$(grep "^r[0-9]* [0-9]" alone$r.txt | grep -vc "^r$r ")
	[ "$rows" -ge 1 ] && [ "$other" = 0 ] ||
		{ cat alone$r.txt >&2; fail "timeline alone, --rank $r: $rows thread rows, $other of another rank"; }
	note "rank $r: $(header_samples "$(head_of r$r.txt before)") samples before," \
		"$(header_samples "$(head_of r$r.txt after)") after (as report --rank $r)"
done

# --- 2. rank and time window -----------------------------------------------
dur=$(q b.db "SELECT value FROM meta WHERE key = 'duration_ns'")
from=$(awk -v d="$dur" 'BEGIN { printf "%.3f", d / 4e9 }')
to=$(awk -v d="$dur" 'BEGIN { printf "%.3f", 3 * d / 4e9 }')
dump --rank 1 --from "$from" --to "$to" b.db --diff a.db >win.txt || fail "tui --rank 1 --from --to"
for side in before:a after:b; do
	got=$(window_samples "$(head_of win.txt "${side%%:*}")")
	want=$(samples "${side#*:}.db" --rank 1 --from "$from" --to "$to")
	[ -n "$got" ] && [ "$got" = "$want" ] ||
		{ cat win.txt >&2; fail "${side%%:*}: '$got' in the window [$from, $to) s of rank 1, report says $want"; }
	note "rank 1, [$from, $to) s: ${side%%:*} $got samples (report: $want)"
done

# --- 3. a thread filter on two separately started jobs -----------------------
dump --keys t b.db --diff a.db >tid.txt || fail "tui --keys t --diff"
tid=$(sed -n 's/^after  b\.db, thread \([0-9]*\) .*/\1/p' tid.txt)
[ -n "$tid" ] || { cat tid.txt >&2; fail "t: the after header names no thread"; }
comm=$(q b.db "SELECT comm FROM threads WHERE tid = $tid")
if [ -z "$(q a.db "SELECT 1 FROM threads WHERE tid = $tid AND comm = '$comm'")" ]; then
	grep -q "no comparison under a thread filter: the before run has no thread $tid" tid.txt ||
	grep -q "no comparison under a thread filter: thread $tid of the before run is" tid.txt ||
		{ cat tid.txt >&2; fail "thread $tid is not in the before job: no reason on the screen"; }
	! grep -q "^before " tid.txt || { cat tid.txt >&2; fail "an unpaired thread: a before run drawn"; }
	note "thread $tid: not in the before job, the screen says so"
else
	note "thread $tid ($comm) is in both jobs (ids coincide): paired"
	check_side tid.txt before a.db "thread $tid" "$(samples a.db --tid "$tid")"
fi
check_side tid.txt after b.db "thread $tid" "$(samples b.db --tid "$tid")"

# --- 4. thread and process filters that pair (one recording, cut shorter) ----
cp b.db c.db
half=$((dur / 2))
q c.db "DELETE FROM samples WHERE t_ns >= $half; DELETE FROM memory WHERE t_ns >= $half;
	UPDATE meta SET value = '$half' WHERE key = 'duration_ns'"
dump --keys t b.db --diff c.db >pair.txt || fail "tui --keys t --diff c.db"
check_side pair.txt before c.db "thread $tid" "$(samples c.db --tid "$tid")"
check_side pair.txt after b.db "thread $tid" "$(samples b.db --tid "$tid")"
note "thread $tid: $(header_samples "$(head_of pair.txt before)") samples before (cut)," \
	"$(header_samples "$(head_of pair.txt after)") after (as report --tid)"
dump --keys 7p8 b.db --diff c.db >pid.txt || fail "tui --keys 7p8 --diff c.db"
pid=$(sed -n 's/^after  b\.db, process \([0-9]*\).*/\1/p' pid.txt)
[ -n "$pid" ] || { cat pid.txt >&2; fail "p: the after header names no process"; }
check_side pid.txt before c.db "process $pid" "$(samples c.db --pid "$pid")"
check_side pid.txt after b.db "process $pid" "$(samples b.db --pid "$pid")"
note "process $pid: $(header_samples "$(head_of pid.txt before)") samples before (cut)," \
	"$(header_samples "$(head_of pid.txt after)") after (as report --pid)"
exit 0

#!/bin/sh
# Benchmark (label bench): Python frames of an attached CPython 3.11
# (`hpprof run -p PID`, collector/pyremote.c, docs/python.md "Attach"),
# against per-sample truths by construction (tests/fixtures/python/
# attach_truth.py: whether a sample was taken in the function / on the line
# that calls zlib.compress shows on its native stack, libz or the C library
# beneath the Python frame). Per program, attached at 1 kHz for 3 s:
#   function  in_c / in_py alternating from one line, calls of MS ms:
#             merged, unmerged, wrong innermost function
#   lines     the same two on two lines of one function: wrong innermost line
#   calls     in_c / in_py called from two lines: the caller's line wrong,
#             or unknown (the innermost frame had returned since the sample)
#   same      one function called from two lines, doing C from one and
#             bytecode from the other: the caller's line wrong, or unknown
#   callers   the same function called by two functions (via_c, via_py)
#             in turn: the caller's function wrong, its line wrong / unknown
# with each reader (HP_BENCH_READERS, default "bpf late"): bpf, the frames
# read in the thread at each sample by the BPF reader (where permitted;
# the line says which reader ran), and late, the frames read after the
# sample (HPPROF_PYATTACH_NOBPF=1), the latter with the checks (default) and,
# for comparison, with HPPROF_PYATTACH_NOCODE=1 (no next_instr check: the
# frames as read).
# Prints figures; fails only when a program cannot be attached.
# env: HPPROF, HP_SRC; HP_BENCH_REPS (default 3); HP_BENCH_CHECKS (default
# "on off": which of the two to run); HP_BENCH_PROGS (default "function lines
# calls same callers")
set -u
: "${HPPROF:?}" "${HP_SRC:?}"
PY=/usr/bin/python3.11
FX=$HP_SRC/tests/fixtures/python
REPS=${HP_BENCH_REPS:-3}
CHECKS=${HP_BENCH_CHECKS:-on off}
READERS=${HP_BENCH_READERS:-bpf late}
[ -x "$PY" ] || { echo "SKIP: python3.11 is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT

# attach MODE MS DB: attach_truth.py MODE --ms MS, attached 3 s into DB
attach() {
	"$PY" "$FX/attach_truth.py" $1 --ms "$2" --seconds 60 >"$3.out" &
	pid=$!
	while ! grep -q READY "$3.out" 2>/dev/null; do sleep 0.1; done
	"$HPPROF" run -p "$pid" -F 1000 --duration 3 -o "$3" 2>"$3.err" || { cat "$3.err"; exit 1; }
	kill "$pid"; wait "$pid" 2>/dev/null; pid=
}

# the innermost Python frame of each sample, its caller, and the truth
LEAVES=$(cat "$FX/attach_leaves.sql")
counts() { sqlite3 "$1" "SELECT substr(coalesce(max(CASE key WHEN 'python_frames' THEN value END), '?'), 1, 3)
	|| ' reader, ' || coalesce(max(CASE key WHEN 'python_merged' THEN value END), 0) || ' merged, ' ||
	coalesce(max(CASE key WHEN 'python_unmerged' THEN value END), 0) || ' unmerged' FROM run_info"; }
line_of() { grep -n -- "$1" "$FX/attach_truth.py" | tail -1 | cut -d: -f1; }
cl=$(line_of "# C_LINE"); pl=$(line_of "# PY_LINE"); cc=$(line_of "# CALL_C"); cp=$(line_of "# CALL_PY")
sc=$(line_of "# SAME_C"); sp=$(line_of "# SAME_PY"); vc=$(line_of "# VIA_C"); vp=$(line_of "# VIA_PY")
PROGS=${HP_BENCH_PROGS:-function lines calls same callers}

# measure PROG MS CHECK: one attach of the program, its figures on one line
measure() {
	db=$tmp/$1$2$3.db; rm -f "$db"*
	case $1 in
	function)
		attach "" $2 "$db"
		echo "rep $rep check $3 function ms=$2: $(counts "$db"); wrong function: $(sqlite3 "$db" "$LEAVES
		SELECT sum((inc AND name != 'in_c') OR (NOT inc AND name = 'in_c')) || ' of ' || count(*) FROM leaf")" ;;
	lines)
		attach --lines $2 "$db"
		echo "rep $rep check $3 lines ms=$2: $(counts "$db"); wrong line: $(sqlite3 "$db" "$LEAVES
		SELECT sum((inc AND line != $cl) OR (NOT inc AND line NOT IN ($pl, $pl - 1))) || ' of ' || count(*)
		FROM leaf WHERE name = 'lines'")" ;;
	calls)
		attach --calls $2 "$db"
		echo "rep $rep check $3 calls ms=$2: $(counts "$db"); caller's line wrong / unknown: $(sqlite3 "$db" "$LEAVES
		SELECT sum(cline IS NOT NULL AND ((inc AND name = 'in_c' AND cline != $cc) OR
		  (NOT inc AND name = 'in_py' AND cline != $cp))) || ' / ' || sum(cline IS NULL) || ' of ' || count(*)
		FROM leaf WHERE (inc AND name = 'in_c') OR (NOT inc AND name = 'in_py')")" ;;
	same)
		attach --same $2 "$db"
		echo "rep $rep check $3 same ms=$2: $(counts "$db"); caller's line wrong / unknown: $(sqlite3 "$db" "$LEAVES
		SELECT sum(cline IS NOT NULL AND ((inc AND cline != $sc) OR (NOT inc AND cline != $sp)))
		  || ' / ' || sum(cline IS NULL) || ' of ' || count(*) FROM leaf WHERE name = 'both'")" ;;
	callers)
		attach --callers $2 "$db"
		echo "rep $rep check $3 callers ms=$2: $(counts "$db"); caller's function wrong: $(sqlite3 "$db" "$LEAVES
		SELECT sum((inc AND cname != 'via_c') OR (NOT inc AND cname != 'via_py')) || ' of ' || count(*)
		|| '; its line wrong / unknown: ' || coalesce(sum(cline > 0 AND ((inc AND cline != $vc) OR (NOT inc AND cline != $vp))), 0)
		|| ' / ' || sum(cline IS NULL OR cline = 0) FROM leaf WHERE name = 'both'")" ;;
	esac
}

for rep in $(seq "$REPS"); do
	for reader in $READERS; do
	[ $reader = late ] && export HPPROF_PYATTACH_NOBPF=1 || unset HPPROF_PYATTACH_NOBPF
	for check in $CHECKS; do
		[ $reader = bpf ] && [ $check = off ] && continue     # no next_instr check to turn off
		[ $check = off ] && export HPPROF_PYATTACH_NOCODE=1 || unset HPPROF_PYATTACH_NOCODE
		for ms in 1 10; do
			for prog in $PROGS; do
				measure $prog $ms "$check-$reader"
			done
		done
	done
	done
	echo "rep $rep load $(cut -d' ' -f1 /proc/loadavg)"
done

#!/bin/sh
# python_memory.sh CASE - memory of CPython 3.11 programs per Python line
# (docs/python.md, "Memory per Python line"), against truths that hold by
# construction (tests/fixtures/python, TRUTH lines).
#
#   alloc    alloc_lines.py under --alloc: alloc_a and alloc_b make bytearrays
#            of known sizes from one line each; `export -w alloc-bytes`
#            (folded) and `report --memory` give each of those Python
#            functions and lines what the program asked for, plus at most
#            64 bytes per object (CPython mallocs n + 1 bytes for a
#            bytearray of n; the allowance is the interpreter's overhead per
#            object)
#   deepalloc deep_alloc.py under --alloc: deep_alloc makes bytearrays of a
#            known size from one line at the bottom of a recursion 200
#            Python frames deep (more than the 128 an allocation stack
#            carries): its innermost frames are kept, so `export -w
#            alloc-bytes` gives deep_alloc what the program asked for, plus
#            at most 64 bytes per object (as alloc)
#   arenas   arena_lines.py under --alloc: keep_small's line builds 400,000
#            small tuples (pymalloc blocks, never malloc); the 1 MiB arenas
#            pymalloc takes for them are allocations of that line. Truth:
#            CPython's own count of arenas allocated during the call
#            (sys._debugmallocstats before and after); allowance 1 arena:
#            the second reading itself may take one, after the call
#   faults   fault_lines.py (no --alloc): touch_a and touch_b write one byte
#            per page of fresh anonymous memory, each from one line; the
#            page faults report --memory charges to each line (the agent's
#            fault samples, one every P = 32 faults of the thread, times P)
#            against the minor faults getrusage counted during the call:
#            within 2P (sampling is every P-th fault: at most P-1 of the
#            line's are not sampled, and P-1 of another line's may be) plus
#            1% (the call's faults outside that line: mmap, the loop)
#   faultsmerge fault_lines.py at -F 10000: the CPU event's SIGTRAP often
#            comes in the same entry to the kernel as a fault sample's (a
#            period ends while a fault is handled) and the kernel delivers
#            one signal for both; every fault sample must still be there
#            (the agent counts them from the fault event's ring). Truth by
#            construction: each page written faults once on its line, so
#            the line has at least pages - 2P (P-1 of the line's faults
#            unsampled at each end) and at most the call's minor faults +
#            2P (P-1 of another line's). Before the ring, 4-6% of the fault
#            samples were lost here (23,200-23,616 for 24,576 pages)
. "$HP_SRC/tests/e2e/lib.sh"
PY=/usr/bin/python3.11
FX="$HP_SRC/tests/fixtures/python"
[ -x "$PY" ] || skip "python3.11 is not installed"
case_name=${1:?usage: python_memory.sh CASE}

# fault_run N [OPTIONS]: hpprof run [OPTIONS] -o N.db of fault_lines.py,
# its report --memory in N.report, period 32 (the default), and the
# fixture's truth lines (function, line, pages written, getrusage's
# faults) in ./truth
fault_run() {
	_n=$1
	shift
	"$HPPROF" run "$@" -o "$_n.db" "$PY" "$FX/fault_lines.py" >"$_n.out" 2>"$_n.err" ||
		{ cat "$_n.err" >&2; fail "hpprof run failed"; }
	"$HPPROF" report --memory "$_n.db" >"$_n.report" 2>"$_n.report.err" || fail "report --memory"
	period=$(q "$_n.db" "SELECT value FROM run_info WHERE key = 'fault_period'")
	assert_eq "fault period" "$period" 32
	awk -F'\t' '$1 == "TRUTH" && $2 == "faults" { print $3, $4, $5, $6 }' "$_n.out" >truth
	[ "$(wc -l <truth)" -eq 2 ] || fail "the fixture printed no truth"
}

# line_faults N FN LINE: the faults N.report charges to fault_lines.py:LINE in FN
line_faults() {
	_g=$(awk -v loc="fault_lines.py:$3" -v f="$2" \
		'/^Lines that grew RSS/ { on = 1; next } on && /^$/ { on = 0 }
		 on && $4 == loc && $5 == f { print $1 }' "$1.report")
	[ -n "$_g" ] || { cat "$1.report" >&2; fail "$2: no row for fault_lines.py:$3"; }
	echo "$_g"
}

case "$case_name" in
alloc)
	"$HPPROF" run --alloc -o a.db "$PY" "$FX/alloc_lines.py" >a.out 2>a.err ||
		{ cat a.err >&2; fail "hpprof run --alloc failed"; }
	"$HPPROF" export -f folded -w alloc-bytes -o a.folded a.db || fail "export folded"
	"$HPPROF" report --memory a.db >a.report 2>a.report.err || fail "report --memory"
	awk -F'\t' '$1 == "TRUTH" && $2 == "line" { print $3, $4, $5, $6 }' a.out >truth
	[ "$(wc -l <truth)" -eq 2 ] || fail "the fixture printed no truth"
	while read -r fn line objs want; do
		# folded: every stack through the Python frame fn (it allocates on one line)
		got=$(awk -v f=";$fn;" 'index(";" $1 ";", f) { s += $NF } END { printf "%d", s }' \
			FS=' ' a.folded)
		note "$fn: folded alloc-bytes $got, the program asked for $want in $objs objects"
		assert_ge "$fn: folded alloc-bytes" "$got" "$want"
		assert_le "$fn: folded alloc-bytes" "$got" $((want + 64 * objs))
		# report --memory: the Python line's row
		row=$(awk -v loc="alloc_lines.py:$line" -v f="$fn" \
			'/^Python lines that allocated/ { on = 1; next } on && /^$/ { on = 0 }
			 on && $5 == loc && $6 == f { print $1, $2 }' a.report)
		[ -n "$row" ] || { cat a.report >&2; fail "$fn: no row for alloc_lines.py:$line"; }
		set -- $row
		assert_ge "$fn: allocations at line $line" "$1" "$objs"
		assert_le "$fn: allocations at line $line" "$1" $((objs + 2))
		assert_ge "$fn: bytes at line $line" "$2" "$want"
		assert_le "$fn: bytes at line $line" "$2" $((want + 64 * objs))
	done <truth
	;;
deepalloc)
	"$HPPROF" run --alloc -o d.db "$PY" "$FX/deep_alloc.py" >d.out 2>d.err ||
		{ cat d.err >&2; fail "hpprof run --alloc failed"; }
	"$HPPROF" export -f folded -w alloc-bytes -o d.folded d.db || fail "export folded"
	set -- $(awk -F'\t' '$1 == "TRUTH" && $2 == "line" { print $5, $6 }' d.out)
	objs=$1 want=$2
	[ -n "$want" ] || fail "the fixture printed no truth"
	got=$(awk 'index(";" $1 ";", ";deep_alloc;") { s += $NF } END { printf "%d", s }' \
		FS=' ' d.folded)
	note "deep_alloc (200 frames deep): folded alloc-bytes $got, the program asked for $want in $objs objects"
	assert_ge "deep_alloc: folded alloc-bytes" "$got" "$want"
	assert_le "deep_alloc: folded alloc-bytes" "$got" $((want + 64 * objs))
	;;
arenas)
	"$HPPROF" run --alloc -o r.db "$PY" "$FX/arena_lines.py" >r.out 2>r.err ||
		{ cat r.err >&2; fail "hpprof run --alloc failed"; }
	set -- $(awk -F'\t' '$1 == "TRUTH" && $2 == "arenas" { print $4, $5 }' r.out)
	line=$1 want=$2
	[ -n "$want" ] || fail "the fixture printed no truth"
	assert_ge "arenas the call took (CPython's count)" "$want" 4
	# allocation stacks through keep_small's line whose every block is one arena
	got=$(q r.db "WITH RECURSIVE walk(sid, node) AS (
		SELECT stack_id, stack_id FROM alloc_stacks
		UNION ALL SELECT sid, parent FROM walk JOIN stack_nodes ON id = node WHERE parent != 0)
		SELECT coalesce(sum(allocs), 0) FROM alloc_stacks WHERE bytes = allocs * 1048576
		AND stack_id IN (SELECT sid FROM walk JOIN stack_nodes n ON n.id = node
		  JOIN location_frames lf ON lf.location_id = n.location_id
		  JOIN functions f ON f.id = lf.function_id JOIN modules m ON m.id = f.module_id
		  WHERE f.name LIKE 'keep_small%' AND lf.line = $line AND m.path LIKE '[python] %')")
	note "arenas at arena_lines.py:$line: $got, CPython counted $want"
	assert_le "arenas charged to the line" "$got" "$want"
	assert_ge "arenas charged to the line" "$got" $((want - 1))
	;;
faults)
	fault_run f
	assert_eq "page-fault event measured" \
		"$(q f.db "SELECT measured FROM events WHERE role = 'pagefault'")" 1
	while read -r fn line pages want; do
		got=$(line_faults f "$fn" "$line") || fail "$fn: no row for fault_lines.py:$line"
		note "$fn: $got faults at line $line; getrusage counted $want ($pages pages written)"
		tol=$(awk -v w="$want" -v p="$period" 'BEGIN { printf "%d", 2 * p + 0.01 * w }')
		assert_ge "$fn: faults at its line" "$got" $((want - tol))
		assert_le "$fn: faults at its line" "$got" $((want + tol))
	done <truth
	;;
faultsmerge)
	fault_run m -F 10000
	while read -r fn line pages minflt; do
		got=$(line_faults m "$fn" "$line") || fail "$fn: no row for fault_lines.py:$line"
		note "$fn at -F 10000: $got faults at line $line; $pages pages written, getrusage counted $minflt"
		assert_ge "$fn: faults at its line" "$got" $((pages - 2 * period))
		assert_le "$fn: faults at its line" "$got" $((minflt + 2 * period))
	done <truth
	;;
*)
	fail "unknown case $case_name"
	;;
esac

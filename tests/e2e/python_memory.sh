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
. "$HP_SRC/tests/e2e/lib.sh"
PY=/usr/bin/python3.11
FX="$HP_SRC/tests/fixtures/python"
[ -x "$PY" ] || skip "python3.11 is not installed"
case_name=${1:?usage: python_memory.sh CASE}

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
*)
	fail "unknown case $case_name"
	;;
esac

#!/bin/sh
# top_python.sh - `hpprof top --batch` of a CPython 3.11 program names its
# Python functions live as report does (issues #16/#17), launched and
# attached:
#   launched  three_shares.py (share_a/b/c run 5:3:2 by construction) under
#             top until it ends: no table row is a Python file and an offset
#             (`three_shares.py+0x1`, the symbolizer's name for a Python
#             location); the whole run's hottest Python function is share_a,
#             as in function_profile; every Python function of the last
#             table has the Self% and Total% function_profile gives it (the
#             last table counts exactly the samples the database holds)
#   attached  attach_shares.py (the same shares, running until SIGTERM)
#             with -p for two intervals: the same checks, and the program
#             runs on and exits 0 on SIGTERM
. "$HP_SRC/tests/e2e/lib.sh"
PY=/usr/bin/python3.11
FX="$HP_SRC/tests/fixtures/python"
[ -x "$PY" ] || skip "python3.11 is not installed (/usr/bin/python3.11)"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT

# The rows of the whole run's table (the last one printed) whose module is
# a .py file: "function self% total% module".
py_rows() {
	awk '/^Showing the whole run/ { on = 1; getline; next }
	     on && NF >= 6 && $NF ~ /\.py$/ { sub("%", "", $1); sub("%", "", $2); print $5, $1, $2, $NF }' "$1"
}

# check OUT DB HOT: the checks shared by both cases
check() {
	if grep -E '\.py\+0x[0-9a-f]+ ' "$1" >&2; then
		fail "$1: a Python location shown as file+offset (above)"
	fi
	py_rows "$1" >rows.txt
	[ -s rows.txt ] || { cat "$1" >&2; fail "$1: no Python function in the last table"; }
	assert_eq "$1: hottest Python function (top's last table)" "$(head -n1 rows.txt | cut -d' ' -f1)" "$3"
	hot=$(q "$2" "SELECT function FROM function_profile WHERE module LIKE '[python] %'
		ORDER BY self_samples DESC, total_samples DESC LIMIT 1")
	assert_eq "$1: hottest Python function (function_profile)" "$hot" "$3"
	while read -r fn self total mod; do
		# the percentages rounded as hpprof rounds them (C's printf, as
		# awk's): SQLite's printf rounds a tie such as 18.125 up, C's to
		# the even neighbour (18.12), which made a run fail on the tie
		d=$(q "$2" "SELECT self_samples, total_samples, n
			FROM function_profile, (SELECT COUNT(*) AS n FROM samples WHERE event = 0)
			WHERE function = '$fn' AND module LIKE '[python] %' AND
			      (module = '[python] $mod' OR module LIKE '%/$mod')" |
			awk -F'|' 'NF == 3 { printf "%.2f %.2f", 100.0 * $1 / $3, 100.0 * $2 / $3 }')
		assert_eq "$1: $fn ($mod) Self% Total% (top vs function_profile)" "$self $total" "$d"
	done <rows.txt
}

# 1. launched: top runs until the program ends
"$HPPROF" top --batch -i 0.5 --rows 40 -o l.db -- "$PY" "$FX/three_shares.py" --rounds 40 \
	>out.txt 2>err.txt; st=$?
[ $st -eq 0 ] || { cat err.txt >&2; fail "top --batch of three_shares.py exited with $st"; }
grep -q '^TRUTH	total' out.txt || fail "three_shares.py did not finish (no TRUTH total line)"
check out.txt l.db share_a
note "launched: $(wc -l <rows.txt) Python functions named live, as in function_profile"

# 2. attached for two intervals: the process runs on
"$PY" "$FX/attach_shares.py" --seconds 120 >t.out 2>t.err &
pid=$!
wait_ready t.out attach_shares.py
"$HPPROF" top --batch -n 2 --rows 40 -o a.db -p "$pid" >out2.txt 2>err.txt ||
	{ cat err.txt >&2; fail "top --batch -p failed"; }
kill -0 "$pid" 2>/dev/null || fail "the attached program died"
check out2.txt a.db share_a
kill -TERM "$pid"
wait "$pid"; st=$?
pid=
assert_eq "attached: the program's exit status after SIGTERM" "$st" 0
note "attached: $(wc -l <rows.txt) Python functions named live, as in function_profile"
echo PASS

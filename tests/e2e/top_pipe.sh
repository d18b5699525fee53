#!/bin/sh
# top_pipe.sh - `hpprof top --batch | head`: a reader that goes away is a q.
# The session stops, the database is saved whole (report does not find "a
# run that did not finish" to symbolize) and top exits 0, launched (the
# program is stopped, as q stops it) and attached (the process runs on).
# Before, hpprof's SIGPIPE handler ended top at once: status 0 but an
# unfinished database, and a launched program left running.
. "$HP_SRC/tests/e2e/lib.sh"
C="$HP_BUILD/kernels/hp-calib"
[ -x "$C" ] || skip "the calib kernel is not built"
CP=""
trap 'for p in $CP; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# 1. launched (its own output, the kernel's truth lines, elsewhere): head
# takes the first line of the first table
{ "$HPPROF" top --batch -i 0.2 -o l.db -- sh -c "exec '$C' --rounds 100000000 >/dev/null" \
	2>err.txt; \
	echo $? >st.txt; } | head -1 >first.txt
assert_eq "top's status" "$(cat st.txt)" 0
assert_contains "the first line" first.txt "hpprof top"
assert_contains "saved" err.txt "wrote 'l.db'"
"$HPPROF" report l.db >rep.txt 2>rep.err || { cat rep.err; fail "report l.db"; }
grep -q "did not finish" rep.err && fail "l.db was left unfinished"
assert_contains "its exit" rep.txt "interrupted"

# 2. attached: the process runs on
"$C" --rounds 100000000 >/dev/null 2>&1 &
P=$!
CP="$P"
sleep 0.2
{ "$HPPROF" top --batch -i 0.2 -o a.db -p "$P" 2>err.txt; echo $? >st.txt; } | head -1 >/dev/null
assert_eq "top's status (attached)" "$(cat st.txt)" 0
kill -0 "$P" 2>/dev/null || fail "the attached process did not run on"
"$HPPROF" report a.db >/dev/null 2>rep.err || { cat rep.err; fail "report a.db"; }
grep -q "did not finish" rep.err && fail "a.db was left unfinished"
echo "PASS"

#!/bin/sh
# perf_event_open refused (seccomp, as in a container): run fails with one
# message that says what and why and leaves no database behind; stat still
# gives times and max RSS (like /usr/bin/time) with every counter n/a and
# the reason; list says why every event is unavailable.
. "$HP_SRC/tests/e2e/lib.sh"
NP="$HP_BUILD/tests/noperf"
[ -x "$NP" ] || skip "the noperf helper is not built"
"$NP" true || skip "seccomp filters are not available here"

"$NP" "$HPPROF" run -o np.db /bin/true >out.txt 2>err.txt
st=$?
[ "$st" -eq 1 ] || { cat err.txt; fail "run: exit $st, expected 1"; }
assert_contains "run: what failed" err.txt "cannot sample '/bin/true': perf_event_open of cpu-clock failed"
assert_contains "run: why" err.txt "not permitted"
[ ! -e np.db ] || fail "a database was left behind"
"$NP" "$HPPROF" stat /bin/true >out.txt 2>err.txt || { cat err.txt; fail "stat without perf events"; }
assert_contains "stat: n/a, never 0" out.txt "n/a *task-clock"
assert_contains "stat: why" out.txt "not permitted"
assert_contains "stat: still the times" out.txt "seconds time elapsed"
"$NP" "$HPPROF" list >list.txt 2>&1 || true
assert_contains "list: reason" list.txt "not permitted"
echo "PASS"

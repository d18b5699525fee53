#!/bin/sh
# `hpprof --debug=run:1 run` prints each phase of the run once, with its
# CPU (and, after the first, wall) time, on stderr; stdout and the profile
# are as without it (docs/performance.md, "Fixed cost of a run").
. "$HP_SRC/tests/e2e/lib.sh"
export XDG_CACHE_HOME="$T/cache"
"$HPPROF" run -q -o plain.db /bin/true >plain.out 2>plain.err || fail "hpprof run"
"$HPPROF" --debug=run:1 run -q -o phases.db /bin/true >phases.out 2>phases.err ||
	fail "hpprof --debug=run:1 run"
cmp -s plain.out phases.out || fail "--debug=run:1 changed stdout"
for p in "start and options" "events, previous profile" "fork of the target" "store created" \
	"facts, first commit" "session (the program ran)" "facts, JIT maps" \
	"symbols, statistics, views" "summary, warnings" "store closed" "released"; do
	assert_eq "phase '$p' printed once" "$(grep -c "\[run\] phase $p  *CPU " phases.err)" 1
done
assert_eq "wall time after the first phase" "$(grep -c '\[run\] phase .*CPU .* ms, wall .* ms' phases.err)" 10
assert_eq "the profile is finished" "$(q phases.db "SELECT value FROM run_info WHERE key = 'exit_status'")" 0
note "$(grep -c '\[run\] phase' phases.err) phases"
echo "PASS"

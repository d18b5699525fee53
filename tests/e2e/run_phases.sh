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
phases="start and options|events, previous profile|fork of the target|store file created|\
session, program started|store opened, first commit|session (the program ran)|facts, JIT maps|\
symbols, statistics, views|summary, warnings|store closed|released"
# In this order: SQLite's open of the new file and its first commit come
# after the program was let to start, beside it (docs/performance.md,
# "Wave 12: before the program"); only the file is made before.
grep -o '\[run\] phase [a-zA-Z(), ]*[a-z)]  *CPU ' phases.err |
	sed 's/^\[run\] phase //; s/  *CPU $//' | tr '\n' '|' | sed 's/|$//' >order.txt
assert_eq "the phases, each once, in order" "$(cat order.txt)" "$phases"
assert_eq "wall time after the first phase" "$(grep -c '\[run\] phase .*CPU .* ms, wall .* ms' phases.err)" 11
assert_eq "the first commit's facts" "$(q phases.db "SELECT value FROM run_info WHERE key = 'command'")" /bin/true
# its file as /proc/PID/exe names it, links resolved, however short it ran
assert_eq "the program's process row" \
	"$(q phases.db "SELECT COUNT(*) FROM processes WHERE exe = '$(readlink -f /bin/true)'")" 1
assert_eq "the profile is finished" "$(q phases.db "SELECT value FROM run_info WHERE key = 'exit_status'")" 0
note "$(grep -c '\[run\] phase' phases.err) phases"
echo "PASS"

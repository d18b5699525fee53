#!/bin/sh
# hpprof merge on fixture profiles: an input given twice (a glob and a
# name) is merged as asked - its samples count twice, the sum of the
# inputs', and so do its CPU seconds (user_s, sys_s) - and a warning names
# it; one input says "1 run".
. "$HP_SRC/tests/e2e/lib.sh"
sh "$HP_SRC/tests/golden/fixture.sh" load julia-small f.db || fail "cannot build the fixture database"
n=$(q f.db "SELECT value FROM run_info WHERE key = 'samples'")
"$HPPROF" merge -o twice.db f.db ./f.db >out.txt 2>err.txt || { cat err.txt; fail "merge"; }
assert_contains "the warning" err.txt "warning: './f.db' is given twice (inputs 1 and 2): its samples count twice"
got=$(q twice.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_eq "samples of f.db merged twice" "$got" $((2 * n))
# CPU seconds add up like the samples (they were the first input's)
for k in user_s sys_s; do
	one=$(q f.db "SELECT value FROM run_info WHERE key = '$k'")
	two=$(q twice.db "SELECT value FROM run_info WHERE key = '$k'")
	[ -n "$one" ] || fail "the fixture has no $k"
	awk -v a="$one" -v b="$two" 'BEGIN { d = b - 2 * a; exit !(d < 0.0015 && d > -0.0015) }' ||
		fail "$k of f.db merged twice: $two, expected 2 x $one (to the printed 3 decimals)"
	note "$k: $one x 2 = $two"
done
"$HPPROF" merge -o once.db f.db >out.txt 2>err.txt || { cat err.txt; fail "merge of one"; }
assert_contains "one input" err.txt "merged 1 run into 'once.db': $n samples"
grep -q "given twice" err.txt && fail "a single input was called given twice"
echo "PASS"

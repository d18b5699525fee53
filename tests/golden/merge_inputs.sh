#!/bin/sh
# hpprof merge on fixture profiles: an input given twice (a glob and a
# name) is merged as asked - its samples count twice, the sum of the
# inputs' - and a warning names it; one input says "1 run".
. "$HP_SRC/tests/e2e/lib.sh"
sh "$HP_SRC/tests/golden/fixture.sh" load julia-small f.db || fail "cannot build the fixture database"
n=$(q f.db "SELECT value FROM run_info WHERE key = 'samples'")
"$HPPROF" merge -o twice.db f.db ./f.db >out.txt 2>err.txt || { cat err.txt; fail "merge"; }
assert_contains "the warning" err.txt "warning: './f.db' is given twice (inputs 1 and 2): its samples count twice"
got=$(q twice.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_eq "samples of f.db merged twice" "$got" $((2 * n))
"$HPPROF" merge -o once.db f.db >out.txt 2>err.txt || { cat err.txt; fail "merge of one"; }
assert_contains "one input" err.txt "merged 1 run into 'once.db': $n samples"
grep -q "given twice" err.txt && fail "a single input was called given twice"
echo "PASS"

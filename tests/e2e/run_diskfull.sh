#!/bin/sh
# A full disk during the run: one clear error, the program keeps running to
# its end, the samples committed before are kept, and `hpprof report`
# finishes the profile (symbolizes it) once it is somewhere with room.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia
mkdir small
mount -t tmpfs -o size=1m tmpfs small 2>/dev/null || skip "cannot mount a small tmpfs here (needs root)"
trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT
"$HPPROF" run -F 20000 -o small/x.db -k julia >out.txt 2>err.txt
st=$?
cp small/x.db partial.db
umount small
[ "$st" -eq 1 ] || { cat err.txt; fail "exit $st, expected 1"; }
assert_contains "the error says why" err.txt "No space left on device"
assert_contains "the program ran to its end" out.txt "checksum 33219980"
n=$(q partial.db "SELECT COUNT(*) FROM samples")
assert_ge "samples kept" "$n" 1000
"$HPPROF" report partial.db >rep.txt 2>rep.err || { cat rep.err; fail "report of the partial profile"; }
assert_contains "report finishes it" rep.err "did not finish: symbolizing it now"
assert_contains "report names the hot function" rep.txt calculate_z
echo "PASS"

#!/bin/sh
# export and merge on a full disk: exit status 1, one error that says what
# failed - "No space left on device", not "Input/output error" as every
# export said before wave 15 (stdio keeps no error code; the failed write's
# errno is now kept) - and nothing left behind: no output, no temporary.
# Also an export to stdout redirected to the full disk.
# usage: export_diskfull.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
sh "$HP_SRC/tests/golden/fixture.sh" load export a.db || fail "fixture"
cp a.db b.db
mkdir small
mount -t tmpfs -o size=256k tmpfs small 2>/dev/null || skip "cannot mount a small tmpfs here (needs root)"
trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT
dd if=/dev/zero of=small/fill bs=4k 2>/dev/null   # full: every block taken
for f in folded pprof speedscope chrome callgrind svg memory-svg csv json; do
	"$HPPROF" export -f $f -o small/out.$f a.db 2>err.$f
	st=$?
	[ "$st" -eq 1 ] || { cat err.$f; fail "export $f on a full disk: exit $st, expected 1"; }
	assert_contains "export $f says why" err.$f "No space left on device"
	! grep -q "Input/output error" err.$f || { cat err.$f; fail "export $f: an I/O error"; }
done
"$HPPROF" export -f folded a.db >small/stdout.folded 2>err.stdout
st=$?
[ "$st" -eq 1 ] || { cat err.stdout; fail "export to a full stdout: exit $st, expected 1"; }
assert_contains "export to a full stdout says why" err.stdout "No space left on device"
rm -f small/stdout.folded
"$HPPROF" merge -o small/m.db a.db b.db 2>err.merge
st=$?
[ "$st" -eq 1 ] || { cat err.merge; fail "merge on a full disk: exit $st, expected 1"; }
assert_contains "merge says why" err.merge "No space left on device"
left=$(ls -A small | grep -v '^fill$' | tr '\n' ' ')
[ -z "$left" ] || fail "a full disk left '$left' behind"
echo PASS

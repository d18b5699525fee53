#!/bin/sh
# A full disk during the run: one clear error, the program keeps running to
# its end, hpprof exits with the program's status (0 here: issue 15 - it
# was 1, contrary to the documentation), the samples committed before are
# kept (in the file and its WAL), and `hpprof report` finishes the profile
# (symbolizes it) once it is somewhere with room.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia
mkdir small
mount -t tmpfs -o size=1m tmpfs small 2>/dev/null || skip "cannot mount a small tmpfs here (needs root)"
trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT
"$HPPROF" run -F 20000 -o small/x.db -k julia >out.txt 2>err.txt
st=$?
cp small/x.db partial.db
[ ! -e small/x.db-wal ] || cp small/x.db-wal partial.db-wal
# A disk already full: the database cannot be created; the target does not
# run, and nothing is left behind (it was a 0-byte -journal).
mkdir small/full
dd if=/dev/zero of=small/full/fill bs=4k 2>/dev/null
# The pipe to cat stays open while any process holds its write end, a
# program that was let to start included: out2.txt is complete at the end.
{ "$HPPROF" run -o small/full/y.db -- /bin/sh -c 'echo RAN' 2>err2.txt; echo $? >st2.txt; } |
	cat >out2.txt
st2=$(cat st2.txt)
left=$(ls small/full | grep -v '^fill$' | tr '\n' ' ')
umount small
[ "$st2" -eq 1 ] || { cat err2.txt; fail "full disk at the start: exit $st2, expected 1"; }
assert_contains "the error says why" err2.txt "cannot create database 'small/full/y.db': No space left on device"
[ -z "$left" ] || fail "a full disk at the start left '$left' behind"
! grep -q RAN out2.txt || fail "the program ran although its database could not be made"
[ "$st" -eq 0 ] || { cat err.txt; fail "exit $st, expected the program's (0)"; }
assert_contains "the error says why" err.txt "No space left on device"
assert_contains "the program ran to its end" out.txt "checksum 33219980"
n=$(q partial.db "SELECT COUNT(*) FROM samples")
assert_ge "samples kept" "$n" 1000
"$HPPROF" report partial.db >rep.txt 2>rep.err || { cat rep.err; fail "report of the partial profile"; }
assert_contains "report finishes it" rep.err "did not finish: symbolizing it now"
# Which functions the kept samples reach depends on how fast the disk
# filled (at 20 kHz with kernel frames 1 MiB may fill while the grid is
# still being built): what holds everywhere is that the report names the
# program's own functions, main among them, from its symbols.
grep -Eq "^ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+  main +hp-julia" rep.txt ||
	{ cat rep.txt; fail "report does not name the program's main (hp-julia)"; }
echo "PASS"

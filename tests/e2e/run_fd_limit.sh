#!/bin/sh
# Wave 25: a low soft descriptor limit (`ulimit -Sn`). hpprof holds a perf
# event per CPU and kind, every module it reads, the database and its
# WAL, the preload streams: at a soft limit of 24 a run could not read
# its modules (every sample [unknown]), at 16 not create its database
# ("No such file or directory", which was not the reason either). hpprof
# now raises its own soft limit to the hard one (at most 65536) and gives
# the program the limit it was given; SQLite's "cannot open" now carries
# the system's reason.
# The truth: the program spends its time in in_root_work, and the shell
# in front of it writes the limit it sees.
. "$HP_SRC/tests/e2e/lib.sh"
P="$HP_BUILD/tests/chroot_prog"
[ -x "$P" ] || fail "chroot_prog is not built"
[ "$(sh -c 'ulimit -Hn')" = unlimited ] || [ "$(sh -c 'ulimit -Hn')" -ge 256 ] ||
	skip "the hard descriptor limit is below 256 here"
sh -c "ulimit -Sn 16 && exec \"$HPPROF\" run -o l.db sh -c 'ulimit -Sn >lim.txt; exec $P 0.3'" \
	>l.out 2>l.err || { cat l.err; fail "run failed at a soft limit of 16"; }
assert_not_contains "no module unread" l.err "cannot read module"
assert_eq "the program's own soft limit" "$(cat lim.txt)" 16
# 0.3 s of CPU: ~300 samples, all in in_root_work but the shell's start
assert_ge "in_root_work, % of the program's samples" \
	"$(fn_share_in l.db in_root_work chroot_prog)" 90
echo "PASS"

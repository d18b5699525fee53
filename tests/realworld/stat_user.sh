#!/bin/sh
# hpprof stat as a user who may not count the kernel (perf_event_paranoid
# 2, not root): counts of user space only are marked NAME:u as perf stat
# marks them, and agree with perf's; a counter that happens only in the
# kernel is not measured, never 0 (docs/realworld.md, "Wave 18").
# Runs sort as the user nobody (setpriv): needs root to switch user.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need perf linux-perf
rw_need setpriv util-linux
rw_need sort coreutils
[ "$(id -u)" = 0 ] || skip "needs root to run as the user nobody (setpriv)"
p=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
[ "$p" -ge 2 ] || skip "kernel.perf_event_paranoid is $p: any user may count the kernel here"
chmod 755 "$T"
cp "$HPPROF" "$T/hpprof" && chmod 755 "$T/hpprof" || fail "cannot copy hpprof to $T"
rw_gen text input.txt 8
chmod 644 input.txt
mkdir u && chown 65534 u || fail "cannot make a directory for nobody"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody true 2>/dev/null || skip "cannot run as the user nobody here (setpriv failed)"
nobody "$T/hpprof" stat -e task-clock,context-switches,page-faults -- sort -S 64M input.txt -o /dev/null 2>table.err ||
	fail "hpprof stat as nobody failed: $(tail -3 table.err)"
cat table.err
E=task-clock,context-switches,page-faults
for i in 1 2 3; do
	nobody perf stat -x, -e "$E" -o "$T/u/p$i.csv" -- sort -S 64M input.txt -o /dev/null ||
		fail "perf stat as nobody failed"
	nobody "$T/hpprof" stat -x, -o "$T/u/h$i.csv" -e "$E" -- sort -S 64M input.txt -o /dev/null ||
		fail "hpprof stat -x, as nobody failed"
done
"$PY" "$RW/stat_check.py" user u/p1.csv u/p2.csv u/p3.csv u/h1.csv u/h2.csv u/h3.csv ||
	fail "hpprof stat as nobody disagrees with perf stat (the checks marked FAIL above)"
echo "PASS"

#!/bin/sh
# A wait begun before the attach (wave 16): `hpprof run --off-cpu -p PID`
# on coreutils' sleep, whose only thread is asleep in nanosleep the whole
# window. No switch-out record will come for that wait; before, it was
# dropped at its switch-in (or never seen: 0 intervals, the thread 0 ms
# off the CPU in a window it spent waiting). Now it is opened when the
# attach's records are enabled, without a stack, and closed at the detach:
# exactly one interval, ending at the end of the run (by construction: the
# detach closes it after duration_ns is taken), starting after the events
# were opened (start-up allowance: half the 2 s window), and the threads
# table shows the thread 100% off the CPU.
. "$HP_SRC/tests/e2e/lib.sh"
command -v sleep >/dev/null || skip "no sleep"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT
sleep 600 &
pid=$!
# asleep before the attach: its state in /proc is S
i=0
until [ "$(awk '{ print $3 }' /proc/$pid/stat 2>/dev/null)" = S ]; do
	sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || fail "sleep never went to sleep"
done
"$HPPROF" run -q --off-cpu -p "$pid" --duration 2 -o a.db 2>err.txt || { cat err.txt; fail "attach failed"; }
off=$(q a.db "SELECT value FROM run_info WHERE key = 'off_cpu'")
case "$off" in
yes*) ;;
*) skip "off-CPU recording unavailable here: $off" ;;
esac
dur=$(q a.db "SELECT value FROM run_info WHERE key = 'duration_ns'")
ev=$(q a.db "SELECT id FROM events WHERE role = 'offcpu' AND measured")
[ -n "$ev" ] || fail "no off-CPU event in the database"
n=$(q a.db "SELECT COUNT(*) FROM samples WHERE tid = $pid AND event = $ev")
assert_eq "off-CPU intervals of the sleeping thread" "$n" 1
assert_eq "off-CPU intervals of the run" "$(q a.db "SELECT value FROM run_info WHERE key = 'offcpu_intervals'")" 1
start=$(q a.db "SELECT t_ns FROM samples WHERE tid = $pid AND event = $ev")
ns=$(q a.db "SELECT value FROM run_info WHERE key = 'offcpu_ns'")
assert_ge "its end (start + length, ns)" "$((start + ns))" "$dur"
assert_le "its start (the events' opening, ns)" "$start" "$((dur / 2))"
"$HPPROF" report --weight wall a.db >r.txt || fail "report --weight wall"
sed -n '/^Threads: running vs waiting/,/^$/p' r.txt >th.txt
grep -E "^ *$pid +$pid +0\.0 +[0-9.]+ +100\.00 +sleep" th.txt >/dev/null || { cat th.txt; fail "threads table: sleep 100% off the CPU"; }
note "threads table: $(grep -E "^ *$pid " th.txt)"
echo "PASS: offcpu_attach_asleep"

#!/bin/sh
# python_attach_asleep.sh - the waits of a CPython 3.11 program's threads
# found asleep when `hpprof run --off-cpu -p PID` attaches (docs/offcpu.md
# and docs/python.md, "Attach"): their Python frames merged into the
# native stack they are blocked in, as a switch-out's are.
#
# tests/fixtures/python/attach_asleep.py: nap (time.sleep, called from
# nap_thread), wait_lock (a Lock's acquire, from lock_thread) and
# wait_select (select.select, from main) each asleep for the whole attach,
# by construction (nothing wakes them). Each wait must hold its Python
# function and caller (the folded stack nap_thread;nap ... clock_nanosleep),
# with the function's off-CPU total >= half the attach (its thread asleep
# from the events' opening; start-up allowance: half the window), and the
# line of its call into C (the fixture's lines marked NAP_CALL...) as the
# innermost Python line; run_info python_frames counts the 3 waits as
# read from memory at the attach (not "late": the threads did not run).
# Before wave 18 these waits had their native
# frames only: no Python function had off-CPU time.
. "$HP_SRC/tests/e2e/lib.sh"
PY=/usr/bin/python3
FX="$HP_SRC/tests/fixtures/python/attach_asleep.py"
[ -x "$PY" ] || skip "no /usr/bin/python3"
case "$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" in
3.11) ;;
*) skip "/usr/bin/python3 is not CPython 3.11 (the version hpprof reads remotely)" ;;
esac
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT
"$PY" "$FX" >t.out &
pid=$!
wait_asleep "$pid" t.out READY 3 attach_asleep.py
"$HPPROF" run -q --off-cpu -p "$pid" --duration 1 -o a.db 2>err.txt || { cat err.txt; fail "attach failed"; }
kill "$pid"; wait "$pid" 2>/dev/null; pid=
off=$(q a.db "SELECT value FROM run_info WHERE key = 'off_cpu'")
case "$off" in
yes*) ;;
*) skip "off-CPU recording unavailable here: $off" ;;
esac
pf=$(q a.db "SELECT value FROM run_info WHERE key = 'python_frames'")
note "python_frames: $pf"
case "$pf" in
*"3 waits of threads found asleep at the attach read from memory then"*) ;;
*) fail "python_frames does not count the 3 waits read at the attach" ;;
esac
ev=$(q a.db "SELECT id FROM events WHERE role = 'offcpu' AND measured")
dur=$(q a.db "SELECT value FROM run_info WHERE key = 'duration_ns'")
assert_eq "off-CPU intervals" "$(q a.db "SELECT value FROM run_info WHERE key = 'offcpu_intervals'")" 3
"$HPPROF" export --format folded -w off-cpu -o a.folded a.db || fail "export folded"
for w in "nap_thread;nap:clock_nanosleep:NAP_CALL" "lock_thread;wait_lock:futex:LOCK_CALL" \
	"main;wait_select:select:SELECT_CALL"; do
	path=${w%%:*} rest=${w#*:}
	c=${rest%%:*} call=${rest#*:}
	fn=${path#*;}
	line=$(grep -F ";$path;" a.folded)
	note "$fn's wait: $line"
	[ -n "$line" ] || fail "$fn's wait: no stack with $path"
	echo "$line" | grep -q ";$path;.*$c" || fail "$fn's wait: $c not beneath $fn"
	h=$(q a.db "SELECT o.total_value FROM function_counter_stats o JOIN functions f
		ON f.id = o.function_id WHERE f.name = '$fn' AND o.event_id = $ev")
	assert_ge "$fn's off-CPU time (ns; its thread asleep from the events' opening)" "${h:-0}" "$((dur / 2))"
	want=$(grep -n "# $call\$" "$FX" | cut -d: -f1)
	got=$(q a.db "SELECT line FROM wall_line_profile WHERE function = '$fn'")
	assert_eq "$fn's line (its call into C: $call)" "$got" "$want"
done
echo "PASS: python_attach_asleep"

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
#
# Wave 17: such a wait has the stack its thread is blocked in, read from
# /proc/PID/task/TID/syscall (user SP and PC) and the thread's memory, and
# the class of its system call. offcpu_asleep (fixtures/offcpu/asleep.c):
# a thread blocked in read() of a pipe nobody writes, called from
# wait_input, one in a raw futex system call from wait_word (syscall(): no
# C library function on
# its stack names a class, only the call's number does), and the main
# thread in pthread_join of the first, called from join_reader - all
# asleep for the whole attach (by construction). Each must have one wait,
# with a stack (offcpu_no_stack 0) reaching its thread's start (unwind 0:
# these stacks unwind from SP and PC alone), holding the fixture's
# calling function (its off-CPU total = the thread's wait); the classes
# come from the system calls: futex -> lock (2 of the 3 waits, ~2/3 of
# the time), read -> I/O, none "other". Before wave 17 all were stackless
# and "other": join_reader, wait_input and wait_word had no off-CPU time.
#
# Wave 18: as root, where the switch-outs' kernel frames are recorded
# (run_info kernel_frames yes), the waits have their kernel frames beneath
# the user stack, as a switch-out's callchain: named from
# /proc/PID/task/TID/stack and kallsyms. wait_word's wait (a futex) has a
# futex_wait* function of the kernel beneath it, wait_input's (a pipe's
# read) vfs_read or ksys_read, each in "[kernel.kallsyms]"; before wave 18
# no kernel frame. Not root, or kallsyms hiding addresses: exit 77 with the
# reason, once the checks above passed.
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
kill "$pid"; wait "$pid" 2>/dev/null; pid=

F="$HP_BUILD/tests/offcpu_asleep"
[ -x "$F" ] || fail "offcpu_asleep is not built"
"$F" >fx.out &
pid=$!
wait_asleep "$pid" fx.out ready 3 offcpu_asleep
"$HPPROF" run -q --off-cpu -p "$pid" --duration 1 -o b.db 2>err.txt || { cat err.txt; fail "attach failed"; }
kill "$pid"; wait "$pid" 2>/dev/null; pid=
ev=$(q b.db "SELECT id FROM events WHERE role = 'offcpu' AND measured")
dur=$(q b.db "SELECT value FROM run_info WHERE key = 'duration_ns'")
assert_eq "off-CPU intervals of the fixture" \
	"$(q b.db "SELECT value FROM run_info WHERE key = 'offcpu_intervals'")" 3
assert_eq "waits without a stack" "$(q b.db "SELECT value FROM run_info WHERE key = 'offcpu_no_stack'")" 0
assert_eq "waits whose stack reached the thread's start (unwind 0)" \
	"$(q b.db "SELECT COUNT(*) FROM samples WHERE event = $ev AND unwind = 0")" 3
for fn in join_reader wait_input wait_word; do
	h=$(q b.db "SELECT o.total_value FROM function_counter_stats o JOIN functions f
		ON f.id = o.function_id WHERE f.name = '$fn' AND o.event_id = $ev")
	note "$fn: ${h:-0} ns off the CPU of a $dur ns attach"
	assert_ge "$fn's off-CPU time (ns; its thread asleep from the events' opening)" "${h:-0}" "$((dur / 2))"
done
"$HPPROF" report --weight wall b.db >r2.txt || fail "report --weight wall"
cls=$(grep "off-CPU by wait:" r2.txt)
note "$cls"
case "$cls" in *lock*I/O*|*I/O*lock*) ;; *) fail "classes: lock (pthread_join, futex) and I/O (read) waits expected" ;; esac
case "$cls" in *other*) fail "a wait found asleep classed other" ;; esac
# lock: two of the three waits, each the whole attach but for the ~ms
# between the threads' reads at the attach: 2/3 of the off-CPU time
lock=$(echo "$cls" | sed -n 's/.*lock [0-9.]* ms (\([0-9.]*\)%).*/\1/p')
assert_ge "lock share of the off-CPU time (%)" "${lock%.*}" 60

kf=$(q b.db "SELECT value FROM run_info WHERE key = 'kernel_frames'")
[ "$(id -u)" = 0 ] || skip "kernel frames of the waits: not root (/proc/PID/task/TID/stack is root's)"
case "$kf" in
yes*) ;;
*) skip "kernel frames of the waits: the switch-outs have none either: $kf" ;;
esac
"$HPPROF" export --format folded -w off-cpu -o b.folded b.db || fail "export folded"
for w in "wait_word:futex_wait[a-z_]*" "wait_input:(vfs_read|ksys_read)"; do
	fn=${w%%:*} k=${w#*:}
	line=$(grep ";$fn;" b.folded)
	note "$fn's wait: $line"
	echo "$line" | grep -Eq ";$fn;.*;($k)[; ]" ||
		fail "$fn's wait: no kernel function $k beneath it"
done
n=$(q b.db "SELECT COUNT(DISTINCT f.name) FROM functions f JOIN modules m ON m.id = f.module_id
	WHERE m.path = '[kernel.kallsyms]' AND (f.name LIKE 'futex_wait%' OR f.name IN ('vfs_read', 'ksys_read'))")
assert_ge "futex_wait* and read functions in [kernel.kallsyms]" "$n" 2
echo "PASS: offcpu_attach_asleep"

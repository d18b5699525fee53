#!/bin/sh
# Issue 16: `hpprof run -p PID --duration S` on a running program whose
# split is known by construction (offcpu_fixture spin: spin_a computes 1 ms
# of CPU time, spin_b 3 ms, timed with CLOCK_THREAD_CPUTIME_ID), every
# thread of a multi-threaded one, one clear message for a pid that does
# not exist or may not be traced, and --duration / --kill on a launched one.
. "$HP_SRC/tests/e2e/lib.sh"
F="$HP_BUILD/tests/offcpu_fixture"
[ -x "$F" ] || fail "offcpu_fixture is not built"
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

# start_target OUT ARGS...: the fixture in the background; TPID its pid.
start_target() {
	out=$1; shift
	"$F" "$@" >"$out" 2>&1 &
	TPID=$!
	PIDS="$PIDS $TPID"
}

# 1. attach for 2 s: shares of spin_a and spin_b, the target alive after.
start_target spin.txt spin 60
i=0; until grep -q ready spin.txt; do sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || fail "fixture not ready"; done
"$HPPROF" run -q -F 4000 -p "$TPID" --duration 2 -o a.db 2>err.txt || { cat err.txt; fail "attach failed"; }
kill -0 "$TPID" 2>/dev/null || fail "the target died when hpprof detached"
note "target $TPID still running after the detach"
dur=$(q a.db "SELECT value FROM run_info WHERE key = 'duration_ns'")
assert_ge "duration_ns" "$dur" 1900000000
assert_eq "exit_status of a process that runs on" "$(q a.db "SELECT COUNT(*) FROM run_info WHERE key = 'exit_status'")" 0
kill -TERM "$TPID"; wait "$TPID" 2>/dev/null
a=$(truth spin.txt function spin_a cpu_ns)
b=$(truth spin.txt function spin_b cpu_ns)
ha=$(q a.db "SELECT total_samples FROM function_profile WHERE function = 'spin_a'")
hb=$(q a.db "SELECT total_samples FROM function_profile WHERE function = 'spin_b'")
# The split is the same in every second of the fixture's life (each loop
# iteration computes 1 + 3 ms), so the whole-life truth holds for the 2 s
# window. Skid 1 pp: the clock reads between the two calls. Plus the CPU
# time the samples did not see (lib.sh unseen_pp: a host's steal, which
# the clocks count; CI run 176 beside a CPU loop: 25.16% against 31.62%).
check_share "spin_a of spin_a + spin_b" "$ha" "$((ha + hb))" "$(ratio "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a + b }')")" \
	"$(ratio "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a + b }')")" 1 "$(unseen_pp a.db)"

# 2. every thread: four workers on a lock, attached with --off-cpu once
# the four exist (waited for, not assumed after a fixed sleep). Each of
# them is among the threads hpprof attached to. Not "each has samples":
# glibc's mutex is not fair, and at load ~25 on 2 cores the four workers
# got ~110 ms of CPU in the 1 s window, so a worker can wait through all
# of it without running (a wave 9 run: 3 of 4 sampled). Sampling beyond
# the main thread is shown by the samples of the workers (the main
# thread waits in pthread_join and never runs).
start_target mutex.txt mutex 100000
i=0; until [ "$(ls "/proc/$TPID/task" 2>/dev/null | wc -l)" -ge 5 ]; do
	sleep 0.05; i=$((i + 1)); [ $i -lt 1200 ] || fail "the fixture did not start its four workers in 60 s"
done
"$HPPROF" run -q --off-cpu -p "$TPID" --duration 1 -o m.db 2>err.txt || { cat err.txt; fail "attach (threads) failed"; }
kill -0 "$TPID" 2>/dev/null || fail "the multi-threaded target died when hpprof detached"
tids=$(ls "/proc/$TPID/task")
for tid in $tids; do
	note "thread $tid: $(q m.db "SELECT COUNT(*) FROM samples WHERE tid = $tid AND event = 0") on-CPU samples," \
		"$(q m.db "SELECT COUNT(*) FROM samples WHERE tid = $tid AND event != 0") off-CPU"
	assert_eq "thread $tid among the threads attached" "$(q m.db "SELECT COUNT(*) FROM threads WHERE tid = $tid AND pid = $TPID")" 1
done
assert_ge "workers with on-CPU samples" "$(q m.db "SELECT COUNT(*) FROM thread_profile WHERE tid != $TPID")" 1
assert_eq "samples of threads not the target's" "$(q m.db "SELECT COUNT(*) FROM samples WHERE tid NOT IN ($(echo $tids | tr ' ' ','))")" 0
# Off-CPU recorded: its intervals counted, or, when the workers' switch
# rate went over the budget and the switch records were gated (then the
# count is unknown and not stored: docs/offcpu.md; a fresh chroot's make
# test beside other jobs, wave 20), said so in run_info, with off-CPU
# samples stored.
iv=$(q m.db "SELECT value FROM run_info WHERE key = 'offcpu_intervals'")
if [ -n "$iv" ]; then
	assert_ge "off-CPU intervals" "$iv" 1
else
	q m.db "SELECT value FROM run_info WHERE key = 'off_cpu'" >offcpu.txt
	assert_contains "off_cpu without an interval count" offcpu.txt "switch rate over the budget"
	assert_ge "off-CPU samples (switch records gated)" \
		"$(q m.db "SELECT COUNT(*) FROM samples WHERE event != 0")" 1
fi
kill "$TPID"; wait "$TPID" 2>/dev/null

# 3. a pid that does not exist: one line, exit 2, no file.
( sleep 0.01 ) & gone=$!; wait $gone
"$HPPROF" run -p "$gone" -o g.db >out.txt 2>err.txt && fail "attach to a missing pid succeeded"
assert_eq "stderr lines" "$(wc -l <err.txt)" 1
assert_contains "missing pid message" err.txt "cannot attach to process $gone: no such process"
[ -e g.db ] && fail "a file was written for a missing pid"

# 4. a pid we may not trace: as nobody, a root-owned target.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	start_target spin2.txt spin 30
	nobody_copy
	mkdir -p nob && chmod 777 nob
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$NB_HPPROF" run -p "$TPID" -o nob/x.db \
		>out.txt 2>err.txt && fail "nobody attached to a root process"
	assert_eq "stderr lines" "$(wc -l <err.txt)" 1
	assert_contains "forbidden pid message" err.txt "cannot attach to process $TPID: not permitted"
	kill -0 "$TPID" 2>/dev/null || fail "the target died"
	kill "$TPID"
else
	note "not root or no setpriv/nobody: the 'not permitted' case is not checked"
fi

# 5. --duration on a launched program: it runs on; with --kill it ends.
"$HPPROF" run -q --duration 1 -o d.db -- "$F" spin 30 >d.txt 2>err.txt || { cat err.txt; fail "--duration failed"; }
p=$(sed -n 's/^ready pid=//p' d.txt)
[ -n "$p" ] && kill -0 "$p" 2>/dev/null || fail "the launched program did not run on after --duration"
PIDS="$PIDS $p"
kill "$p"
"$HPPROF" run -q --duration 1 --kill -o k.db -- "$F" spin 30 >k.txt 2>err.txt || { cat err.txt; fail "--kill failed"; }
p=$(sed -n 's/^ready pid=//p' k.txt)
sleep 0.1
kill -0 "$p" 2>/dev/null && fail "--kill left the program running"
assert_contains "the program ended by SIGTERM printed its truth" k.txt "truth scope=function name=spin_a"
assert_eq "exit_status after --kill" "$(q k.db "SELECT value FROM run_info WHERE key = 'exit_status'")" 0

# 6. a main thread that ends with pthread_exit while a worker runs on
# (offcpu_fixture leaderexit: at SIGUSR1 the main thread leaves, the worker
# computes 1,500 ms of CPU in orphan_work, timed by itself, then the
# process exits). The process lives while any thread does: the profile
# goes on to the worker's end (it stopped at the main thread's exit), and
# the worker's stacks are unwound from its own memory map (the zombie main
# thread's /proc/PID/maps is empty).
wait_ready() { i=0; until grep -q ready "$1"; do sleep 0.05; i=$((i + 1)); [ $i -lt 400 ] || fail "fixture not ready"; done; }
start_target le.txt leaderexit 1500
wait_ready le.txt
"$HPPROF" run -q -p "$TPID" -o le.db 2>le_err.txt &
HP=$!
# The profile's clock (duration_ns) starts before the session opens the
# targets' events: once hpprof holds more perf events than the three it
# holds on itself from its start (one per software type: context-switches,
# cpu-migrations, page-faults; cmd/run_events.c), the worker's CPU that
# follows the signal is within the profile. (Counting any perf event was
# not enough: as root hpprof reads kallsyms for the asleep threads' kernel
# frames between the two, 50-180 ms; CI run 97 sent the signal then.)
i=0; until [ "$(ls -l "/proc/$HP/fd" 2>/dev/null | grep -c perf_event)" -gt 3 ]; do
	sleep 0.02; i=$((i + 1)); [ $i -lt 3000 ] || fail "hpprof did not open its events in 60 s"
done
kill -USR1 "$TPID"
wait "$HP" || { cat le_err.txt; fail "attach to a process whose main thread exits failed"; }
wait "$TPID" 2>/dev/null
cpu=$(truth le.txt function orphan_work cpu_ns)
dur=$(q le.db "SELECT value FROM run_info WHERE key = 'duration_ns'")
n=$(q le.db "SELECT COALESCE(SUM(total_samples), 0) FROM function_profile WHERE function = 'orphan_work'")
assert_ge "duration_ns (the profile lasts through the worker's $cpu ns of CPU)" "$dur" "$cpu"
# expected cpu_ns x 1000 Hz samples (~1,500; Poisson error ~3%); allowance
# 27% for records lost under load (counted) and the sampler's start
assert_ge "orphan_work samples (expected $((cpu / 1000000)))" "$n" "$((cpu * 7 / 10 / 1000000))"
# attached after the main thread's exit: the worker is still a process
start_target le2.txt leaderexit 1500
wait_ready le2.txt
kill -USR1 "$TPID"
i=0; until grep -q '^State:.Z' "/proc/$TPID/status" 2>/dev/null; do
	sleep 0.01; i=$((i + 1)); [ $i -lt 3000 ] || fail "the main thread did not exit"
done
"$HPPROF" run -q -p "$TPID" -o le2.db 2>le_err.txt || { cat le_err.txt; fail "attach after the main thread's exit failed"; }
wait "$TPID" 2>/dev/null
# the worker computes 1,500 ms; hpprof's start takes far less of its CPU
assert_ge "orphan_work samples when attached late" \
	"$(q le2.db "SELECT COALESCE(SUM(total_samples), 0) FROM function_profile WHERE function = 'orphan_work'")" 100

#!/bin/sh
# Records lost at the end of a run (wave 20, collector/session_lost.c).
# The kernel reports a ring's losses with a LOST record written before the
# next record that fits, so a ring still full when the run ends never
# reports its last ones. The test makes that happen by construction, not
# by timing: hpprof is stopped (SIGSTOP) while the target, offcpu_held
# (tests/fixtures/offcpu/held.c), computes 300 ms of CPU and makes 2,000 pipe round trips between
# two threads, then exits; only then does hpprof continue. Its rings fill
# while it is stopped (the CPU ring holds 64 samples of the 64 KiB copy,
# the stack ring 128 switch-out stacks of 16 KiB), and nothing is written
# after the target's end: the stack ring, which holds only stacks (no
# small record to carry a LOST report), never reports its losses.
#
# Checks (each switch-out sampled while the stack samplers were on, and
# the gate cannot turn them off while hpprof is stopped):
#  - every wait written without a stack lost its switch-out sample:
#    lost_samples >= offcpu_no_stack (before the fix: 255 lost against
#    3,924 stackless waits: only the CPU ring's losses, which the target's
#    exit records reported);
#  - by construction, the stacks hpprof received + the stacks the kernel
#    counted lost <= the stack samplers' own count of switch-outs
#    (--debug=run lines; equal unless the kernel throttled a sampler);
#  - the CPU samples: stored + the kernel's lost count of the CPU ring =
#    the target's CPU time / the 1 ms period (-c 1000000 of cpu-clock), to
#    10% (the sampler's period is CPU time: user + system, and a few
#    page-fault samples and task records share the ring's losses); the
#    lower bound less the time the fixture's own clock jumped by more than
#    a period (gap_ns: a host that took the vCPU away, which the timer
#    sees once; CI run 172 beside a CPU loop: 239 samples for 341 ms);
#  - lost_count 'kernel'. A quiet run (-F 100: 64 samples fill no ring in
#    its 0.3 s of CPU) has lost_samples 0, counted by the kernel; and a
#    profile whose lost figure is a lower bound (lost_count 'reported only
#    ...', a kernel before 6.0) shows it as one in report.
. "$HP_SRC/tests/e2e/lib.sh"
F="$HP_BUILD/tests/offcpu_fixture" H="$HP_BUILD/tests/offcpu_held"
[ -x "$F" ] && [ -x "$H" ] || fail "offcpu_fixture or offcpu_held is not built"
hp= fx=
trap '[ -n "$hp" ] && kill -CONT "$hp" 2>/dev/null; [ -n "$fx" ] && kill "$fx" 2>/dev/null; rm -rf "$T"' EXIT
state() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null; }
info() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
# debug KIND FIELD: from "lost KIND: N counted by the kernel, M reported"
debug() { sed -n "s/.*\[run\] lost $1: \([0-9]*\) counted by the kernel, \([0-9]*\) reported/\\$2/p" err.txt; }

"$HPPROF" --debug=run run -c 1000000 -o l.db -- "$H" 300 2000 >out.txt 2>err.txt &
hp=$!
w=0
until grep -q '^ready pid=' out.txt 2>/dev/null; do
	w=$((w + 1)); [ $w -lt 600 ] || { cat err.txt; fail "the fixture did not start"; }
	sleep 0.1
done
fx=$(sed -n 's/^ready pid=//p' out.txt)
kill -STOP "$hp"
kill -USR1 "$fx"
w=0
until [ "$(state "$fx")" = Z ]; do           # it ended; hpprof, stopped, has not reaped it
	w=$((w + 1)); [ $w -lt 1200 ] || fail "the fixture did not end in 120 s"
	sleep 0.1
done
fx=
kill -CONT "$hp"
wait "$hp" || { cat err.txt >&2; fail "hpprof run failed"; }
hp=
off=$(info l.db off_cpu)
case "$off" in
yes*) ;;
*) skip "off-CPU recording unavailable here: $off" ;;
esac
lost=$(info l.db lost_samples) bare=$(info l.db offcpu_no_stack) n=$(info l.db samples)
grep -E "\[run\] (lost|stack samples)" err.txt | sed 's/^/# /'
note "lost_samples $lost, offcpu_no_stack $bare, samples $n"
assert_eq "lost_count" "$(info l.db lost_count)" kernel
assert_ge "stackless waits (the end's losses)" "$bare" 1000
assert_ge "lost_samples, against the waits without a stack" "$lost" "$bare"
taken=$(sed -n 's/.*stack samples: taken \([0-9]*\), received.*/\1/p' err.txt)
got=$(sed -n 's/.*stack samples: taken [0-9]*, received \([0-9]*\)/\1/p' err.txt)
# = in the runs here (4,091 = 156 + 3,935); <= allows for switch-outs the
# kernel counted while it throttled the sampler (no sample, no loss)
assert_le "stacks received + counted lost, against the switch-outs sampled" \
	"$((got + $(debug stacks 1)))" "$taken"
assert_eq "stacks the kernel reported lost" "$(debug stacks 2)" 0
cpu_ms=$(q l.db "SELECT CAST(1000 * (SELECT value FROM run_info WHERE key = 'user_s')
	+ 1000 * (SELECT value FROM run_info WHERE key = 'sys_s') AS INTEGER)")
taken_cpu=$((n + $(debug samples 1)))
gap_ms=$(awk -v g="$(truth out.txt function held_work gap_ns)" 'BEGIN { printf "%d", g / 1e6 }')
note "CPU samples taken: $taken_cpu for $cpu_ms ms of the target's CPU, $gap_ms ms of it in jumps of its clock"
assert_ge "CPU samples stored + lost" "$taken_cpu" \
	"$(awk -v c="$cpu_ms" -v g="$gap_ms" 'BEGIN { print 0.9 * (c - g) }')"
assert_le "CPU samples stored + lost" "$taken_cpu" "$(awk -v c="$cpu_ms" 'BEGIN { print 1.1 * c + 10 }')"

# no losses: 0, and counted
"$HPPROF" run -q -F 100 -o z.db -- "$F" sleep 6 >/dev/null 2>err.txt || { cat err.txt; fail "run failed"; }
assert_eq "a quiet run's lost_samples" "$(info z.db lost_samples)" 0
assert_eq "a quiet run's lost_count" "$(info z.db lost_count)" kernel
"$HPPROF" report z.db >r.txt 2>&1 || { cat r.txt; fail "report failed"; }
assert_contains "report: 0 lost" r.txt "lost: 0 "

# a lower bound is shown as one
q z.db "UPDATE meta SET value = 'reported only (test)' WHERE key = 'lost_count'"
"$HPPROF" report z.db >r.txt 2>&1 || { cat r.txt; fail "report failed"; }
assert_contains "report: a lower bound" r.txt "lost: >= 0 (reported only)"
echo "PASS: run_lost_end"

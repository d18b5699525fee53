#!/bin/sh
# Issue 16, the cost of --off-cpu per context switch: every perf event on
# the target is scheduled out and in at each of its switches, so
# `run --off-cpu` opens as few as it can (docs/offcpu.md, "What it
# costs"). Counted by construction, from the perf event fds hpprof holds
# while the target runs:
#  - --off-cpu adds two events per CPU to a default run, with or without
#    the page-fault sampler: the context-switch stack sampler and a dummy
#    event for the SWITCH records (from wave 8 to 9 the records rode on the
#    page-fault sampler, one event less; since wave 9 they are gated at
#    high switch rates, which the fault samples must not be);
#  - the intervals are timed either way: the fixture's sleeps (its own
#    CLOCK_MONOTONIC) are off-CPU time;
#  - the page-fault sampler still delivers its samples with --off-cpu.
. "$HP_SRC/tests/e2e/lib.sh"
F="$HP_BUILD/tests/offcpu_fixture"
[ -x "$F" ] || fail "offcpu_fixture is not built"

# perf event fds of `hpprof run ARGS -- offcpu_fixture spin 2`, counted
# once the fixture runs (its events are open from before its exec)
events() {
	"$HPPROF" run -q "$@" -o e.db -- "$F" spin 2 >/dev/null 2>err.txt &
	hp=$!
	n=
	for _ in $(seq 200); do
		if pgrep -P "$hp" -x offcpu_fixture >/dev/null; then
			n=$(ls -l /proc/$hp/fd 2>/dev/null | grep -c perf_event)
			break
		fi
		sleep 0.05
	done
	wait $hp || { cat err.txt >&2; fail "hpprof run $* failed"; }
	[ -n "$n" ] || fail "the fixture never started under hpprof run $*"
	echo "$n"
}

"$HPPROF" run -q --off-cpu -o s.db -- "$F" sleep 8 >out.txt 2>err.txt ||
	{ cat err.txt; fail "run failed"; }
off=$(q s.db "SELECT value FROM run_info WHERE key = 'off_cpu'")
case "$off" in
yes*) ;;
*) skip "off-CPU recording unavailable here: $off" ;;
esac

ncpu=$(getconf _NPROCESSORS_ONLN)
[ "$ncpu" = "$(getconf _NPROCESSORS_CONF)" ] || skip "offline CPUs: events per CPU not countable"
base=$(events --no-off-cpu)
with=$(events --off-cpu)
base0=$(events --no-off-cpu --fault-period 0)
with0=$(events --off-cpu --fault-period 0)
note "perf events: $base without --off-cpu, $with with ($ncpu CPUs); --fault-period 0: $base0, $with0"
assert_eq "events --off-cpu adds per CPU" "$(( (with - base) / ncpu )):$(( (with - base) % ncpu ))" "2:0"
assert_eq "events --off-cpu adds per CPU, no fault sampler" \
	"$(( (with0 - base0) / ncpu )):$(( (with0 - base0) % ncpu ))" "2:0"

# With a fault sampler: its fault samples arrive (offcpu_sleep checks the
# sleeps' shares).
assert_ge "fault samples with --off-cpu" \
	"$(q s.db "SELECT value FROM run_info WHERE key = 'fault_samples'")" 1
# Without a fault sampler: the dummy's records time them. The sleep phases
# are off the CPU by construction: the off-CPU time covers >= 90% of them
# (the rest: the syscall's entry and exit on the CPU, a busy machine's
# late wake-up is off-CPU too).
"$HPPROF" run -q --off-cpu --fault-period 0 -o z.db -- "$F" sleep 8 >out.txt 2>err.txt ||
	{ cat err.txt; fail "run --fault-period 0 failed"; }
slp=$(truth out.txt phase sleep_phase wall_ns)
offns=$(q z.db "SELECT value FROM run_info WHERE key = 'offcpu_ns'")
note "--fault-period 0: offcpu_ns $offns, the fixture's sleep_phase $slp ns"
assert_ge "off-CPU ns / sleep ns without a fault sampler" "$(ratio "$offns" "$slp")" 0.9
exit 0

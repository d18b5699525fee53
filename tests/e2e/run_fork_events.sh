#!/bin/sh
# Wave 19 (docs/realworld.md, "Wave 19: fork-heavy programs' kernel
# share"): every process the target forks inherits each of hpprof's perf
# events, and the kernel allocates, schedules and frees each copy (~2 us of
# system time per event and child, measured). Counters read only at the end
# (all software ones, the default on a machine without a PMU) form one
# group on the task (cpu -1), inherited once, not once per CPU.
#
# The truths:
# 1. the events on the target, counted in the kernel's file table of hpprof
#    by the target itself (`ls -l /proc/$PPID/fd`: hpprof is its parent):
#    one more counter (-e task-clock,cpu-clock against -e task-clock; clock
#    types are not held by hpprof, cmd/run_events.c) is one more event, not
#    one per CPU. Needs two CPUs to tell the two apart. And the page-faults
#    counter, with the page-fault sampler on (--fault-period 32), is no
#    event at all: its total is the fault samplers' count.
# 2. the task group's total sums every child: task-clock over a fork storm
#    run under `perf stat -e task-clock` as hpprof's target. hpprof counts
#    perf and the storm, perf the storm: hpprof's total is at least perf's
#    and at most perf's plus 100 ms (perf's own start-up and exit, ~10-30
#    ms here) plus 2% of perf's. (Both count less than the kernel's
#    runtime in rusage, ~25% of a fork storm's: an exiting child's last
#    part runs after its events are gone; perf stat alone shows the same.
#    Whose events go first in that part varies, and load stretches it:
#    39-51 ms apart on wave 26's machine, quiet and beside a CPU loop,
#    4 runs; 156 ms of 4.94 s in CI run 162, beside a CPU loop and a
#    test: the 2%.) The same
#    for page-faults, read from the fault samplers: at least perf's, at
#    most perf's plus 5,000 (perf's own start-up: ~1,030 faults here).
. "$HP_SRC/tests/e2e/lib.sh"
FS="$HP_BUILD/tests/forkstorm"
ncpu=$(getconf _NPROCESSORS_CONF)
[ "$ncpu" -ge 2 ] || skip "one CPU: per-CPU and per-task counters open as many events"
[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed (Debian package time)"

events() {
	"$HPPROF" run -q --no-off-cpu --fault-period "${FP:-0}" --mem-interval 0 -o "$1.db" -e "$2" -- \
		sh -c 'ls -l /proc/$PPID/fd | grep -c "perf_event"' 2>err.txt ||
		{ cat err.txt; fail "run -e $2"; }
}
one=$(events one task-clock)
two=$(events two task-clock,cpu-clock)
note "perf events of hpprof on $ncpu CPUs: $one with -e task-clock, $two with -e task-clock,cpu-clock"
clk=$(q two.db "SELECT role FROM events WHERE name = 'cpu-clock' AND id > 0")
[ "$clk" = total ] || skip "counters read with the samples here (role '$clk'): per-CPU groups"
assert_eq "events one more whole-run counter adds" "$((two - one))" 1
one=$(FP=32 events fone task-clock)
two=$(FP=32 events ftwo task-clock,page-faults)
note "with the fault sampler: $one with -e task-clock, $two with -e task-clock,page-faults"
assert_eq "events the page-faults counter adds beside the fault sampler" "$((two - one))" 0

perf stat -x, -e task-clock -o /dev/null true 2>/dev/null || { note "no perf stat: totals not checked"; echo PASS; exit 0; }
"$HPPROF" run -q -o storm.db -e task-clock,page-faults -- \
	perf stat -x, -e task-clock,page-faults -o stat.txt -- "$FS" 2000 >out.txt 2>err.txt ||
	{ cat err.txt; fail "run forkstorm"; }
assert_contains "the fixture's children" out.txt "forkstorm: 2000 children"
tc=$(q storm.db "SELECT total FROM events WHERE name = 'task-clock'")
ps=$(awk -F, '$3 == "task-clock" { printf "%.0f", $1 * 1e6 }' stat.txt)   # %d: mawk stops at 2^31 - 1
note "task-clock: hpprof $tc ns, perf stat $ps ns"
assert_ge "hpprof's task-clock (perf's and the storm's)" "$tc" "$ps"
assert_le "hpprof's task-clock" "$tc" "$((ps + 100000000 + ps / 50))"
pf=$(q storm.db "SELECT total FROM events WHERE name = 'page-faults'")
sf=$(q storm.db "SELECT total FROM events WHERE name = 'page-faults:sampled'")
pp=$(awk -F, '$3 == "page-faults" { print $1 }' stat.txt)
note "page-faults: hpprof $pf (fault samplers $sf), perf stat $pp"
assert_ge "hpprof's page-faults (perf's and the storm's)" "$pf" "$pp"
assert_le "hpprof's page-faults" "$pf" "$((pp + 5000))"
echo PASS

#!/bin/sh
# The run loop wakes for a reason (collector/session.c, sample_loop): a
# ring at its watermark, the target's exit (its pidfd), the RSS readings
# due, the off-CPU gate's beat, or 100 ms without any. Its rounds are
# counted by --debug=run:1 and checked against truths of the run:
# - a ring whose events hung up (every task of the target gone) is polled
#   no more: the kernel reports POLLHUP at every poll after, and the
#   target's exit goes on (it frees its memory after its perf events have
#   exited) before its pidfd says it ended; a loop that kept polling the
#   ring spun through that: 1,400-3,400 rounds for a target of 300 MB.
#   At most one hang-up per ring (a CPU, switch and stack ring per CPU);
# - without off-CPU events and RSS readings, the rounds are at most the
#   ring wake-ups the records can cause (each wake-up needs a quarter of a
#   ring written since the last: bytes of the records / watermark, a
#   record taking at most its stack copy + 2 KiB), plus one per ring, the
#   100 ms idle timeouts over the run's duration, and the exit's.
. "$HP_SRC/tests/e2e/lib.sh"
F="$HP_BUILD/tests/loop_fixture"
[ -x "$F" ] || fail "loop_fixture is not built"
ncpu=$(getconf _NPROCESSORS_CONF)

# count FILE KEY: a count from the "run loop:" line of --debug=run:1
count() {
	sed -n "s/.*\[run\] run loop: .*[ (]$2 \([0-9][0-9]*\)[,;)].*/\1/p" "$1" | head -n 1
}

"$HPPROF" --debug=run:1,perf:1 run -q --mem-interval 0 -o big.db "$F" 200 100 >out.txt 2>err.txt ||
	{ cat err.txt; fail "run of a 200 MiB target failed"; }
grep "run loop:" err.txt
hup=$(count err.txt "rings hung up")
[ -n "$hup" ] || { cat err.txt; fail "no 'rings hung up' count in --debug=run:1"; }
assert_le "rings hung up (one each at most: 3 rings per CPU)" "$hup" $((3 * ncpu))
rounds=$(sed -n 's/.*\[run\] run loop: \([0-9]*\) rounds.*/\1/p' err.txt)
dur=$(q big.db "SELECT value FROM run_info WHERE key = 'duration_ns'")
note "200 MiB target: $rounds rounds in $((dur / 1000000)) ms (load $(cut -d' ' -f1-3 /proc/loadavg))"

"$HPPROF" --debug=run:1,perf:1 run -q --no-off-cpu --mem-interval 0 -o cpu.db "$F" 64 400 \
	>out.txt 2>err.txt || { cat err.txt; fail "run without off-CPU events failed"; }
grep "run loop:" err.txt
pages=$(sed -n 's/.*rings: \([0-9]*\) pages per CPU.*/\1/p' err.txt | head -n 1)
[ -n "$pages" ] || { cat err.txt; fail "no ring size in --debug=perf"; }
rounds=$(sed -n 's/.*\[run\] run loop: \([0-9]*\) rounds.*/\1/p' err.txt)
v() { q cpu.db "SELECT value FROM run_info WHERE key = '$1'"; }
samples=$(v samples); faults=$(v fault_samples); copy=$(v stack_size); dur=$(v duration_ns)
bound=$(awk -v s="$samples" -v f="$faults" -v c="$copy" -v p="$pages" -v d="$dur" -v n="$ncpu" \
	'BEGIN { wm = p * 4096 / 4
		 printf "%d", (s * (c + 2048) + f * (16384 + 2048)) / wm + n + d / 1e8 + 1 + 2 }')
note "$samples samples, $faults fault samples of a ${copy}-byte copy, rings of $pages pages, $((dur / 1000000)) ms"
assert_le "loop rounds (ring wake-ups the records can cause, idle timeouts, the exit)" "$rounds" "$bound"
echo "PASS"

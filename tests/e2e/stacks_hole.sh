#!/bin/sh
# stacks_hole.sh - a function whose frame has pages it has not touched yet:
# the kernel's copy of the stack stops below its return address at every
# sample taken in it (perf's stacks stop there too). hpprof holds those
# samples and completes them from the thread's next complete sample that
# has the same function at the same stack pointer (collector/stackjoin.h):
# run_info joined_stacks. When the hole is never filled, nothing is
# guessed: the samples stay incomplete and the run says why (hole_stacks).
#
# Truth from the fixture (tests/fixtures/stacks/hole.c): hole_pages, the
# pages mincore() found not resident under the frame when phase 1 began;
# phase1_s and phase2_s, its thread CPU seconds in each phase. The sampler
# fires once per 1/frequency of the thread's CPU time, so phase 1 holds
# phase1_s * frequency samples, less those lost (run_info lost_samples);
# allowance 10% for the samples of phase 1's first and last milliseconds
# and the kernel's timer slack; and less the CPU time the run's samples did
# not see (lib.sh unseen_s: a host's steal, all of which may have fallen
# in the phase; CI run 176 beside a CPU loop: 404 joined for 0.501 s,
# 0.102 s unseen).
. "$HP_SRC/tests/e2e/lib.sh"
hole=$1

samples_of() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }

# 1. The hole is filled after phase 1: its samples are joined.
"$HPPROF" run -o h.db "$hole" 0.5 >out.txt 2>err.txt || { cat err.txt; fail "run failed"; }
cat err.txt
assert_ge "pages of the frame not resident (the fixture's mincore)" "$(truth out.txt process hole hole_pages)" 1
p1=$(truth out.txt process hole phase1_s)
freq=$(samples_of h.db frequency)
lost=$(samples_of h.db lost_samples)
n=$(samples_of h.db samples)
c=$(samples_of h.db complete_stacks)
j=$(samples_of h.db joined_stacks)
want=$(awk -v p="$p1" -v f="$freq" -v l="$lost" -v u="$(unseen_s h.db)" 'BEGIN { print 0.9 * (p - u) * f - l }')
# CI run 160 read 367 joined with 37 lost (once; 0 lost and all joined in
# 12 runs here, 6 of them beside two CPU loops): where the rest went
note "samples $n, complete $c, joined $j, stopped at the hole $(samples_of h.db hole_stacks)," \
	"cut by the copy $(samples_of h.db cut_stacks), by end: $(q h.db "SELECT GROUP_CONCAT(unwind || ':' || n)
	FROM (SELECT unwind, COUNT(*) AS n FROM samples WHERE event = 0 GROUP BY unwind)")"
assert_ge "joined stacks (phase 1: $p1 s at $freq Hz, $lost lost)" "$j" "$want"
# every sample is complete but the start-up's few in the dynamic loader's
# early code; without the join, phase 1's half were not
assert_ge "complete stacks %" "$(awk -v c="$c" -v n="$n" 'BEGIN { print 100 * c / n }')" 98
r=$(q h.db "SELECT total_samples FROM function_profile WHERE function = 'main'")
s=$(q h.db "SELECT SUM(self_samples) FROM function_profile WHERE function LIKE 'spin%'")
assert_ge "spin's samples under main" "$r" "$s"
# joined samples have the callers of the frame they were joined at: big_frame's
bad=$(q h.db "SELECT COUNT(*) FROM samples s WHERE s.unwind = 5 AND s.event = 0 AND NOT EXISTS (
	WITH RECURSIVE up(id) AS (SELECT s.stack_id UNION ALL
		SELECT n.parent FROM stack_nodes n JOIN up ON n.id = up.id WHERE n.parent <> 0)
	SELECT 1 FROM up JOIN stack_nodes n ON n.id = up.id
	JOIN location_frames l ON l.location_id = n.location_id
	JOIN functions f ON f.id = l.function_id WHERE f.name = 'main')")
assert_eq "joined samples without main above them" "$bad" 0

# 1b. The same with naps below the hole: the switch-out stacks (a 16 KiB
# copy, and the hole) are completed from the thread's next CPU sample too.
# Truth: the fixture's naps (naps1, naps2); each nap is one interval with
# usleep on its stack. Allowance 2: the last nap of phase 2 may have no
# later sample in big_frame's frame (the program returns from it).
"$HPPROF" run -o n.db "$hole" 0.3 nap >out.txt 2>err.txt || { cat err.txt; fail "run failed"; }
naps=$(( $(truth out.txt process hole naps1) + $(truth out.txt process hole naps2) ))
assert_ge "naps (the fixture's count)" "$naps" 10
oc=$(q n.db "SELECT value FROM run_info WHERE key = 'off_cpu'")
has() {  # has FUNCTION: the condition that the sample s has FUNCTION on its stack
	echo "EXISTS (WITH RECURSIVE up(id) AS (SELECT s.stack_id UNION ALL
		SELECT n.parent FROM stack_nodes n JOIN up ON n.id = up.id WHERE n.parent <> 0)
	SELECT 1 FROM up JOIN stack_nodes n ON n.id = up.id
	JOIN location_frames l ON l.location_id = n.location_id
	JOIN functions f ON f.id = l.function_id WHERE f.name = '$1')"
}
off="s.event = (SELECT id FROM events WHERE role = 'offcpu')"
if [ "$oc" = yes ]; then
	nn=$(q n.db "SELECT COUNT(*) FROM samples s WHERE $off AND $(has usleep)")
	nm=$(q n.db "SELECT COUNT(*) FROM samples s WHERE $off AND $(has usleep) AND $(has main)")
	assert_ge "off-CPU intervals in usleep" "$nn" "$((naps * 9 / 10))"
	assert_ge "of them, with main above (joined)" "$nm" "$((nn - 2))"
else
	note "off-CPU stacks not recorded here ($oc): the switch-out part not checked"
fi

# 1c. Attached for 0.5 s to a program sleeping 100 ms at a time below a
# hole it keeps: the interval still open at the end (held, its stack cut)
# is written too. Truth: every interval counted is a row but those gated
# off.
if [ "$oc" = yes ]; then
	"$hole" 0.3 keep longnap >/dev/null &
	pid=$!
	sleep 0.3
	"$HPPROF" run -p "$pid" --duration 0.5 -o a.db >/dev/null 2>err.txt ||
		{ cat err.txt; kill "$pid"; fail "attach failed"; }
	kill "$pid"
	wait "$pid" 2>/dev/null
	iv=$(q a.db "SELECT value FROM run_info WHERE key = 'offcpu_intervals'")
	un=$(q a.db "SELECT value FROM run_info WHERE key = 'offcpu_unsampled'")
	sm=$(q a.db "SELECT value FROM run_info WHERE key = 'offcpu_sampled'")
	rows=$(q a.db "SELECT COUNT(*) FROM samples s WHERE $off")
	if [ -n "$iv" ]; then
		assert_ge "attached: off-CPU intervals (0.5 s of 100 ms naps)" "$iv" 2
		assert_eq "attached: off-CPU rows = intervals - unsampled ($iv - $un)" "$rows" \
			"$((iv - un))"
	else
		# the switch records went off while the program slept (the gate:
		# docs/offcpu.md): no exact count then, by design (NULL; 1 run in
		# 12 here, the wave-25 build too); the rows are the sampled ones
		note "attached: switch records gated off for a while: no interval count"
		assert_ge "attached: off-CPU intervals sampled (0.5 s of 100 ms naps)" "$sm" 2
		assert_eq "attached: off-CPU rows = intervals sampled" "$rows" "$sm"
	fi
fi

# 2. The hole stays: nothing to join with, nothing guessed, and said.
"$HPPROF" run -o k.db "$hole" 0.3 keep >out.txt 2>err.txt || { cat err.txt; fail "run failed"; }
cat err.txt
assert_ge "pages of the frame not resident (keep)" "$(truth out.txt process hole hole_pages)" 1
p=$(awk -v a="$(truth out.txt process hole phase1_s)" -v b="$(truth out.txt process hole phase2_s)" 'BEGIN { print a + b }')
assert_eq "joined stacks (keep)" "$(samples_of k.db joined_stacks)" 0
want=$(awk -v p="$p" -v f="$(samples_of k.db frequency)" -v l="$(samples_of k.db lost_samples)" \
	-v u="$(unseen_s k.db)" 'BEGIN { print 0.9 * (p - u) * f - l }')
assert_ge "stacks stopped at the hole (keep: $p s)" "$(samples_of k.db hole_stacks)" "$want"
assert_contains "run says why they are incomplete" err.txt "stopped at a stack page the kernel could not copy"
"$HPPROF" report k.db >rep.txt 2>&1 || fail "report failed"
assert_contains "report says it too" rep.txt "stopped at a stack page the kernel could not copy"

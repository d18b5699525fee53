#!/bin/sh
# Off-CPU time of a launched CPython 3.11 program, which the preload agent
# samples (docs/offcpu.md, "Under the preload agent"; docs/python.md): the
# agent takes the CPU samples with their Python frames, perf's
# context-switch events the waits, whose switch-out stacks get their
# Python frames from the BPF reader (loaded before the fork). Fixture:
# sleep_busy.py, busy() spinning 25 ms of CPU and waiter() sleeping 25 ms,
# 40 rounds, waiter measuring its own sleeps (time.monotonic around
# time.sleep) and printing their sum (truth sleep_ns).
#
#   launched  `hpprof run python3.11 sleep_busy.py`: run_info off_cpu says
#             yes; the off-CPU time under waiter's Python frame is its own
#             measured sleep within 15% + 1 ms per sleep (the allowance:
#             the time between waiter's clock reads and the switches, a
#             stack sample lost; measured: within 0.5%); waiter and busy
#             are one function each and each Python line one location
#             (the off-CPU samples' Python lines numbered as the agent's); the CPU samples stay merged (>= 99%
#             of those of Python code, as e2e_python_julia asks) and are
#             still the agent's (python_frames "in the target");
#             `report --weight off` names waiter. Before: off_cpu NULL, no
#             off-CPU row.
#   nooff     the same with --no-off-cpu: no off_cpu fact, no off-CPU event
#             row, no off-CPU sample.
#   nobpf     HPPROF_PYATTACH_NOBPF=1 (the BPF reader refused): off_cpu
#             still says yes and why its Python frames were read late.
#   unpriv    as an unprivileged user (perf_event_paranoid 2: no
#             kernel-mode sampling), --off-cpu: off_cpu says "yes, without
#             stacks" and why, the waits still timed (their total > 0).
#
# 77 where kernel-mode sampling (launched, nobpf) or the BPF reader
# (launched) is not permitted, with the reason.
. "$HP_SRC/tests/e2e/lib.sh"
PY=/usr/bin/python3.11
FX="$HP_SRC/tests/fixtures/python"
[ -x "$PY" ] || skip "python3.11 is not installed"
case_name=${1:?usage: python_offcpu.sh CASE}

kernel_ok() {
	[ "$(id -u)" = 0 ] || [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 1 ] ||
		skip "kernel-mode sampling is not permitted (perf_event_paranoid $(cat \
		/proc/sys/kernel/perf_event_paranoid)): the switch-out stacks need it"
}
fact() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
# off_under DB FUNCTION: off-CPU ns under FUNCTION's frames (its total)
off_under() {
	q "$1" "SELECT coalesce(sum(o.total_value), 0) FROM function_counter_stats o
		JOIN functions f ON f.id = o.function_id JOIN modules m ON m.id = f.module_id
		JOIN events e ON e.id = o.event_id
		WHERE e.role = 'offcpu' AND f.name = '$2' AND m.path LIKE '[python] %sleep_busy.py'"
}

case "$case_name" in
launched)
	kernel_ok
	"$HPPROF" run -o a.db "$PY" "$FX/sleep_busy.py" >t.out 2>a.err ||
		{ cat a.err >&2; fail "hpprof run python3.11 failed"; }
	assert_contains "sampled by the agent" a.err "reads its Python frames"
	off=$(fact a.db off_cpu)
	note "off_cpu: $off"
	case "$off" in yes*) ;; *) fail "run_info off_cpu is not yes: '$off'" ;; esac
	case "$off" in *"BPF reader"*) ;;
		*) skip "the BPF reader was not used: $off" ;; esac
	slept=$(awk -F'\t' '$1 == "truth" && $2 == "sleep_ns" { print $3 }' t.out)
	n=$(awk -F'\t' '$1 == "truth" && $2 == "sleeps" { print $3 }' t.out)
	got=$(off_under a.db waiter)
	note "waiter: off-CPU $got ns, its own measured sleep $slept ns ($n sleeps)"
	# allowance: 15% + 1 ms per sleep (header)
	awk -v g="$got" -v t="$slept" -v n="$n" 'BEGIN { tol = 0.15 * t + n * 1e6; d = g - t
		if (d < 0) d = -d
		printf "# |off-CPU under waiter - its sleep| = %.1f ms, tolerance %.1f ms\n", d / 1e6, tol / 1e6
		exit !(d <= tol) }' || fail "waiter's off-CPU time is not its own measured sleep"
	assert_eq "functions named waiter" "$(q a.db "SELECT count(*) FROM functions WHERE name = 'waiter'")" 1
	assert_eq "functions named busy" "$(q a.db "SELECT count(*) FROM functions WHERE name = 'busy'")" 1
	# one location per Python line (two numberings of the module gave the
	# off-CPU samples' main line 43 a second location)
	assert_eq "Python lines of sleep_busy.py with more than one location" "$(q a.db "SELECT count(*)
		FROM (SELECT lf.function_id, lf.line FROM location_frames lf
		JOIN locations l ON l.id = lf.location_id JOIN modules m ON m.id = l.module_id
		WHERE m.path LIKE '[python] %sleep_busy.py' GROUP BY 1, 2 HAVING count(*) > 1)")" 0
	case "$(fact a.db python_frames)" in "in the target"*) ;;
		*) fail "python_frames is not the agent's: $(fact a.db python_frames)" ;; esac
	m=$(fact a.db python_merged) t=$(fact a.db python_truncated)
	u=$(fact a.db python_unmerged) r=$(fact a.db python_unresolved)
	note "CPU samples: merged $m, truncated $t, unmerged $u, unresolved $r"
	assert_ge "CPU samples of Python code" "$((m + t + u + r))" 300
	assert_ge "merged share of the CPU samples" "$(awk -v m=$m -v t=$t -v u=$u -v r=$r \
		'BEGIN { printf "%.4f", (m + t) / (m + t + u + r) }')" 0.99
	"$HPPROF" report --weight off -n 40 a.db >r.txt 2>&1 || { cat r.txt >&2; fail "report --weight off"; }
	assert_contains "report --weight off names waiter" r.txt " waiter$"
	;;
nooff)
	"$HPPROF" run --no-off-cpu -o n.db "$PY" "$FX/sleep_busy.py" --rounds 10 >t.out 2>n.err ||
		{ cat n.err >&2; fail "hpprof run --no-off-cpu failed"; }
	assert_eq "off_cpu fact" "$(fact n.db off_cpu)" ""
	assert_eq "off-CPU event rows" "$(q n.db "SELECT count(*) FROM events WHERE role = 'offcpu'")" 0
	assert_eq "off-CPU samples" "$(q n.db "SELECT count(*) FROM samples WHERE event != 0 AND
		event NOT IN (SELECT id FROM events WHERE role = 'pagefault')")" 0
	;;
nobpf)
	kernel_ok
	HPPROF_PYATTACH_NOBPF=1 "$HPPROF" run -o b.db "$PY" "$FX/sleep_busy.py" --rounds 10 \
		>t.out 2>b.err || { cat b.err >&2; fail "hpprof run failed"; }
	off=$(fact b.db off_cpu)
	note "off_cpu: $off"
	# "yes (Python frames in ...", or "yes, stacks sampled (switch rate over
	# the budget ...); Python frames in ..." on a loaded machine
	case "$off" in "yes"*"Python frames in "*"read from memory later"*) ;;
		*) fail "off_cpu does not say the waits' Python frames were read late: '$off'" ;; esac
	;;
unpriv)
	[ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 2 ] ||
		skip "perf_event_paranoid < 2: an unprivileged user may sample the kernel here"
	as_nobody "$FX"
	$as "$hp" run --off-cpu -o u.db "$PY" "$fx/sleep_busy.py" --rounds 10 >t.out 2>u.err ||
		{ cat u.err >&2; fail "hpprof run --off-cpu (unprivileged) failed"; }
	off=$(fact u.db off_cpu)
	note "off_cpu: $off"
	case "$off" in "yes, without stacks (the switch-out sample is kernel-mode: "*) ;;
		*) fail "off_cpu does not say why the waits have no stacks: '$off'" ;; esac
	# the waits' weighted total (events.total): offcpu_ns, the exact total,
	# is NULL when the switch records were gated on a loaded machine (the
	# off_cpu fact then says so: "; switch rate over the budget")
	assert_ge "off-CPU time timed" "$(q u.db "SELECT total FROM events WHERE role = 'offcpu'")" 1
	ns=$(fact u.db offcpu_ns)
	[ -n "$ns" ] || case "$off" in *"switch rate over the budget"*) ;;
		*) fail "offcpu_ns is not known and off_cpu does not say why: '$off'" ;; esac
	;;
*) fail "unknown case $case_name" ;;
esac
echo "PASS: python_offcpu $case_name"

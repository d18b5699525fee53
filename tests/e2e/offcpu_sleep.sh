#!/bin/sh
# Issue 16: off-CPU time by construction. The fixture alternates ~25 ms of
# computing (compute_phase) with ~25 ms of sleeping (sleep_phase) and times
# both phases itself with CLOCK_MONOTONIC; `run --off-cpu` must give each
# phase its share of the wall time, charge the sleep to the sleep class,
# and leave the off-CPU columns NULL (not 0) in a run without --off-cpu.
. "$HP_SRC/tests/e2e/lib.sh"
F="$HP_BUILD/tests/offcpu_fixture"
[ -x "$F" ] || fail "offcpu_fixture is not built"

"$HPPROF" run -q --off-cpu -o s.db -- "$F" sleep 24 >out.txt 2>err.txt ||
	{ cat err.txt; fail "run failed"; }
off=$(q s.db "SELECT value FROM run_info WHERE key = 'off_cpu'")
case "$off" in
yes*) ;;
*) skip "off-CPU recording unavailable here: $off" ;;
esac
comp=$(truth out.txt phase compute_phase wall_ns)
slp=$(truth out.txt phase sleep_phase wall_ns)
note "truth: compute_phase $comp ns, sleep_phase $slp ns (CLOCK_MONOTONIC)"

# The error model: off-CPU intervals are timed exactly by the switch
# records; on-CPU time is cpu-clock samples x the period, whose count is
# off by at most ~sqrt(n) samples (Poisson, a bound for a timer's count).
# Tolerance on a share of the two phases: K_SIGMA x sqrt(n_on) x period /
# their wall, plus 2 pp for the phase edges (the fixture's clock reads
# between the phases, a switch straddling a phase boundary), plus the
# on-CPU time the samples did not see (run_info unseen_ns, a host's steal,
# tests/e2e/unseen.py), all of which may have been compute_phase's (CI run
# 174 beside a CPU loop: compute_phase 812.8 ms against its 1006.1 ms).
cpu_ns=$(q s.db "SELECT value FROM run_info WHERE key = 'cpu_sample_ns'")
un=$(q s.db "SELECT COALESCE((SELECT value FROM run_info WHERE key = 'unseen_ns'), 0)")
note "on-CPU time unseen by the samples: $un ns"
hc=$(q s.db "SELECT total_ns FROM wall_profile WHERE function = 'compute_phase'")
hs=$(q s.db "SELECT total_ns FROM wall_profile WHERE function = 'sleep_phase'")
non=$(q s.db "SELECT value FROM run_info WHERE key = 'samples'")
awk -v hc="$hc" -v hs="$hs" -v tc="$comp" -v ts="$slp" -v n="$non" -v per="$cpu_ns" \
    -v k="$K_SIGMA" -v un="$un" 'BEGIN {
	obs = 100 * hc / (hc + hs); tru = 100 * tc / (tc + ts)
	tol = 100 * (k * sqrt(n) * per + un) / (tc + ts) + 2
	printf "# compute_phase share of the wall time: hpprof %.2f%%, truth %.2f%%, tolerance %.2f pp\n",
		obs, tru, tol
	exit !(obs >= tru - tol && obs <= tru + tol) }' || fail "compute/sleep wall split"
# Each phase's own time, not only the split: within the same tolerance.
for f in compute_phase sleep_phase; do
	h=$(q s.db "SELECT total_ns FROM wall_profile WHERE function = '$f'")
	t=$(truth out.txt phase "$f" wall_ns)
	awk -v h="$h" -v t="$t" -v n="$non" -v per="$cpu_ns" -v k="$K_SIGMA" -v f="$f" -v un="$un" \
	    -v all="$(awk -v a="$comp" -v b="$slp" 'BEGIN { print a + b }')" 'BEGIN {
		tol = k * sqrt(n) * per + 0.02 * all + un
		printf "# %s wall: hpprof %.1f ms, truth %.1f ms, tolerance %.1f ms\n", f, h / 1e6, t / 1e6, tol / 1e6
		exit !(h >= t - tol && h <= t + tol) }' || fail "$f wall time"
done
# sleep_phase waits off the CPU: its off-CPU time is its wall time but its
# few on-CPU samples (the syscall's entry and exit).
soff=$(q s.db "SELECT SUM(self_off_ns) FROM wall_profile WHERE function IN
	('clock_nanosleep', '__clock_nanosleep', 'nanosleep', '__nanosleep', 'sleep_phase')")
assert_ge "sleep off-CPU / sleep wall" "$(ratio "$soff" "$slp")" 0.9
"$HPPROF" report --weight wall -n 5 s.db >rep.txt 2>&1 || { cat rep.txt; fail "report --weight wall"; }
assert_contains "report: wait classes" rep.txt "sleep"
assert_contains "report: wall section" rep.txt "wall time:"

# Without --off-cpu: the off-CPU columns are NULL, not 0.
"$HPPROF" run -q --no-off-cpu -o n.db -- "$F" sleep 2 >/dev/null 2>err.txt ||
	{ cat err.txt; fail "run without --off-cpu failed"; }
assert_eq "self_off_ns without --off-cpu" \
	"$(q n.db "SELECT COUNT(*) FROM wall_profile WHERE self_off_ns IS NOT NULL OR total_ns IS NOT NULL")" 0
assert_eq "self_on_ns without --off-cpu is still measured" \
	"$(q n.db "SELECT COUNT(*) > 0 FROM wall_profile WHERE self_on_ns > 0")" 1

# The CPU tables of the text report carry no off-cpu / wall column (they
# are --weight off|wall's, docs/offcpu.md "The default"); --columns picks
# them, with the nanoseconds of the line's off-CPU time.
"$HPPROF" report s.db >cpu.txt 2>&1 || fail "report"
if sed -n '/^Hot lines/,/^$/p' cpu.txt | head -n 2 | grep -q -w -e off-cpu -e wall; then
	cat cpu.txt >&2; fail "the CPU-weighted hot lines show an off-cpu or wall column"
fi
"$HPPROF" report --columns self,off-cpu,wall,location s.db >cols.txt 2>&1 || fail "report --columns"
sed -n '/^Hot lines/,/^$/p' cols.txt | head -n 2 | grep -q -w off-cpu ||
	{ cat cols.txt >&2; fail "--columns off-cpu shows no off-cpu column"; }

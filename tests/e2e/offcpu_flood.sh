#!/bin/sh
# Issue 16, wave 7: off-CPU stacks at a high switch rate are sampled (the
# stack samplers gated on and off at random, docs/offcpu.md) and weighted.
# The flood fixture has two threads switching tens of thousands of times a
# second, each timing its own time off the CPU in its wait function
# (CLOCK_MONOTONIC minus CLOCK_THREAD_CPUTIME_ID around the blocking read):
# hpprof's weighted off-CPU time of wait_reply and wait_request matches
# those truths. Since wave 9 the switch records are gated with the stacks
# (on until the waits of an "on" period have ended): the intervals outside
# were never seen, so offcpu_intervals, offcpu_ns and offcpu_unsampled are
# NULL, and the weighted total stands for all of them. At a low rate (the
# sleep fixture) nothing is sampled: every interval is written with its
# own time, as before.
. "$HP_SRC/tests/e2e/lib.sh"
F="$HP_BUILD/tests/offcpu_fixture"
[ -x "$F" ] || fail "offcpu_fixture is not built"

"$HPPROF" run -q --off-cpu -o f.db -- "$F" flood 40000 >out.txt 2>err.txt ||
	{ cat err.txt; fail "run failed"; }
off=$(q f.db "SELECT value FROM run_info WHERE key = 'off_cpu'")
case "$off" in
"yes, without stacks"*) skip "off-CPU stacks unavailable here: $off" ;;
yes*) ;;
*) skip "off-CPU recording unavailable here: $off" ;;
esac
note "off_cpu: $off"
assert_eq "records gated: no exact count or total" \
	"$(q f.db "SELECT COUNT(*) FROM run_info WHERE key IN ('offcpu_unsampled',
		'offcpu_intervals', 'offcpu_ns') AND value IS NOT NULL")" 0
case "$off" in
*"switch records taken in"*) ;;
*) fail "off_cpu does not say the switch records were gated: $off" ;;
esac
# T, the off-CPU time of all threads: the weighted total (an estimate)
total=$(q f.db "SELECT total FROM events WHERE role = 'offcpu' AND measured")
# The independent units of the estimate are the "on" periods (every
# interval of one has its stack; between them none): counted from the rows,
# a new period where two rows are more than one 2 ms decision apart.
non=$(q f.db "WITH r AS (SELECT t_ns - LAG(t_ns) OVER (ORDER BY t_ns) AS d FROM samples
	WHERE event = (SELECT MIN(id) FROM events WHERE role = 'offcpu'))
	SELECT 1 + COUNT(*) FROM r WHERE d > 2000000")
note "off-CPU: weighted rows $total ns, $non on periods"
# Tolerance: a function holding share p of the off-CPU time T is estimated
# from n "on" periods: sd ~ T sqrt(p (1 - p) / n) (the binomial error of
# its share over n units); K_SIGMA of that, plus 5% of T for the edges
# (thread start and end, the fixture's clock reads outside the read call)
# and the periods the samplers slowed the program (every switch copies a
# stack while they are on).
for fn in wait_reply wait_request; do
	t=$(truth out.txt function "$fn" off_ns)
	h=$(q f.db "SELECT o.total_value FROM function_counter_stats o JOIN functions f
		ON f.id = o.function_id WHERE f.name = '$fn' AND o.event_id =
		(SELECT MIN(id) FROM events WHERE role = 'offcpu' AND measured)")
	awk -v h="${h:-0}" -v t="$t" -v T="$total" -v n="$non" -v k="$K_SIGMA" -v fn="$fn" 'BEGIN {
		p = t / T; if (p > 1) p = 1
		tol = k * T * sqrt(p * (1 - p) / n) + 0.05 * T
		printf "# %s off-CPU: hpprof %.1f ms, truth %.1f ms, tolerance %.1f ms\n", fn, h / 1e6, t / 1e6, tol / 1e6
		exit !(h >= t - tol && h <= t + tol) }' || fail "$fn off-CPU time"
done
# Long waits in the flood: the napper thread sleeps 20 ms at a time. A
# nap switched out in an "on" period outlasts the records' hold (10 ms
# after the period) more often than not: it is cut, and its end read from
# the thread's switch-in count (offcpu.h). Checked against the napper's
# own clock (python decodes the rows' counters: weighted ns, class, own ns):
#  - each written nap keeps its own length: their mean is the napper's
#    mean nap within K_SIGMA standard errors of a mean of that many naps
#    (sd from the napper) + 2.5 ms (one spacing of the switch-in count
#    reads at that age, max(2 ms, age / 8); the midpoint is within half),
#    or the mean half-bracket off_cpu states if larger: a hpprof delayed
#    by a CPU loop beside it reads late (CI run 171: 26.1 ms against the
#    napper's 20.2, tolerance 3.7);
#  - their weighted sum is the napper's total within K_SIGMA x the
#    estimate's standard error + 10% (the 5% edges above, the spacing).
#    The error is the larger of the estimate's own (Horvitz-Thompson:
#    sqrt(sum w (w - 1) own^2), the weights vary) and the one the napper's
#    count gives: N naps of mean m, each written with probability q (the
#    written share, at least 1/N), sqrt(N m^2 (1 - q) / q). The first,
#    computed from the written rows alone, is too small exactly when few
#    are written and their weights are low (a CPU hog beside the test: 7
#    of 117 naps written, an estimate of 0.48 s for 2.35 s, "tolerance"
#    1.0 s; the count's error there is 0.86 s a sigma).
cut=$(echo "$off" | sed -n 's/.*; \([0-9]*\) of the written intervals outlasted.*/\1/p')
est=$(echo "$off" | sed -n 's/.* \([0-9]*\) of those ended from switch-in counts.*/\1/p')
brk=$(echo "$off" | sed -n 's/.*each end to within \([0-9.]*\) ms on average.*/\1/p')
note "cut waits: $cut, ended from switch-in counts: $est, each to within ${brk:-?} ms on average"
assert_ge "long waits cut from their records" "${cut:-0}" 1
assert_ge "cut waits ended from switch-in counts" "${est:-0}" 1
/usr/bin/python3.11 - f.db "$(truth out.txt function nap off_ns)" \
	"$(truth out.txt function nap naps)" "$(truth out.txt function nap var_ns2)" "$K_SIGMA" \
	"${brk:-0}" <<'PY' ||
import math, sqlite3, sys
db, total, naps, k = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[5])
sd = math.sqrt(float(sys.argv[4]))
def varints(b):
    out, v, sh = [], 0, 0
    for x in b:
        v |= (x & 0x7f) << sh
        sh += 7
        if not x & 0x80:
            out.append((v >> 1) ^ -(v & 1))
            v, sh = 0, 0
    return out
con = sqlite3.connect(db)
rows = [varints(c)[:3] for (c,) in con.execute(
    "SELECT s.counters FROM samples s JOIN threads t ON t.tid = s.tid WHERE t.comm = 'napper'"
    " AND s.event = (SELECT MIN(id) FROM events WHERE role = 'offcpu')")]
rows = [r for r in rows if len(r) == 3 and r[2] > 0]
if not rows:
    sys.exit("no nap written")
own = [r[2] for r in rows]
mean, want = sum(own) / len(own), total / naps
tol = k * sd / math.sqrt(len(own)) + max(2.5e6, float(sys.argv[6]) * 1e6)
print("# nap: %d of %d written, mean own %.2f ms, the napper's mean %.2f ms (sd %.2f), tolerance %.2f ms"
      % (len(own), naps, mean / 1e6, want / 1e6, sd / 1e6, tol / 1e6))
ok = abs(mean - want) <= tol
est = sum(r[0] for r in rows)
se = math.sqrt(sum(max(r[0] / r[2], 1) * (max(r[0] / r[2], 1) - 1) * r[2] * r[2] for r in rows))
q = max(len(own), 1) / max(naps, 1)
se_count = math.sqrt(naps * want * want * (1 - q) / q) if q < 1 else 0.0
tol2 = k * max(se, se_count) + 0.10 * total
print("# nap weighted: hpprof %.1f ms, the napper's %.1f ms, tolerance %.1f ms" % (est / 1e6, total / 1e6, tol2 / 1e6))
sys.exit(0 if ok and abs(est - total) <= tol2 else 1)
PY
	fail "nap off-CPU time"

# The weighted total holds the two waits (the rest: the main thread's
# start and join, preemptions on a busy machine outside the reads).
reply=$(truth out.txt function wait_reply off_ns)
request=$(truth out.txt function wait_request off_ns)
awk -v e="$total" -v t="$((reply + request))" -v n="$non" -v k="$K_SIGMA" 'BEGIN {
	tol = k * e / sqrt(n) + 0.05 * e
	printf "# all off-CPU: weighted %.1f ms, the two waits %.1f ms, tolerance %.1f ms\n", e / 1e6, t / 1e6, tol / 1e6
	exit !(e >= t - tol) }' || fail "weighted total below the waits it holds"

# Low rate: ~40 switches a second, nothing gated, every interval written
# with its own time (the weighted total is the exact one).
"$HPPROF" run -q --off-cpu -o s.db -- "$F" sleep 8 >sout.txt 2>err.txt ||
	{ cat err.txt; fail "run sleep failed"; }
assert_eq "low rate: off_cpu" "$(q s.db "SELECT value FROM run_info WHERE key = 'off_cpu'")" "yes"
assert_eq "low rate: intervals gated" \
	"$(q s.db "SELECT value FROM run_info WHERE key = 'offcpu_unsampled'")" 0
assert_eq "low rate: every interval written" \
	"$(q s.db "SELECT (SELECT value FROM run_info WHERE key = 'offcpu_sampled')
		+ (SELECT value FROM run_info WHERE key = 'offcpu_no_stack')")" \
	"$(q s.db "SELECT value FROM run_info WHERE key = 'offcpu_intervals'")"
assert_eq "low rate: weighted = exact time" \
	"$(q s.db "SELECT total FROM events WHERE role = 'offcpu' AND measured")" \
	"$(q s.db "SELECT value FROM run_info WHERE key = 'offcpu_ns'")"

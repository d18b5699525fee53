#!/bin/sh
# `hpprof diff` of a merge of runs sampled at different rates against one
# run of the same work: time, shares and noise weigh each sample by its own
# run's period.
#
# Truth by construction: the calibration kernel does the same work per
# round at any rate. A1 = 8000 rounds at 1000 Hz, A2 = 8000 rounds at
# 250 Hz, M = merge(A1, A2); B = 16000 rounds at 1000 Hz. M and B did the
# same work, so the diff must say "same" (the whole run and calib_a/b/c).
# Counting samples (the old diff) gives M (n1 + n2) samples of 1 ms - A2's
# samples stand for 4 ms each -, about 37% less time than B: "faster".
# Checks:
#   1. exact arithmetic (rounding 1e-9): M's CPU time = N1 x 1 ms + N2 x
#      4 ms; each calib row's self time = n1 x 1 ms + n2 x 4 ms and its self
#      share = (n1 + 4 n2) / (N1 + 4 N2), from each run's own function_profile;
#   2. the noise of a weighted sum (relative 1e-6): a row's interval
#      (--run-noise 0: the sampling error alone, no run-to-run term)
#      half-width = z(1 - row_alpha/2) x sqrt(var_B + var_M), var_M =
#      sum over runs of w^2 n (1 - n/N) (independent binomials), var_B =
#      (1 ms)^2 n (1 - n/N);
#   3. the verdicts "same" (whole run and calib rows) at --threshold 20
#      --alpha 0.001, when the kernels' own CPU clocks (getrusage) say the
#      two sides differ by less than 15% (else the machine moved the work's
#      CPU time and the test skips, saying by how much, as it does when
#      the samples missed 5% more of one side's time than of the other's,
#      tests/e2e/unseen.py): 5 pp left for the sampled time's error (a
#      period per run, 4 ms of ~450 ms) and rows' sampling error, judged
#      at alpha 0.001 (a false row verdict in at most 0.1% of runs);
#   6. the same interval by line (-b line) for the calib lines with 10
#      samples or more, from each run's line_profile;
#   5. export -f folded of M weighs by CPU time by default: the stacks whose
#      leaf is calib_X sum to n1 x 1e6 + n2 x 4e6 ns (exact);
#   4. M's time against the kernels' clocks: within 5% + 2 periods (8 ms)
#      (start-up and exit outside the timed phases) + the time the runs'
#      samples did not see (tests/e2e/unseen.py), and counts alone would
#      be off by more than 20% (the test tells time from counts).
# usage: diff_merge_rates.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "Debian's python3.11 is not installed"
run() {  # run NAME HZ ROUNDS
	"$HPPROF" run -q --no-off-cpu -F "$2" -o "$1.db" -k calib -- --rounds "$3" >"$1.out" 2>&1 ||
		{ cat "$1.out"; fail "run $1 (calib, $3 rounds at $2 Hz)"; }
}
run a1 1000 8000
run a2 250 8000
run b 1000 16000
"$HPPROF" merge -q -o m.db a1.db a2.db || fail "merge"
"$HPPROF" diff --run-noise 0 --threshold 20 --alpha 0.001 -f json b.db m.db >d.json || fail "diff -f json"
"$HPPROF" diff --run-noise 0 --threshold 20 --alpha 0.001 b.db m.db >d.txt || fail "diff"
"$HPPROF" export -f folded m.db >m.folded || fail "export -f folded"
"$HPPROF" diff -b line --run-noise 0 --threshold 20 --alpha 0.001 -f json b.db m.db >l.json || fail "diff -b line"
for d in a1 a2 b; do
	q $d.db "SELECT (SELECT value FROM run_info WHERE key = 'samples'), function, self_samples
		FROM function_profile WHERE function LIKE 'calib\_%' ESCAPE '\\'" >$d.rows
	truth $d.out process main cpu_s >$d.cpu
	q $d.db "SELECT line, SUM(self_samples) FROM line_profile WHERE function LIKE 'calib\_%'
		ESCAPE '\\' GROUP BY line" >$d.lines
done
"$PY" - <<'PYEOF' || exit $?
import json, math, os, statistics, sys
sys.path.insert(0, os.path.join(os.environ["HP_SRC"], "tests", "e2e"))
from mergerates import fail, rows
from unseen import unseen
(N1, f1), (N2, f2), (NB, fb) = rows("a1"), rows("a2"), rows("b")
cpu = {d: float(open(d + ".cpu").read() or "nan") for d in ("a1", "a2", "b")}
d = json.load(open("d.json"))
W1, W2 = 1e-3, 4e-3                      # the runs' periods, s
if d["time_basis"] != "samples x sampling period": fail("time basis", d["time_basis"])
t_m = N1 * W1 + N2 * W2
if abs(d["after"]["cpu_time"]["mean"] - t_m) > 1e-9:
    fail("merged CPU time", d["after"]["cpu_time"]["mean"], "!= N1 x 1 ms + N2 x 4 ms =", t_m)
z = statistics.NormalDist().inv_cdf(1 - d["row_alpha"] / 2)
by = {r["name"]: r for r in d["rows"]}
def var(w, n, N):
    return w * w * n * (1 - n / N)
for fn in ("calib_a", "calib_b", "calib_c"):
    r, n1, n2, nb = by.get(fn), f1.get(fn, 0), f2.get(fn, 0), fb.get(fn, 0)
    if r is None: fail("no row", fn)
    t = n1 * W1 + n2 * W2
    share = 100.0 * (n1 + 4 * n2) / (N1 + 4 * N2)
    if abs(r["after_self_time"] - t) > 1e-9: fail(fn, "self time", r["after_self_time"], "!=", t)
    if abs(r["after_self_pct"] - share) > 1e-6: fail(fn, "self share", r["after_self_pct"], "!=", share)
    ci = z * math.sqrt(var(W1, nb, NB) + var(W1, n1, N1) + var(W2, n2, N2))
    if abs(r["self_time"]["ci"] - ci) > 1e-6 * ci:
        fail(fn, "interval", r["self_time"]["ci"], "!= the weighted sum's", ci)
    print("# %s: B %d samples, M %d + %d: %.3f s -> %.3f s, +-%.4f s (%s)"
          % (fn, nb, n1, n2, r["before_self_time"], t, ci, r["verdict"]))
def lines(d):
    return {int(a): int(b) for a, b in (x.rstrip("\n").split("|") for x in open(d + ".lines"))}
l1, l2, lb = lines("a1"), lines("a2"), lines("b")
dl = json.load(open("l.json"))
zl = statistics.NormalDist().inv_cdf(1 - dl["row_alpha"] / 2)
checked = 0
for r in dl["rows"]:
    ln = r["line"]
    if not r["name"].startswith("calib_") or ln not in lb or lb[ln] + l1.get(ln, 0) < 10:
        continue
    n1, n2, nb = l1.get(ln, 0), l2.get(ln, 0), lb[ln]
    ci = zl * math.sqrt(var(W1, nb, NB) + var(W1, n1, N1) + var(W2, n2, N2))
    if abs(r["self_time"]["ci"] - ci) > 1e-6 * ci:
        fail("line", ln, "interval", r["self_time"]["ci"], "!= the weighted sum's", ci)
    checked += 1
if not checked: fail("no calib line row to check")
folded = {}
for line in open("m.folded"):
    path, w = line.rsplit(" ", 1)
    leaf = path.split(";")[-1]
    folded[leaf] = folded.get(leaf, 0) + int(w)
for fn in ("calib_a", "calib_b", "calib_c"):
    want = f1.get(fn, 0) * 1000000 + f2.get(fn, 0) * 4000000
    if folded.get(fn) != want: fail("folded", fn, folded.get(fn), "!= its CPU ns", want)
truth_m, truth_b = cpu["a1"] + cpu["a2"], cpu["b"]
rel = (truth_m - truth_b) / truth_b
counts = (N1 + N2) * W1
print("# CPU s by the kernels' clocks: M %.3f, B %.3f (%+.1f%%); sampled M %.3f, B %.3f;"
      " counting samples: M %.3f" % (truth_m, truth_b, 100 * rel, t_m, NB * W1, counts))
U = {k: unseen(k + ".db")[0] for k in ("a1", "a2", "b")}   # unseen.py: a host's steal
if abs(t_m - truth_m) > 0.05 * truth_m + 2 * W2 + U["a1"] + U["a2"]:
    fail("merged time", t_m, "vs the kernels' clocks", truth_m, "(unseen by the samples: %.3f s)"
         % (U["a1"] + U["a2"]))
if abs(counts - NB * W1) <= 0.2 * NB * W1:
    fail("the runs are too alike to tell time from counts:", counts, "vs", NB * W1)
if abs(rel) >= 0.15:
    print("SKIP: the machine changed the work's CPU time by %+.1f%% between the runs" % (100 * rel))
    sys.exit(77)
um, ub = (U["a1"] + U["a2"]) / truth_m, U["b"] / truth_b
if abs(um - ub) >= 0.05:
    print("SKIP: the samples did not see %.1f%% of M's CPU time and %.1f%% of B's (a host's"
          " steal): the verdicts are not judged" % (100 * um, 100 * ub))
    sys.exit(77)
if d["verdict"] != "same": fail("whole-run verdict", d["verdict"], d["time"])
for fn in ("calib_a", "calib_b", "calib_c"):
    if by[fn]["verdict"] != "same": fail(fn, "verdict", by[fn]["verdict"], by[fn]["self_time"])
PYEOF
cat d.txt | head -8
echo PASS

#!/bin/sh
# A merge of runs sampled at different rates weighs each sample by the CPU
# time it stands for (its own run's period), so that every consumer gives
# the shares each run has alone: report (text and CSV), the TUI, pprof's
# "cpu" type, speedscope's weights and the wall_profile view.
#
# Truth by construction: run A is the calibration kernel (calib_a, calib_b,
# calib_c get 60/30/10 of its work) at 1000 Hz; run B a different workload
# (pi) at 250 Hz, sized to use about as much CPU as A. Each kernel measures
# its own CPU time (its "truth ... scope=process cpu_s" line, getrusage), so
# the time share of A in the merge is w = cpu_A / (cpu_A + cpu_B), and
# calib_a's merged share must be 60% x w (calib_b 30% x w, calib_c 10% x w).
# Weighing samples as counts (the old merge) gives 60% x n_A / (n_A + n_B)
# instead: with a quarter of the rate, B's samples count a quarter, e.g.
# 48% instead of 30%, far outside the tolerance.
# Tolerance of each check (4 standard deviations plus an allowance):
#   - the split within A: binomial, sd = sqrt(p (1 - p) / n_calib) x w;
#   - w from samples vs the kernels' own clocks: each run's samples x period
#     estimates its CPU time with relative sd 1/sqrt(n), so w has sd
#     w (1 - w) sqrt(1/n_A + 1/n_B), times the function's split p;
#   - the time each run's samples did not see (tests/e2e/unseen.py, u of
#     its task-clock: a host's steal): w from samples may be off by
#     w (1 - w) (u_A + u_B), times p;
#   - allowance 1.5 pp: the time the processes spend outside the timed
#     functions (start-up, exit; kernel time that the clocks count and a
#     calib function's inclusive share may not hold).
# An exact check besides: merged self_pct of every function = its self
# samples x period summed over the runs / all runs' samples x period, from
# each run's own function_profile (rounding: 0.011 pp).
# usage: merge_rates.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib
need_kernel pi
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "Debian's python3.11 is not installed"
command -v protoc >/dev/null 2>&1 || skip "protoc (protobuf-compiler) is not installed"
"$HPPROF" run -q --no-off-cpu -F 1000 -o a.db -k calib -- --rounds 14000 >a.out 2>&1 ||
	{ cat a.out; fail "run A (calib at 1000 Hz)"; }
"$HPPROF" run -q --no-off-cpu -F 250 -o b.db -k pi -- --samples 500000000 >b.out 2>&1 ||
	{ cat b.out; fail "run B (pi at 250 Hz)"; }
"$HPPROF" merge -o ab.db a.db b.db 2>merge.err || { cat merge.err; fail "merge"; }
cat merge.err
cpu_a=$(truth a.out process main cpu_s)
cpu_b=$(truth b.out process main cpu_s)
[ -n "$cpu_a" ] && [ -n "$cpu_b" ] || fail "no truth lines (cpu_s) from the kernels"
"$HPPROF" report -f csv ab.db >ab.csv || fail "report -f csv"
"$HPPROF" report ab.db >ab.txt || fail "report"
NO_COLOR= LANG=C.UTF-8 "$HPPROF" tui --dump functions --width 120 --height 40 ab.db >tui.txt ||
	fail "tui --dump functions"
"$HPPROF" export -f pprof -o ab.pb.gz ab.db || fail "pprof export"
gzip -dc ab.pb.gz | protoc --proto_path="$HP_SRC/tests/fixtures" \
	--decode=perftools.profiles.Profile profile.proto >ab.pb.txt || fail "protoc"
"$HPPROF" export -f speedscope -o ab.ss.json ab.db || fail "speedscope export"
for d in a b; do
	q $d.db "SELECT (SELECT value FROM run_info WHERE key = 'cpu_sample_ns'), function,
		self_samples FROM function_profile" >$d.rows
done
for d in a b ab; do
	q $d.db "SELECT function, self_on_ns FROM wall_profile" >$d.wall
done
"$PY" - "$cpu_a" "$cpu_b" <<'PYEOF' || exit 1
import csv, json, math, os, re, sys
sys.path.insert(0, os.path.join(os.environ["HP_SRC"], "tests", "e2e"))
from unseen import unseen_share
cpu_a, cpu_b = float(sys.argv[1]), float(sys.argv[2])
def fail(*a):
    print("FAIL:", *a); sys.exit(1)
def rows(path):
    out = []
    for line in open(path):
        ns, fn, n = line.rstrip("\n").split("|")
        out.append((int(ns), fn, int(n)))
    return out
a, b = rows("a.rows"), rows("b.rows")
n_a, n_b = sum(r[2] for r in a), sum(r[2] for r in b)
p_a, p_b = a[0][0], b[0][0]
if (p_a, p_b) != (1000000, 4000000): fail("periods", p_a, p_b)
t_all = n_a * p_a + n_b * p_b
exact = {}
for ns, fn, n in a + b:
    exact[fn] = exact.get(fn, 0) + 100.0 * n * ns / t_all
# the views and exports, function -> self share in percent
rep = {}
for r in csv.DictReader(open("ab.csv")):
    if r["section"] == "functions":
        rep[r["function"]] = float(r["self_pct"])
tui = {}
for line in open("tui.txt"):
    m = re.match(r"\s+([\d.]+)\s+([\d.]+)\s+\d+\s+\d+\s.*?(\S+)\s+\S+\s*$", line)
    if m and m.group(3).startswith("calib_"):
        tui[m.group(3)] = float(m.group(1))
text = open("ab.pb.txt").read()
strings = re.findall(r'^string_table: "(.*)"$', text, re.M)
blocks = re.findall(r"^(\w+) \{\n(.*?)^\}", text, re.M | re.S)
types = [strings[int(re.search(r"type: (\d+)", x).group(1))] for k, x in blocks if k == "sample_type"]
if sorted(tui) != ["calib_a", "calib_b", "calib_c"]: fail("tui functions view rows", tui)
if types[:2] != ["samples", "cpu"]: fail("pprof sample types", types)
fname = {}
for k, x in blocks:
    if k == "function":
        fname[re.search(r"^  id: (\d+)", x, re.M).group(1)] = strings[int(re.search(r"^  name: (\d+)", x, re.M).group(1))]
loc_fn = {}
for k, x in blocks:
    if k == "location":
        ids = re.findall(r"function_id: (\d+)", x)
        loc_fn[re.search(r"^  id: (\d+)", x, re.M).group(1)] = fname[ids[0]] if ids else "?"
pp, pp_all = {}, 0
for k, x in blocks:
    if k == "sample":
        leaf = re.search(r"location_id: (\d+)", x).group(1)
        v = [int(y) for y in re.findall(r"^  value: (-?\d+)", x, re.M)]
        pp[loc_fn[leaf]] = pp.get(loc_fn[leaf], 0) + v[1]
        pp_all += v[1]
if pp_all != t_all: fail("pprof cpu total", pp_all, "!= samples x their period", t_all)
ss = json.load(open("ab.ss.json"))
sw, ss_all = {}, 0
for prof in ss["profiles"]:
    if prof["unit"] != "nanoseconds": fail("speedscope unit", prof["unit"])
    for st, w in zip(prof["samples"], prof["weights"]):
        f = ss["shared"]["frames"][st[-1]]["name"]
        sw[f] = sw.get(f, 0) + w
        ss_all += w
if ss_all != t_all: fail("speedscope total", ss_all, "!=", t_all)
def walls(path):
    out = {}
    for line in open(path):
        fn, ns = line.rstrip("\n").split("|")
        if ns == "": fail(path, "wall_profile self_on_ns NULL for", fn)
        out[fn] = out.get(fn, 0) + int(ns)
    return out
# wall_profile's self is the innermost program frame (kernel time beneath
# goes to it): the merged view's on-CPU ns = the runs' own, summed
wall, wall_a, wall_b = walls("ab.wall"), walls("a.wall"), walls("b.wall")
for fn in set(wall) | set(wall_a) | set(wall_b):
    if wall.get(fn, 0) != wall_a.get(fn, 0) + wall_b.get(fn, 0):
        fail("wall_profile self_on_ns", fn, wall.get(fn), "!= the runs' own",
             wall_a.get(fn, 0), "+", wall_b.get(fn, 0))
# 1. every consumer equals the exact weighted share
for fn in ("calib_a", "calib_b", "calib_c", "count_in_circle"):
    e = exact.get(fn, 0.0)
    got = {"report": rep.get(fn), "tui": tui.get(fn, e) if fn.startswith("calib") else e,
           "pprof": 100.0 * pp.get(fn, 0) / pp_all, "speedscope": 100.0 * sw.get(fn, 0) / ss_all}
    for k, v in got.items():
        if v is None or abs(v - e) > 0.011 + 1e-9:
            fail(k, fn, v, "!= samples x period share", round(e, 3))
    print("# %-16s exact %6.2f%%  report %6.2f  pprof %6.2f  speedscope %6.2f  wall_profile %.1f ms"
          % (fn, e, got["report"], got["pprof"], got["speedscope"], wall.get(fn, 0) / 1e6))
# 2. the calibration split, weighed by the kernels' own clocks
w = cpu_a / (cpu_a + cpu_b)
n_calib = sum(n for ns, fn, n in a if fn.startswith("calib_"))
counts_w = n_a / (n_a + n_b)
for fn, p in (("calib_a", 0.6), ("calib_b", 0.3), ("calib_c", 0.1)):
    want = 100 * p * w
    tol = 100 * (4 * math.sqrt(p * (1 - p) / n_calib) * w
                 + 4 * p * w * (1 - w) * math.sqrt(1 / n_a + 1 / n_b)
                 + p * w * (1 - w) * (unseen_share("a.db") + unseen_share("b.db"))) + 1.5
    counts = 100 * p * counts_w
    print("# %s merged %.2f%%, truth %.2f%% +- %.2f (counts weighting would give %.2f%%)"
          % (fn, rep[fn], want, tol, counts))
    if abs(rep[fn] - want) > tol:
        fail(fn, "merged share", rep[fn], "truth", round(want, 2), "+-", round(tol, 2))
    if fn == "calib_a" and abs(counts - want) <= tol:
        fail("the runs are too alike to tell time from counts: counts give", round(counts, 2))
print("# cpu_s A %.3f B %.3f: w = %.3f; samples A %d at 1 ms, B %d at 4 ms" % (cpu_a, cpu_b, w, n_a, n_b))
PYEOF
assert_contains "report header" ab.txt "a sample weighs its run's period"
echo PASS

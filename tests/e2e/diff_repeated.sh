#!/bin/sh
# hpprof diff with repeated runs (BEFORE... -- AFTER...): per-row mean CPU
# times and run-to-run standard deviations, and Welch's t-test deciding what
# is beyond the noise. Checks: the sides count their runs; every p-value of
# a time change agrees with an independent computation (numerical
# integration of Student's t, each run's spread floored at its binomial
# sampling error as docs/man/hpprof-diff.md says); a verdict of
# faster/slower always has p < alpha / rows judged and a change of at least
# the threshold; and runs of one program compared with each other show no
# change in their hot function: the calibration kernel, whose calib_a
# holds 60% of the compute phase by construction whatever the machine's
# load (lists, whose times move with the cost of a page fault, is not such
# a program).
# usage: diff_repeated.sh     env: HPPROF, HP_BUILD
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
k=$HP_BUILD/kernels/hp-diffusion
[ -x "$k" ] || { echo "SKIP: the diffusion kernel is not built ($k)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

run() {
	"$HPPROF" run -q -o "$tmp/$1.db" "$k" --variant "$2" --size 256 --steps 600 >/dev/null \
		2>"$tmp/run.err" || { echo "FAIL: hpprof run diffusion $2"; cat "$tmp/run.err"; exit 1; }
}
for i in 1 2 3; do run l$i lists; done
for i in 1 2 3; do run f$i fused; done
for i in 1 2 3 4; do
	"$HPPROF" run -q -o "$tmp/c$i.db" -k calib -- --rounds 15000 >/dev/null 2>"$tmp/run.err" ||
		{ echo "FAIL: hpprof run calib"; cat "$tmp/run.err"; exit 1; }
done

cd "$tmp" || exit 1
"$HPPROF" diff -n 10 l1.db l2.db l3.db -- f1.db f2.db f3.db || { echo "FAIL: hpprof diff"; exit 1; }
"$HPPROF" diff -f json l1.db l2.db l3.db -- f1.db f2.db f3.db >lf.json &&
"$HPPROF" diff -f json --alpha 0.01 c1.db c2.db -- c3.db c4.db >cc.json ||
	{ echo "FAIL: hpprof diff -f json"; exit 1; }
python3 - lf.json cc.json <<'PY'
import json, math, sys

def t_two_sided(t, df, steps=20000):
    """p = P(|T| > |t|) by Simpson's rule on the density of Student's t."""
    t = abs(t)
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    f = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)
    h = t / steps
    s = f(0) + f(t) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, steps))
    return max(0.0, 1 - 2 * s * h / 3)

def welch(b, a, nb, na):
    vb, va = b["sd"] ** 2 / nb, a["sd"] ** 2 / na
    if vb + va == 0:
        return 0.0
    df = (vb + va) ** 2 / (vb * vb / (nb - 1) + va * va / (na - 1))
    return t_two_sided((a["mean"] - b["mean"]) / math.sqrt(vb + va), df)

def fail(*a):
    print("FAIL:", *a); sys.exit(1)

d = json.load(open(sys.argv[1]))
nb, na = d["before"]["runs"], d["after"]["runs"]
if (nb, na) != (3, 3): fail("runs", nb, na)
if d["before"]["duration_s"]["sd"] <= 0: fail("no run-to-run stddev of the run time")
Nb, Na = d["before"]["samples"]["mean"], d["after"]["samples"]["mean"]

def floored(mean, sd, n, N):
    """a run's spread, no smaller than its binomial sampling error"""
    var = mean * mean * (1 - n / N) / n if n > 0 and N > 0 else 0
    return math.sqrt(max(sd * sd, var))

checked = 0
for r in d["rows"]:
    if r["verdict"] in ("new", "gone", "minor"):
        continue
    for k, nk in (("self", "self_samples"), ("total", "samples")):
        b = {"mean": r["before_%s_time" % k],
             "sd": floored(r["before_%s_time" % k], r["before_%s_time_sd" % k], r["before_" + nk], Nb)}
        a = {"mean": r["after_%s_time" % k],
             "sd": floored(r["after_%s_time" % k], r["after_%s_time_sd" % k], r["after_" + nk], Na)}
        if b["mean"] == a["mean"] or not (b["sd"] or a["sd"]):
            continue
        p = welch(b, a, nb, na)
        got = r["%s_time" % k]["p"]
        if abs(p - got) > 2e-3:
            fail(r["name"], k, "p", got, "but Welch gives", p)
        checked += 1
    if r["verdict"] in ("faster", "slower"):
        c = r["total_time"] if r["on_total"] else r["self_time"]
        if not c["p"] < d["row_alpha"]: fail(r["name"], r["verdict"], "with p", c["p"])
        if c["change_pct"] is not None and abs(c["change_pct"]) < d["threshold_pct"]:
            fail(r["name"], r["verdict"], "with a change of", c["change_pct"], "%")
if abs(d["row_alpha"] * max(d["rows_judged"], 1) - d["alpha"]) > 1e-9:
    fail("row_alpha", d["row_alpha"], "is not alpha / rows judged")
names = {r["name"]: r for r in d["rows"]}
if names.get("step_lists", {}).get("verdict") != "gone": fail("step_lists is not gone")
if names.get("stencil_fused", {}).get("verdict") != "new": fail("stencil_fused is not new")
print("lists x3 -> fused x3:", checked, "p-values of time changes agree with Welch's t-test")

# calib x2 -> calib x2 at alpha 0.01: a verdict needs p < 0.01 and a change
# of at least the threshold, so a correct diff calls the hot
# function changed in well under 1% of runs.
d = json.load(open(sys.argv[2]))
top = max(d["rows"], key=lambda r: r["before_self_time"])
if top["name"] != "calib_a": fail("runs of calib: the hot function is", top["name"])
if top["verdict"] != "same":
    fail("runs of one program: the hot function", top["name"], "is", top["verdict"],
         "(p %.3g, change %s%%)" % (top["p_value"], top["self_time"]["change_pct"]))
print("calib x2 -> calib x2: %s same (%.3f±%.3f -> %.3f±%.3f s, p %.2g)" % (top["name"],
      top["before_self_time"], top["before_self_time_sd"], top["after_self_time"],
      top["after_self_time_sd"], top["p_value"]))
PY

#!/bin/sh
# hpprof diff with repeated runs (BEFORE... -- AFTER...): per-row mean CPU
# times and run-to-run standard deviations, and the test deciding what is
# beyond the noise: the run-to-run spread pooled over the rows of a kind
# (the program's, the machine's) with each row's binomial sampling error,
# or Welch's t-test for a row that spreads beyond the pool. Checks: the
# sides count their runs; the pooled spread and every p-value of a time
# change agree with an independent computation (the weighted pool of
# docs/man/hpprof-diff.md redone here; numerical integration of Student's
# t; Welch's with each run's spread floored at its binomial sampling
# error); a verdict of
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

def floored(mean, sd, n, N):
    """a run's spread, no smaller than its binomial sampling error"""
    var = mean * mean * (1 - n / N) / n if n > 0 and N > 0 else 0
    return math.sqrt(max(sd * sd, var))

def kind(r):
    return "machine" if (r["module"] or "").startswith("[") else "program"

def rel_ss(m, sd, k):
    return (k - 1) * (sd / m) ** 2 if m > 0 else 0

def binom(n, N):
    return (1 - n / N) / n if 0 < n < N else 0

def pool(kd):
    """the rows' relative variance beyond sampling, one entry per side of a
    row, weighted by the inverse variance of each estimate (2 (c + s)^2 /
    df), at least the whole run's"""
    rv = (rel_ss(d["before"]["cpu_time"]["mean"], d["before"]["cpu_time"]["sd"], nb) +
          rel_ss(d["after"]["cpu_time"]["mean"], d["after"]["cpu_time"]["sd"], na)) / (nb + na - 2)
    pr = []
    for r in d["rows"]:
        if kind(r) != kd or r["verdict"] == "minor":
            continue
        for side, k, N in (("before", nb, Nb), ("after", na, Na)):
            n, m = r[side + "_self_samples"], r[side + "_self_time"]
            if k < 2 or not (0 < n < N) or not m > 0:
                continue
            s = binom(n, N)
            pr.append((rel_ss(m, r[side + "_self_time_sd"], k) / (k - 1) - s, s, k - 1))
    c = w = 0
    for _ in range(8):
        ws = [df / (c + s) ** 2 if c + s > 0 else 0 for x, s, df in pr]
        w = sum(ws)
        c = max(0, sum(wi * x for wi, (x, s, df) in zip(ws, pr)) / w) if w > 0 else 0
    var = (2 / w if w > 0 else float("inf")) + 2 * rv * rv / (nb + na - 2)
    return max(c, rv), var

def check_pool():
    global P
    P = d["pool"]
    for kd in ("program", "machine"):
        got = P[kd]
        if got["left_out"]:        # left out by an F test: not redone here
            print("pooled spread of the %s's rows: %.2f%% (%d left out: not checked)"
                  % (kd, got["spread_pct"], got["left_out"]))
            continue
        c, var = pool(kd)
        if abs(c - got["spread_var"]) > 1e-6 * max(1, c) + 1e-9 or \
           (got["spread_var_se"] is not None and abs(math.sqrt(var) - got["spread_var_se"]) > 1e-4 * math.sqrt(var) + 1e-9):
            fail("pool", kd, got, "but the rows give", c, math.sqrt(var))
        print("pooled spread of the %s's rows: %.2f%% (se of its variance %.2g, %d rows)"
              % (kd, 100 * math.sqrt(c), math.sqrt(var), got["rows"]))

def pool_of(r, k):
    """a total time (callees: maybe the kernel's) takes the wider of its
    kind's pool and the machine's"""
    own, m = P[kind(r)], P["machine"]
    if k == "total" and m["rows"] and (not own["rows"] or m["spread_var"] > own["spread_var"]):
        return m
    return own

def pooled_side(m, sd, k, c, var_c, s):
    """one side: the model's c + s and the runs' own spread (never below
    s) combined by their degrees of freedom"""
    model, own = c + s, max((sd / m) ** 2 if m > 0 else 0, s)
    df_m = 2 * model * model / var_c if var_c > 0 else float("inf")
    v = (df_m * model + (k - 1) * own) / (df_m + k - 1) if df_m < float("inf") else model
    return m * m * v / k, df_m + k - 1

def pooled_p(r, k, nk):
    kd = pool_of(r, k)
    c, var_c = kd["spread_var"], kd["spread_var_se"] ** 2
    vb, dfb = pooled_side(r["before_%s_time" % k], r["before_%s_time_sd" % k], nb, c, var_c,
                          binom(r["before_" + nk], Nb))
    va, dfa = pooled_side(r["after_%s_time" % k], r["after_%s_time_sd" % k], na, c, var_c,
                          binom(r["after_" + nk], Na))
    v = vb + va
    df = v * v / (vb * vb / dfb + va * va / dfa)
    t = (r["after_%s_time" % k] - r["before_%s_time" % k]) / math.sqrt(v)
    return t_two_sided(t, df) if df < 1e6 else math.erfc(abs(t) / math.sqrt(2))

def check_p(path):
    """every p-value of a time change of the diff in path, redone here"""
    global d, nb, na, Nb, Na
    d = json.load(open(path))
    nb, na = d["before"]["runs"], d["after"]["runs"]
    Nb, Na = d["before"]["samples"]["mean"], d["after"]["samples"]["mean"]
    check_pool()
    checked = pooled = 0
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
            got = r["%s_time" % k]["p"]
            if r["%s_time" % k]["pooled"]:
                p, how = pooled_p(r, k, nk), "the pooled spread"
                pooled += 1
            else:
                p, how = welch(b, a, nb, na), "Welch"
            if abs(p - got) > 2e-3:
                fail(r["name"], k, "p", got, "but", how, "gives", p)
            checked += 1
    return checked, pooled

checked, pooled = check_p(sys.argv[1])
if (nb, na) != (3, 3): fail("runs", nb, na)
if d["before"]["duration_s"]["sd"] <= 0: fail("no run-to-run stddev of the run time")
for r in d["rows"]:
    if r["verdict"] in ("new", "gone", "minor"):
        continue
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
print("lists x3 -> fused x3:", checked, "p-values of time changes agree (%d with the pooled"
      " spread, the others with Welch's t-test)" % pooled)
checked, pooled = check_p(sys.argv[2])
print("calib x2 -> calib x2:", checked, "p-values of time changes agree (%d with the pooled"
      " spread)" % pooled)
if not pooled: fail("calib x2 -> calib x2: no row was tested with the pooled spread")

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

#!/usr/bin/python3
"""The diff checks of the realworld tier: `hpprof diff`'s verdicts on a real
change against independent tools measured in the same test (diff_levels.sh).

  diff_check.py --stat-a A1.stat... --stat-b B1.stat... \\
                --perf-a A.data --perf-b B.data \\
                --one ONE.json --reps REPS.json
      A*.stat, B*.stat: `perf stat -x, -e task-clock` of the command before
          and after the change, separate runs: the truth of the whole run.
      A.data, B.data: `perf record -e cpu-clock -F HZ` of one run each: the
          truth of which functions changed.
      ONE.json: `hpprof diff -f json A1.db B1.db` (one run per side);
      REPS.json: `hpprof diff -f json A1.db... -- B1.db...` (Welch).

Every check prints its figures and its tolerance; exit status 1 when any
failed (all are run first). docs/realworld.md, "Wave 17: diff on real
programs", explains the method.
"""

import argparse
import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import peers  # noqa: E402

OVERHEAD = 0.10      # whole-run change: hpprof's cost in the runs it samples at
                     # 2000 Hz (their CPU time 0.96-1.10 x perf stat's, 20 sides)
Z = 3.0              # standard errors of the independent tool's own figures
RUN_NOISE = 0.10     # perf's run-to-run spread per function (as diff --run-noise)
TOP = 5              # perf's largest function changes that diff must see

check = compare.check


def task_clock_s(path):
    """The task-clock of one `perf stat -x,` output file, in seconds."""
    with open(path) as f:
        for line in f:
            fields = line.strip().split(",")
            if len(fields) > 2 and fields[2].startswith("task-clock"):
                return float(fields[0]) / 1e3
    raise RuntimeError("no task-clock in " + path)


def whole_run(args, one, reps):
    a = [task_clock_s(p) for p in args.stat_a]
    b = [task_clock_s(p) for p in args.stat_b]
    ma, mb = statistics.mean(a), statistics.mean(b)
    se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
    truth_pct, se_pct = 100 * (mb - ma) / ma, 100 * se / ma
    sure = abs(mb - ma) > Z * se
    want = ("slower" if mb > ma else "faster") if sure else None
    print("perf stat task-clock: %.3f s -> %.3f s over %d + %d runs: %+.1f%% (se %.1f%%)"
          % (ma, mb, len(a), len(b), truth_pct, se_pct))
    for what, d in (("one run per side", one), ("repeated runs", reps)):
        t = d["time"]
        before = d["before"]["cpu_time"]
        before = before["mean"] if isinstance(before, dict) else before
        ci_pct = 100 * t["ci"] / before
        if want:
            # "same" is no error when the true change is within the interval
            # diff states (a change it cannot resolve); the other way is
            unresolved = d["verdict"] == "same" and abs(truth_pct) <= ci_pct + Z * se_pct
            check(d["verdict"] == want or unresolved,
                  "%s: whole run %s, perf stat says %s%s" % (
                      what, d["verdict"], want,
                      " (%+.1f%% is within diff's stated +-%.1f%% + %g se: not resolved)"
                      % (truth_pct, ci_pct, Z) if unresolved else ""))
        # diff's interval is of the change in seconds (after - before, per
        # run), shown in percent of its own before side, whose noise that
        # leaves out: a one-run before side 25% low made +227% look +356%.
        # So the change is compared in seconds: diff's interval widened from
        # its confidence level to Z standard errors, + Z of perf's, + what
        # hpprof's sampling costs the target
        delta_p, delta_h = mb - ma, t["delta"]
        widen = Z / statistics.NormalDist().inv_cdf(1 - d["alpha"] / 2)
        tol = widen * t["ci"] + Z * se + OVERHEAD * abs(delta_p)
        check(abs(delta_h - delta_p) <= tol,
              "%s: CPU time %+.4f s (%+.1f%%, stated ci %.4f s), perf stat %+.4f s (%+.1f%%): "
              "off by %.4f s <= %.4f (ci x %.2f + %g se + %g%% of perf's change)"
              % (what, delta_h, t["change_pct"], t["ci"], delta_p, truth_pct,
                 abs(delta_h - delta_p), tol, widen, Z, 100 * OVERHEAD))


def perf_functions(path):
    rows, _ = peers.perf_rows(path)
    groups = compare.perf_functions(rows, compare.Names())
    return {k: g["samples"] for k, g in groups.items()}


def row_key(r):
    mod = r["module"] or ""
    base = compare.KERNEL if peers.is_kernel_module(mod) else os.path.basename(mod)
    return (base, compare.norm(r["name"]))


def perf_se(na, nb):
    """The standard error of perf's change of a function's samples, na ->
    nb: Poisson counts plus RUN_NOISE of each run."""
    return math.sqrt(na + nb + (RUN_NOISE * na) ** 2 + (RUN_NOISE * nb) ** 2)


def perf_change(na, nb):
    """perf's change of a function's samples and whether it is beyond
    Z standard errors (perf_se)."""
    return nb - na, abs(nb - na) > Z * perf_se(na, nb)


def functions(args, one, reps):
    pa, pb = perf_functions(args.perf_a), perf_functions(args.perf_b)
    for what, d in (("one run per side", one), ("repeated runs", reps)):
        rows = {}
        for r in d["rows"]:    # sqlite3BtreeNext and sqlite3BtreeNext@plt: one key
            k = row_key(r)
            if k not in rows or r["before_samples"] + r["after_samples"] > \
                    rows[k]["before_samples"] + rows[k]["after_samples"]:
                rows[k] = r
        called = [r for r in d["rows"] if r["verdict"] in ("slower", "faster") and
                  not r.get("on_total")]
        for r in called:
            k = row_key(r)
            na, nb = pa.get(k, 0), pb.get(k, 0)
            # perf's one run per side is no less noisy than diff's: a small
            # change may show the other way in it; a contradiction is a change
            # the other way beyond perf's own noise (Z se, Poisson + RUN_NOISE)
            delta, beyond = perf_change(na, nb)
            other = delta != 0 and (delta > 0) != (r["verdict"] == "slower")
            check(not (other and beyond),
                  "%s: %s %s is %s; perf: %d -> %d samples%s"
                  % (what, k[1], k[0], r["verdict"], na, nb,
                     " (the other way, within perf's noise)" if other else ""))
        moved = sorted((k for k in set(pa) | set(pb) if perf_change(pa.get(k, 0),
                                                                     pb.get(k, 0))[1]),
                       key=lambda k: -abs(pb.get(k, 0) - pa.get(k, 0)))[:TOP]
        for k in moved:
            r = rows.get(k)
            v = r["verdict"] if r else "absent"
            na, nb = pa.get(k, 0), pb.get(k, 0)
            # The kernel's cost of interrupt entry and exit moves with the
            # host's load between two runs (pvm_irq_enable, where this kind
            # of VM lets its deferred interrupts in: 5 -> 33 samples in
            # perf's single runs beside a CPU loop, CI run 171): a kernel
            # row that diff calls "same" over its repeated runs is noted
            if k[0].startswith("[kernel") and v == "same" and what == "repeated runs":
                print("  note %s: perf's top change %s %s (%d -> %d samples) is same in the"
                      " diff: a kernel row, which moves with the host's load" % (what, k[1], k[0],
                                                                              na, nb))
                continue
            want = {"slower", "new"} if nb > na else {"faster", "gone"}
            # "same" passes when perf's change lies within the interval diff
            # states for the row (a change it cannot resolve, as the whole
            # run) widened by Z of perf's own standard errors, relative to its
            # before side: perf's one run per side is no less noisy (a fresh
            # chroot's make test: libbz2+0x3080 120 -> 223 samples in perf,
            # +86%, while diff's 3 + 3 runs read +20% +-43% and perf stat's
            # whole runs +2.3%)
            if v == "same" and na > 0:
                perf_rel, hp_rel = (nb - na) / na, r["self_time"]["change_pct"] / 100
                hp_ci = r["self_time"]["ci"] / r["before_self_time"]
                perf_tol = Z * perf_se(na, nb) / na
                unresolved = abs(perf_rel - hp_rel) <= hp_ci + perf_tol
            else:
                unresolved = False
            check(v in want or unresolved,
                  "%s: perf's top change %s %s (%d -> %d samples) is %s in the diff%s"
                  % (what, k[1], k[0], na, nb, v,
                     " (perf %+.0f%%, within the stated %+.0f%% +-%.0f%% + %.0f%% for perf's"
                     " own noise: not resolved)"
                     % (100 * perf_rel, 100 * hp_rel, 100 * hp_ci, 100 * perf_tol)
                     if unresolved else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stat-a", nargs="+", required=True)
    ap.add_argument("--stat-b", nargs="+", required=True)
    ap.add_argument("--perf-a", required=True)
    ap.add_argument("--perf-b", required=True)
    ap.add_argument("--one", required=True)
    ap.add_argument("--reps", required=True)
    args = ap.parse_args()
    with open(args.one) as f:
        one = json.load(f)
    with open(args.reps) as f:
        reps = json.load(f)
    whole_run(args, one, reps)
    functions(args, one, reps)
    failed = len(compare.failures)
    print("%d check(s) failed" % failed if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

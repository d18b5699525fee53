#!/usr/bin/python3
"""hpprof stat against perf stat on one command (stat.sh; docs/realworld.md,
"Wave 18: stat and annotate on real programs").

  stat_check.py counts --perf p1.csv p2.csv.. --hpprof h1.csv h2.csv..
                       --outer o.csv --inner i.csv
                       --own-outer ot1.csv.. --own-inner it1.csv..
      p*, h*: `perf stat -x,` and `hpprof stat -x,` of the command, separate
          runs, interleaved.
      o, i: one execution seen by both: `perf stat -x, -o o.csv -- hpprof
          stat -x, -o i.csv -- CMD`. ot*, it*: the same with `true` as
          CMD, which measures what hpprof itself adds to the outer counts.
  stat_check.py user p1.csv p2.csv p3.csv h1.csv h2.csv h3.csv
      perf stat and hpprof stat run by a user who may not count the kernel
      (stat_user.sh): hpprof marks the user-space-only counts NAME:u as
      perf does, shows a kernel-only counter as not measured, not 0.
  stat_check.py ctrlc FLAG_FILE CMD...
      run CMD in its own process group, wait for the file FLAG_FILE to
      appear (the target made it), send SIGINT to the group as a terminal's
      Ctrl-C does; print the exit status.

Every check prints its figures and its tolerance; exit status 1 when one
failed.
"""

import math
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import check, verdict  # noqa: E402

# Page faults of separate runs: the difference of the means may be 3
# standard errors of the difference (from the runs' own spread) plus an
# allowance for runs whose values happen to agree among themselves: the
# largest range perf stat itself showed over 10 runs of these programs
# (sqlite3: 808..812, gzip: 187..190; docs/realworld.md) or 0.1% of the count.
FAULTS_ALLOW = 4
FAULTS_ALLOW_REL = 0.001
Z = 3.0

# hpprof's own page faults (perf outside minus hpprof inside) moved by up
# to 3 between `true` and sort as targets in the runs here: 8 allowed.
OWN_FAULTS_ALLOW = 8

# The counters both tools count in software on any Linux machine.
SOFTWARE = ("task-clock", "context-switches", "cpu-migrations", "page-faults")


def read_csv(path):
    """{event: value or None (not measured)} from perf stat -x, or hpprof
    stat -x, (the same fields: value, unit, event, ...)."""
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split(",")
            if len(fields) < 3 or fields[2] in ("time-elapsed", "user", "sys", "max-rss"):
                continue
            try:
                out[fields[2]] = float(fields[0])
            except ValueError:
                out[fields[2]] = None   # <not supported>, <not counted>, n/a
    return out


def mean_sd(xs):
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0
    return m, sd


def measured_alike(perf, hp):
    """An event is a number in hpprof's output exactly when it is one in
    perf's; where perf says <not supported>, hpprof must not print 0."""
    for ev in perf[0]:
        p = [r.get(ev) for r in perf]
        h = [r.get(ev, "missing") for r in hp]
        p_num = all(v is not None for v in p)
        h_num = all(v is not None and v != "missing" for v in h)
        check(p_num == h_num,
              "%s: perf %s, hpprof %s" % (ev, p if len(set(map(str, p))) > 1 else p[0],
                                           h if len(set(map(str, h))) > 1 else h[0]))


def faults_separate(perf, hp):
    p = [r["page-faults"] for r in perf]
    h = [r["page-faults"] for r in hp]
    mp, sp = mean_sd(p)
    mh, sh = mean_sd(h)
    se = math.sqrt(sp ** 2 / len(p) + sh ** 2 / len(h))
    tol = Z * se + max(FAULTS_ALLOW, FAULTS_ALLOW_REL * mp)
    check(abs(mh - mp) <= tol,
          "page-faults, separate runs: hpprof %.1f (%s) against perf %.1f (%s): "
          "%.1f apart, tolerance %.1f (3 se %.1f + allowance)" %
          (mh, " ".join("%d" % v for v in h), mp, " ".join("%d" % v for v in p),
           abs(mh - mp), tol, Z * se))
    tp = [r["task-clock"] for r in perf]
    th = [r["task-clock"] for r in hp]
    print("  info task-clock, separate runs (not compared: the machine's load moves it): "
          "hpprof %.1f +- %.1f ms, perf %.1f +- %.1f ms" % (mean_sd(th) + mean_sd(tp)))


def same_execution(outer, inner, own_outer, own_inner):
    """One execution: perf's inherited counters count hpprof and the target,
    hpprof's the target alone, so hpprof's count is at most perf's, and the
    difference is what hpprof itself does, measured with `true` as target."""
    for ev in SOFTWARE:
        o, i = outer.get(ev), inner.get(ev)
        if o is None or i is None:
            check(False, "%s, one execution: perf %s, hpprof %s" % (ev, o, i))
            continue
        check(i <= o, "%s, one execution: hpprof %.2f <= perf %.2f (perf counts hpprof too)"
              % (ev, i, o))
    own = [a["page-faults"] - b["page-faults"] for a, b in zip(own_outer, own_inner)]
    d = outer["page-faults"] - inner["page-faults"]
    lo, hi = min(own), max(own)
    slack = max(OWN_FAULTS_ALLOW, hi - lo)
    check(lo - slack <= d <= hi + slack,
          "page-faults, one execution: perf - hpprof = %d, hpprof's own faults (target "
          "`true`) %s, tolerance +-%d (their range, at least %d)" %
          (d, " ".join("%d" % v for v in own), slack, OWN_FAULTS_ALLOW))
    own_t = [a["task-clock"] - b["task-clock"] for a, b in zip(own_outer, own_inner)]
    dt = outer["task-clock"] - inner["task-clock"]
    tol = 3 * max(own_t) + 0.01 * outer["task-clock"]
    check(dt <= tol,
          "task-clock, one execution: perf - hpprof = %.2f ms, hpprof's own (target "
          "`true`) %s ms; at most 3 x their largest + 1%% of perf's %.1f ms = %.2f" %
          (dt, " ".join("%.2f" % v for v in own_t), outer["task-clock"], tol))


def counts(argv):
    import argparse
    ap = argparse.ArgumentParser()
    for name in ("perf", "hpprof", "own-outer", "own-inner"):
        ap.add_argument("--" + name, nargs="+", required=True)
    ap.add_argument("--outer", required=True)
    ap.add_argument("--inner", required=True)
    a = ap.parse_args(argv)
    perf = [read_csv(p) for p in a.perf]
    hp = [read_csv(p) for p in a.hpprof]
    print("measured or not, as perf:")
    measured_alike(perf, hp)
    if any(r.get(ev) is None for r in perf + hp for ev in SOFTWARE):
        check(False, "a software counter was not measured: %s" % perf)
        return verdict()
    print("the program's own work:")
    faults_separate(perf, hp)
    same_execution(read_csv(a.outer), read_csv(a.inner),
                   [read_csv(p) for p in a.own_outer], [read_csv(p) for p in a.own_inner])
    return verdict()


def user(argv):
    """As a user without the right to count the kernel: hpprof's names and
    values against perf's, both run the same way (3 runs each)."""
    perf = [read_csv(p) for p in argv[:3]]
    hp = [read_csv(p) for p in argv[3:6]]
    check("page-faults:u" in hp[0] and "page-faults:u" in perf[0],
          "page-faults counted in user space only: hpprof names it %s, perf %s" %
          ([n for n in hp[0] if n.startswith("page-faults")],
           [n for n in perf[0] if n.startswith("page-faults")]))
    cs = hp[0].get("context-switches", "missing")
    check(cs is None, "context-switches (only in the kernel): hpprof %s (not 0), perf %s" %
          ("not measured" if cs is None else cs, perf[0].get("context-switches:u")))
    if "page-faults:u" in hp[0]:
        for rows in (perf, hp):
            for r in rows:
                r["page-faults"] = r["page-faults:u"]
                r["task-clock"] = r.get("task-clock", r.get("task-clock:u"))
        faults_separate(perf, hp)
    return verdict()


def ctrlc(argv):
    flag, cmd = argv[0], argv[1:]
    p = subprocess.Popen(cmd, preexec_fn=lambda: os.setpgid(0, 0))
    while not os.path.exists(flag) and p.poll() is None:
        time.sleep(0.05)
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGINT)
    print("exit status %d" % p.wait())
    return 0


if __name__ == "__main__":
    sys.exit({"counts": counts, "user": user, "ctrlc": ctrlc}[sys.argv[1]](sys.argv[2:]))

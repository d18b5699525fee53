#!/usr/bin/python3
"""Page faults per function: hpprof against perf and /usr/bin/time
(docs/realworld.md, "Wave 17: the why columns").

  faults_check.py --perf P.data --db H.db --time-minor A B
      P: `perf record -e page-faults -c 1 -g -- TARGET` (every fault, with
         the IP it was taken at: a user instruction, or the kernel code
         that touched user memory on the program's behalf, read() copying);
      H: `hpprof run -o H.db TARGET` (its page-fault sampler, every Nth
         fault with its stack, and the page-faults counter);
      A B: the minor faults of two runs of TARGET under /usr/bin/time -f %R.

The three are separate executions of the same deterministic command: their
fault totals differ by what differs between any two runs, which A and B
measure. The checks:
  1. hpprof's page-faults counter against perf's count (both from the
     exec; /usr/bin/time's total, which has the faults before it, shown);
  2. hpprof's sampled faults (samples x period) against its own counter: a
     fault sampler that drops faults (kernel-mode ones: wave 17) fails here;
  3. the top functions' shares of the faults, perf against hpprof, both
     as perf names the code (compare.perf_functions: unnamed code by its
     FDE, aliases, kernel functions from kallsyms);
  4. every sampled fault is on a line of line_profile.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import peers  # noqa: E402
from compare import check, pct  # noqa: E402

TOTAL_ALLOWANCE = 0.01    # 1% of the total beyond twice the measured drift
TOP = 5


def totals(hp, minor, n_perf, period, sampled):
    """Checks 1 and 2."""
    counted = int(hp.q("SELECT total FROM events WHERE name = 'page-faults'")[0][0])
    drift = abs(minor[0] - minor[1])
    # Two plain runs differ by `drift`; hpprof's run is a third execution.
    # perf, like hpprof, counts from the exec (enable_on_exec);
    # /usr/bin/time's total also has the faults of its forked child before
    # and during the exec (~20 per process here), so it is compared with
    # perf's, not with hpprof's.
    tol = 2 * drift + TOTAL_ALLOWANCE * max(minor)
    print("# totals: /usr/bin/time %d and %d minor faults (%d more than perf's: before the"
          " exec); perf record %d; hpprof's counter %d" % (
              minor[0], minor[1], min(minor) - n_perf, n_perf, counted))
    check(abs(counted - n_perf) <= tol,
          "hpprof's page-faults %d within %.0f (2 x drift %d + 1%%) of perf's %d"
          % (counted, tol, drift, n_perf))
    # Each sampler (one per CPU ring, inherited per thread) keeps up to one
    # period of faults it has not yet sampled: that is all it may miss.
    ntasks = int(hp.q("SELECT COUNT(*) FROM threads")[0][0]) or 1
    ncpu = os.cpu_count() or 1
    # Samples hpprof says it lost (a full ring) are allowed for too.
    lost = int(hp.info("lost_samples", 0) or 0)
    lose = period * (ntasks * ncpu + lost)
    check(counted - lose <= sampled <= counted,
          "hpprof's sampled faults %d (samples x period %d) within %d (period x (%d tasks x"
          " %d CPUs + %d lost)) below its counter %d"
          % (sampled, period, lose, ntasks, ncpu, lost, counted))


def perf_faults(perf_data):
    rows, lost = peers.perf_rows(perf_data)
    return [r for r in rows if r.comm not in compare.TOOL_COMMS], lost


def shares(rows, lost, hp, ev):
    """Check 3: the top functions of perf's faults, as shares.

    Samples hpprof lost (its ring full in a burst of faults) may all have
    been one function's: each share may then be off by the lost fraction,
    added to the tolerance (hpprof's lost count is of all its samples: an
    upper bound)."""
    groups = compare.perf_functions(rows, compare.Names())
    leaves = hp.leaves(ev)
    by_name = compare.hpprof_functions(leaves)
    n_perf, n_hp = sum(r.samples for r in rows), sum(l.samples for l in leaves)
    print("# functions (perf record -e page-faults -c 1: every fault; hpprof: %d fault"
          " samples; perf lost %d)" % (n_hp, lost))
    check(n_perf > 0 and n_hp > 0, "both tools have fault samples")
    if not n_perf or not n_hp:
        return
    hp_lost = int(hp.info("lost_samples", 0) or 0)
    lost_pp = pct(hp_lost, n_hp + hp_lost)
    if hp_lost:
        print("  note: hpprof lost %d samples: %.1fpp added to each tolerance" % (hp_lost, lost_pp))
    print("  %7s %7s %6s  %s" % ("perf%", "hpprof%", "tol", "function (module)"))
    for (base, key), g in sorted(groups.items(), key=lambda kv: -kv[1]["samples"])[:TOP]:
        hn = sum(n for (b, name), n in by_name.items() if b == base and name in g["aliases"])
        pp, hpp = pct(g["samples"], n_perf), pct(hn, n_hp)
        # 3 pp + 3 binomial standard errors of the difference, n = perf's
        # faults and hpprof's fault samples (compare.tolerance)
        tol = compare.tolerance(pp, n_perf, hpp, n_hp) + lost_pp
        where = "" if base == compare.KERNEL else compare.where_hpprof_put(g, base, leaves, n_hp)
        check(abs(pp - hpp) <= tol, "%6.2f%% %6.2f%% %5.1fpp  %s (%s)%s"
              % (pp, hpp, tol, key, base, where))


def lines(hp, sampled):
    """Check 4: line_profile holds every sampled fault."""
    on_lines = hp.q('SELECT COALESCE(SUM("page-faults:sampled"), 0) FROM line_profile')[0][0]
    check(on_lines == sampled, "line_profile's page-faults:sampled sum %d = the %d sampled"
          % (on_lines, sampled))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--perf", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--time-minor", type=int, nargs=2, required=True)
    args = ap.parse_args()
    hp = peers.HpDb(args.db)
    fault = hp.event_id("pagefault")
    if not fault:
        print("  FAIL hpprof's database has no page-fault samples")
        return 1
    period = int(hp.info("fault_period", 0))
    nsamples = int(hp.q("SELECT COUNT(*) FROM samples WHERE event = ?", fault[0])[0][0])
    rows, lost = perf_faults(args.perf)
    totals(hp, args.time_minor, sum(r.samples for r in rows), period, nsamples * period)
    shares(rows, lost, hp, fault[0])
    lines(hp, nsamples * period)
    return compare.verdict()


if __name__ == "__main__":
    sys.exit(main())

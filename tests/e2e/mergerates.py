"""mergerates.py - shared by the e2e tests of merges of runs sampled at
different rates (diff_merge_rates.sh, merge_of_merges.sh, merge_shares.sh):
their python3 checks import it from $HP_SRC/tests/e2e.

    sys.path.insert(0, os.path.join(os.environ["HP_SRC"], "tests", "e2e"))
    from mergerates import fail, rows, share
    N, f = rows("a")               # a.rows: each run's own function_profile
    share([n1, n2], [N1, N2], [1e6, 4e6])   # the merged share, percent
"""
import sys


def fail(*a):
    print("FAIL:", *a)
    sys.exit(1)


def rows(d):
    """D.rows, lines "run samples|function|self samples" (a query of the
    run's own run_info and function_profile), as (run samples, {function:
    self samples}); a name's rows (several modules) summed."""
    out, total = {}, 0
    for line in open(d + ".rows"):
        n_all, fn, n = line.rstrip("\n").split("|")
        out[fn], total = out.get(fn, 0) + int(n), int(n_all)
    return total, out


def share(counts, totals, periods):
    """The share in percent of a row of counts[r] samples of each run r in
    a merge whose runs have totals[r] samples of periods[r] ns each: each
    sample weighs its own run's period (the CPU time it stands for)."""
    t = sum(n * w for n, w in zip(totals, periods))
    return 100.0 * sum(n * w for n, w in zip(counts, periods)) / t if t else 0.0

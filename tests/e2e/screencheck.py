"""screencheck.py - shared by the e2e tests that compare the figures on a
TUI screen with a JSON report (mpi_tui_diff.sh, mpi_tui_filters.sh): their
generated check.py scripts import it from $HP_SRC/tests/e2e.

    import screencheck as sc
    sc.screen = open(path).read().split("\\n")
    sc.near("what", got, want); sc.same(...); m = sc.find(r"regex")
    sc.bad: the mismatches found so far
"""
import re

TOL = 0.005 + 0.00005          # 2 decimals on the screen, 4 in the JSON
screen = []
bad = []


def near(what, got, want, tol=TOL):
    if abs(float(got) - float(want)) > tol + 1e-12:
        bad.append("%s: screen %s, json %s" % (what, got, want))


def same(what, got, want):
    if str(got) != str(want):
        bad.append("%s: screen %s, json %s" % (what, got, want))


def find(pattern):
    """The first match of pattern on a line of the screen, or None (noted)."""
    for line in screen:
        m = re.search(pattern, line)
        if m:
            return m
    bad.append("not on the screen: " + pattern)
    return None

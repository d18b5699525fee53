#!/bin/sh
# hpprof diff on a real change of known direction: one compressor at two
# levels on the same input (xz -1 -> -6, bzip2 -1 -> -9, gzip -1 -> -9),
# checked against perf in the same test (diff_check.py):
#   - the whole run: perf stat -e task-clock over RUNS runs per side is the
#     truth; diff's verdict (one run per side, and RUNS + RUNS runs) must
#     take its direction when perf stat's change is beyond 3 of its
#     standard errors ("same" passes only when that change lies within
#     diff's stated interval + 3 se: too small for the noise diff states),
#     and its change in seconds must agree within diff's own stated
#     interval (widened to 3 standard errors) + 3 of perf's standard errors
#     + 10% of perf's change (hpprof's cost in the runs it samples); the
#     one-run diff assumes the spread the repeated runs measured where it
#     exceeds the default 10% (diff_lib.sh);
#   - the functions: perf record of one run per side; each function diff
#     calls slower or faster (on its self time) must not have changed the
#     other way in perf beyond 3 of its standard errors (Poisson plus 10%
#     run-to-run), and perf's 5 largest changes beyond them must be
#     slower/new or faster/gone in the diff, or "same" with perf's change
#     inside the interval diff states for the row (not resolved).
# The runs: diff_lib.sh.
# usage: diff_levels.sh PROGRAM LEVEL_BEFORE LEVEL_AFTER MB
. "$HP_SRC/tests/realworld/lib.sh"
. "$HP_SRC/tests/realworld/diff_lib.sh"
prog=$1 la=$2 lb=$3 mb=$4
case $prog in
xz) rw_need xz xz-utils; cmd="xz -T1 -c" ;;
bzip2) rw_need bzip2 bzip2; cmd="bzip2 -c" ;;
gzip) rw_need gzip gzip; cmd="gzip -c" ;;
*) fail "unknown program $prog" ;;
esac
rw_gen text input.txt "$mb"
rw_diff "$cmd -$la input.txt" "$cmd -$lb input.txt"

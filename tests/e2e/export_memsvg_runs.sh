#!/bin/sh
# export --format memory-svg of a merge of runs that ran one after the
# other: no "total RSS of all processes" line (each run's processes are on
# their own time axis from 0, so their sum was memory no moment held; wave
# 15: the line summed them). A run with several processes keeps its line
# (memory_procs checks it), and so do the ranks of one MPI job.
# usage: export_memsvg_runs.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel diffusion
for r in 1 2; do
	"$HPPROF" run -q -o r$r.db -k diffusion -- --size 384 --steps 60 >/dev/null 2>&1 ||
		fail "run $r"
done
"$HPPROF" merge -q -o m.db r1.db r2.db 2>/dev/null || fail "merge"
"$HPPROF" export -f memory-svg -o m.svg m.db || fail "memory-svg of the merge"
n=$(grep -c 'total RSS of all processes' m.svg)
assert_eq "total lines in the merge's chart" "$n" 0
n=$(q m.db "SELECT COUNT(DISTINCT pid) FROM memory_timeline")
assert_ge "processes with readings in the merge" "$n" 2
assert_eq "processes in the merge's legend" "$(grep -o ' (peak [0-9.]* MiB)</text>' m.svg | wc -l)" "$n"
echo PASS

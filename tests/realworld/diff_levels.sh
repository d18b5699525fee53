#!/bin/sh
# hpprof diff on a real change of known direction: one compressor at two
# levels on the same input (xz -1 -> -6, bzip2 -1 -> -9, gzip -1 -> -9),
# checked against perf in the same test (diff_check.py):
#   - the whole run: perf stat -e task-clock over RUNS runs per side is the
#     truth; diff's verdict (one run per side, and RUNS + RUNS runs) must
#     take its direction when perf stat's change is beyond 3 of its
#     standard errors ("same" passes only when that change lies within
#     diff's stated interval + 3 se: too small for the noise diff states),
#     and its change must agree within diff's own stated interval + 3 of
#     perf's standard errors + 5 pp;
#   - the functions: perf record of one run per side; each function diff
#     calls slower or faster (on its self time) must have changed the same
#     way in perf, and perf's 5 largest changes beyond 3 of its standard
#     errors (Poisson plus 10% run-to-run) must be slower/new or
#     faster/gone in the diff.
# Runs alternate between the sides so a slow spell of the machine hits both.
# usage: diff_levels.sh PROGRAM LEVEL_BEFORE LEVEL_AFTER MB
. "$HP_SRC/tests/realworld/lib.sh"
prog=$1 la=$2 lb=$3 mb=$4
RUNS=3
case $prog in
xz) rw_need xz xz-utils; set -- xz -T1 -c ;;
bzip2) rw_need bzip2 bzip2; set -- bzip2 -c ;;
gzip) rw_need gzip gzip; set -- gzip -c ;;
*) fail "unknown program $prog" ;;
esac
rw_need perf linux-perf
perf stat -x, -e task-clock -o probe.stat -- true >/dev/null 2>&1 ||
	skip "perf stat cannot count here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
rw_gen text input.txt "$mb"
note "target: $* -$la / -$lb input.txt (${mb} MiB)"
for i in $(seq 1 $RUNS); do
	for s in a b; do
		[ $s = a ] && l=$la || l=$lb
		rw_step hp$s$i "$HPPROF" run -q -F "$FREQ" -o $s$i.db -- "$@" -$l input.txt
		rw_step st$s$i perf stat -x, -e task-clock -o $s$i.stat -- "$@" -$l input.txt
	done
done
rw_step pa perf record -q -e cpu-clock -F "$FREQ" -o a.data -- "$@" -$la input.txt
rw_step pb perf record -q -e cpu-clock -F "$FREQ" -o b.data -- "$@" -$lb input.txt
rw_step one "$HPPROF" diff -f json a1.db b1.db
cp one.out one.json
"$HPPROF" diff -n 10 a1.db b1.db | sed 's/^/# /'
rw_step reps "$HPPROF" diff -f json $(seq -f a%g.db 1 $RUNS) -- $(seq -f b%g.db 1 $RUNS)
cp reps.out reps.json
"$PY" "$RW/diff_check.py" --stat-a $(seq -f a%g.stat 1 $RUNS) --stat-b $(seq -f b%g.stat 1 $RUNS) \
	--perf-a a.data --perf-b b.data --one one.json --reps reps.json ||
	fail "hpprof diff disagrees with perf on $prog -$la -> -$lb (the checks marked FAIL above)"
echo "PASS"

#!/bin/sh
# Benchmark (label bench): hpprof on the pure-Python julia kernel (issue 17).
#  - overhead at 1 kHz: wall time of `hpprof run -F 1000 -k julia-py` against
#    the bare kernel (budget <= 5%), and the kernel's own CPU time (its
#    truth line scope=process), medians of HP_BENCH_REPS interleaved pairs
#    (default 5), and the fastest of each (on a loaded machine other jobs
#    inflate CPU time too: cache, memory bandwidth); the wall figure is the
#    issue's, it means something only on a quiet machine;
#  - merged Python frames: the share of the samples of Python threads whose
#    Python frames were merged into the native stack (run_info python_*;
#    budget >= 99%), over all of them (unmerged, unresolved and samples taken
#    while the thread ran no Python count against it) and over the samples
#    taken in Python code (the thread ran Python, its frames were read).
# Figures over budget are reported; they fail only with HP_BENCH_STRICT=1
# (bench/bench.cmake says why).
# env: HPPROF, HP_BUILD
set -u
: "${HPPROF:?}"
K=${HP_BUILD:?HP_BUILD is not set}/kernels
REPS=${HP_BENCH_REPS:-5}
ARGS=${HP_BENCH_JULIA_ARGS:-}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
[ -x /usr/bin/python3.11 ] || { echo "SKIP: python3.11 is not installed"; exit 77; }
bad=0
now() { date +%s.%N; }
cpu() { awk '$1 == "truth" && / scope=process / { for (i = 2; i <= NF; i++)
	if ($i ~ /^cpu_s=/) print substr($i, 7) }' "$1"; }
minimum() { sort -g | head -1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

i=0
while [ $i -lt "$REPS" ]; do
	i=$((i + 1))
	t0=$(now); "$K/julia.py" $ARGS >"$tmp/bare$i.out" || { echo "FAIL: julia.py"; exit 1; }
	t1=$(now)
	"$HPPROF" run -q -F 1000 -o "$tmp/p$i.db" -k julia-py -- $ARGS >"$tmp/prof$i.out" 2>"$tmp/prof$i.err" ||
		{ cat "$tmp/prof$i.err"; echo "FAIL: hpprof run -k julia-py"; exit 1; }
	t2=$(now)
	echo "$t0 $t1" | awk '{ print $2 - $1 }' >>"$tmp/wall_bare"
	echo "$t1 $t2" | awk '{ print $2 - $1 }' >>"$tmp/wall_prof"
	cpu "$tmp/bare$i.out" >>"$tmp/cpu_bare"
	cpu "$tmp/prof$i.out" >>"$tmp/cpu_prof"
	for k in merged truncated unmerged unresolved native; do
		sqlite3 "$tmp/p$i.db" "SELECT value FROM run_info WHERE key = 'python_$k'"
	done | paste -sd' ' >>"$tmp/py"
done
wb=$(median <"$tmp/wall_bare") wp=$(median <"$tmp/wall_prof")
cb=$(median <"$tmp/cpu_bare") cp=$(median <"$tmp/cpu_prof")
ow=$(awk -v a="$wb" -v b="$wp" 'BEGIN { printf "%.1f", (b / a - 1) * 100 }')
oc=$(awk -v a="$cb" -v b="$cp" 'BEGIN { printf "%.1f", (b / a - 1) * 100 }')
echo "julia-py ${ARGS:-(default size)}, $REPS interleaved pairs, medians:"
echo "  wall: bare $wb s, hpprof run -F 1000 $wp s: overhead $ow% (budget 5%)"
echo "  the kernel's CPU: bare $cb s, profiled $cp s: overhead $oc%"
mb=$(minimum <"$tmp/cpu_bare") mp=$(minimum <"$tmp/cpu_prof")
om=$(awk -v a="$mb" -v b="$mp" 'BEGIN { printf "%.1f", (b / a - 1) * 100 }')
echo "  the kernel's CPU, fastest of each (least disturbed by other load): bare $mb s, profiled $mp s: $om%"
awk '{ m += $1; t += $2; u += $3; r += $4; n += $5 } END {
	all = m + t + u + r + n; py = m + t + u + r
	printf "  samples of Python threads: %d; merged %d, truncated %d, unmerged %d, unresolved %d, no Python running %d\n", all, m, t, u, r, n
	printf "  merged: %.2f%% of all of them, %.2f%% of those taken in Python code (budget 99%%)\n", 100 * (m + t) / all, 100 * (m + t) / py
	exit !((m + t) / py >= 0.99) }' "$tmp/py" || { echo "OVER BUDGET: merged share"; bad=1; }
awk -v o="$ow" 'BEGIN { exit !(o <= 5) }' || { echo "OVER BUDGET: wall overhead $ow%"; bad=1; }
if [ $bad = 1 ] && [ "${HP_BENCH_STRICT:-0}" = 1 ]; then
	exit 1
fi
[ $bad = 0 ] || echo "(reported; HP_BENCH_STRICT=1 makes it fail)"
exit 0

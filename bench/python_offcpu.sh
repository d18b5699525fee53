#!/bin/sh
# Benchmark (label bench): what off-CPU recording costs a launched CPython
# 3.11 under the preload agent (docs/offcpu.md, "Under the preload agent").
# HP_BENCH_REPS (default 10) ABBA pairs of `hpprof run -k julia-py` with the
# default (off-CPU events on) and with --no-off-cpu: per pair
#   * hpprof's own CPU time: the sum of the --debug=run:1 phase lines
#     (RUSAGE_SELF: every thread of hpprof, not the target), and of it the
#     "session, program started" phase (opening the events, the BPF load);
#   * the target's CPU time (julia-py's truth line scope=process);
#   * the off-CPU intervals recorded (julia-py switches out when preempted);
# and the medians of the pairs' differences / ratios, the load average
# beside every line. Informational: no budget (CPU times of a shared
# machine's jobs; the target's ratio is the load's within +-15% here).
# env: HPPROF, HP_BUILD; HP_BENCH_REPS
set -u
: "${HPPROF:?}"
REPS=${HP_BENCH_REPS:-10}
[ -x /usr/bin/python3.11 ] || { echo "SKIP: python3.11 is not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
one() {  # one MODE-ARG LABEL: prints "LABEL target_s hpprof_ms start_ms intervals"
	"$HPPROF" --debug=run:1 run -q $1 -o c.db -k julia-py >k.out 2>k.err || { cat k.err >&2; exit 1; }
	tc=$(awk '$1 == "truth" && /scope=process/ { for (i = 2; i <= NF; i++)
		if ($i ~ /^cpu_s=/) { sub("cpu_s=", "", $i); print $i } }' k.out)
	hc=$(awk '/phase/ { for (i = 1; i <= NF; i++) if ($i == "CPU") s += $(i + 1) }
		END { printf "%.1f", s }' k.err)
	st=$(awk '/phase session, program started/ { for (i = 1; i <= NF; i++)
		if ($i == "CPU") print $(i + 1) }' k.err)
	iv=$(sqlite3 c.db "SELECT value FROM run_info WHERE key = 'offcpu_intervals'")
	echo "$2 $tc $hc $st ${iv:-0}" >>runs.txt
	echo "# $2: target CPU ${tc} s, hpprof CPU ${hc} ms (start ${st} ms), intervals ${iv:--}," \
		"load $(cut -d' ' -f1 /proc/loadavg)"
}
for i in $(seq 1 "$REPS"); do
	if [ $((i % 2)) = 1 ]; then one "" on; one --no-off-cpu off; else one --no-off-cpu off; one "" on; fi
done
# per pair: hpprof's difference, its start phase's, the target's ratio
awk '{ if ($1 == "on") on = $0; else off = $0
	if (NR % 2 == 0) { split(on, a); split(off, b)
		printf "%.1f %.2f %.4f\n", a[3] - b[3], a[4] - b[4], a[2] / b[2] } }' runs.txt >pairs.txt
# med COLUMN: "median (min ... max)" of a column of pairs.txt
med() {
	cut -d' ' -f"$1" pairs.txt | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s (%s ... %s)", m, v[1], v[NR] }'
}
echo "hpprof own CPU, on - off (ms): median $(med 1); of it at the start: $(med 2)"
echo "target CPU, on / off: median $(med 3)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

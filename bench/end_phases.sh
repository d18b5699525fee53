#!/bin/sh
# end_phases.sh - hpprof's serial time after the program, side by side:
# N alternating rounds of this build and HPPROF_BASE (another build, e.g.
# main before a change) running the julia kernel with --debug=run:1.
#
#   HPPROF_BASE=/tmp/old/hpprof bench/end_phases.sh [BUILD_DIR] [ROUNDS]
#
# Per build, median / min / max of: the CPU and wall time of the phases
# after the program ("facts, JIT maps" to "released"), of "symbols,
# statistics, views" alone, the serial wall time (the command's wall time
# minus the target's run_info duration_ns: hpprof's start and end), the
# session phase's CPU and hpprof's whole CPU (the phases' sum; the target
# is not in it); and the load average; then the median of the rounds'
# differences (new - base) and in how many rounds new was lower. Both
# builds share the user's symbol cache (warm it first); symbol cache
# misses are counted per run.
set -eu
BUILD=${1:-build}
N=${2:-11}
NEW="$BUILD/hpprof"
BASE=${HPPROF_BASE:?HPPROF_BASE=<another hpprof build> is needed}
JULIA="$BUILD/kernels/hp-julia"
. "$(dirname "$0")/ab_lib.sh"     # AB_AWK_MEDIAN
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
one() {    # TAG BINARY
	rm -f "$T/$1.db"
	t0=$(date +%s%N)
	"$2" --debug=run:1,syms:1 run -q -o "$T/$1.db" "$JULIA" 2>"$T/$1.err" >/dev/null
	t1=$(date +%s%N)
	d=$(sqlite3 "$T/$1.db" "SELECT value FROM run_info WHERE key = 'duration_ns'")
	ld=$(cut -d' ' -f1 /proc/loadavg)
	awk -v tag="$1" -v w=$((t1 - t0)) -v d="$d" -v ld="$ld" '
	/phase / { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "CPU") c = $(i + 1)
		if ($i == "wall") wl = $(i + 1) }; tot += c }
	/phase session/ { sess = c }
	/phase (facts, JIT|symbols|summary|store closed|released)/ { ec += c; ew += wl }
	/phase symbols/ { sc = c; sw = wl }
	/symbol cache: [0-9]+ misses/ { for (i = 1; i <= NF; i++) if ($i == "misses") m = $(i - 1) }
	END { printf "%s endcpu %.2f endwall %.2f symcpu %.2f symwall %.2f serial %.2f sesscpu %.2f totcpu %.2f misses %s load %s\n",
		tag, ec, ew, sc, sw, (w - d) / 1e6, sess, tot, m, ld }' "$T/$1.err" >>"$T/rounds"
}
uptime
for i in $(seq "$N"); do
	if [ $((i % 2)) = 1 ]; then one base "$BASE"; one new "$NEW"
	else one new "$NEW"; one base "$BASE"; fi
done
uptime
for tag in base new; do
	for f in endcpu endwall symcpu symwall serial sesscpu totcpu misses load; do
		awk -v f=$f -v t=$tag "$AB_AWK_MEDIAN"'
			$1 == t { for (i = 1; i <= NF; i++) if ($i == f) a[++n] = $(i + 1) }
			END { m = median(a, n)      # sorts a: a[1] and a[n] are the extremes
			printf "%-4s %-8s median %8.2f  min %8.2f  max %8.2f  (%d runs)\n", t, f, m, a[1], a[n], n }' \
			"$T/rounds"
	done
done
# Paired: round i's new minus its base (the rounds alternate the order).
for f in endcpu endwall symcpu serial totcpu; do
	awk -v f=$f "$AB_AWK_MEDIAN"'{ for (i = 1; i <= NF; i++) if ($i == f) v = $(i + 1) }
		$1 == "base" { b[++nb] = v } $1 == "new" { n[++nn] = v }
		END { for (k = 1; k <= nb && k <= nn; k++) { d[k] = n[k] - b[k]; lo += d[k] < 0 }
		printf "new - base %-8s median of the rounds %+7.2f  (lower in %d of %d)\n", f,
			median(d, k - 1), lo, k - 1 }' "$T/rounds"
done

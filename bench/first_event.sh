#!/bin/sh
# first_event.sh - what the first run after an idle second costs
# (docs/performance.md, "Wave 18: the first event's grace period"):
#   bench/first_event.sh [BUILD_DIR] [ROUNDS] [TARGET ARGS...]
#   HPPROF_BASE=/tmp/old/hpprof bench/first_event.sh build 11
# The first per-task perf event opened while the machine has none waits
# for an RCU grace period in the kernel (the perf_sched_events static
# key, switched off 1 s after the last per-task event closes). Each round
# runs, for this build (and HPPROF_BASE, and perf record when installed),
# `run -q -o DB TARGET` (default /bin/true) twice: cold, after 1.2 s
# without perf events, then warm, at once; and prints per side the median
# wall times and the median of the rounds' cold - warm differences: the
# part of the grace period the tool did not hide behind its own start.
# Meaningful only while nothing else on the machine holds a per-task perf
# event (another profiler, perf stat -p, a test suite): the script says
# when the cold runs were not slower than the warm ones.
set -eu
BUILD=${1:-build}
N=${2:-11}
[ $# -ge 2 ] && shift 2 || shift $#
[ $# -gt 0 ] || set -- /bin/true
PERF=$(command -v perf || true)
. "$(dirname "$0")/ab_lib.sh"
ab_init

now_us() { echo $(($(date +%s%N) / 1000)); }
# wall_us CMD...: the command's wall time in microseconds
wall_us() {
	t0=$(now_us)
	"$@" >/dev/null 2>&1 || true
	echo $(($(now_us) - t0))
}
# one SIDE BIN ROUND TARGET...: "SIDE ROUND COLD_US WARM_US"
one() {
	side=$1 bin=$2 round=$3
	shift 3
	sleep 1.2
	if [ "$side" = perf ]; then
		cold=$(wall_us "$bin" record -q -o "$W/p.data" "$@")
		warm=$(wall_us "$bin" record -q -o "$W/p.data" "$@")
	else
		cold=$(wall_us "$bin" run -q -o "$W/$side.db" "$@")
		warm=$(wall_us "$bin" run -q -o "$W/$side.db" "$@")
	fi
	echo "$side $round $cold $warm"
}
"$NEW" run -q -o "$W/new.db" "$@" >/dev/null 2>&1 || true      # symbol cache, page cache
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ab_rounds "$N" "$@" >"$W/rows"
if [ -n "$PERF" ]; then
	for i in $(seq 1 "$N"); do one perf "$PERF" "$i" "$@"; done >>"$W/rows"
fi
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
awk "$AB_AWK_MEDIAN"'
{ n[$1]++; c[$1, n[$1]] = $3 / 1000; w[$1, n[$1]] = $4 / 1000; d[$1, n[$1]] = ($3 - $4) / 1000 }
END {
	printf "%-8s %6s %12s %12s %16s\n", "side", "rounds", "cold ms", "warm ms", "cold - warm ms"
	split("base new perf", sides, " ")
	for (k = 1; k <= 3; k++) {
		s = sides[k]
		if (!n[s]) continue
		for (i = 1; i <= n[s]; i++) { cv[i] = c[s, i]; wv[i] = w[s, i]; dv[i] = d[s, i] }
		md = median(dv, n[s])
		printf "%-8s %6d %12.2f %12.2f %16.2f\n", s, n[s], median(cv, n[s]), median(wv, n[s]), md
		if (md <= 0) printf "  %s: the cold runs were not slower: something else holds a perf event\n", s
	}
}' "$W/rows"

#!/bin/sh
# The collector's fixed cost of a run, in load-robust counts beside the CPU
# time (docs/performance.md, "Wave 16: the collector's fixed cost"):
#   bench/collector_cost.sh [BUILD_DIR] [ROUNDS] [TARGET ARGS...]
#   HPPROF_BASE=/tmp/old/hpprof bench/collector_cost.sh build 10
# Each round runs `perf stat -r 10` of `hpprof run -q -o DB TARGET` (default
# /bin/true) for each build, the builds alternating (the machine's load
# moves: a series of one build after the other compares two loads), and
# counts task-clock, page faults, context switches and system calls of the
# whole command (the target included, which is the same program for both).
# Prints each build's median of the rounds' means, the median of the
# rounds' differences (this build minus the base), in how many rounds this
# build was lower, and the load average before and after; then one run of
# each with --debug=run:1: the run loop's rounds, why it woke, its thread's
# page faults. Without HPPROF_BASE, this build alone. Each build gets a
# copy of the user's symbol cache, so that neither reads what the other
# wrote.
set -eu
BUILD=${1:-build}
N=${2:-10}
[ $# -ge 2 ] && shift 2 || shift $#
[ $# -gt 0 ] || set -- /bin/true
. "$(dirname "$0")/ab_lib.sh"
ab_init
PERF=$(command -v perf || true)
[ -n "$PERF" ] || { echo "SKIP: perf is not installed (linux-perf)"; exit 77; }
EV=task-clock,page-faults,context-switches
# the system calls' tracepoint needs tracefs (root, or perf_event_paranoid -1)
"$PERF" stat -e raw_syscalls:sys_enter -o /dev/null true 2>/dev/null && EV=$EV,raw_syscalls:sys_enter
SRC=${XDG_CACHE_HOME:-$HOME/.cache}/hpprof
for side in base new; do
	mkdir -p "$W/cache-$side"
	[ -d "$SRC" ] && cp -r "$SRC" "$W/cache-$side/" 2>/dev/null || true
done

# one SIDE BIN ROUND: a line "SIDE ROUND task-clock faults switches syscalls"
one() {
	side=$1 bin=$2 round=$3
	shift 3
	XDG_CACHE_HOME="$W/cache-$side" LC_ALL=C "$PERF" stat -r 10 -x, -e "$EV" -o "$W/st" -- \
		"$bin" run -q -o "$W/$side.db" "$@" >/dev/null 2>&1 || true
	awk -F, -v s="$side" -v r="$round" '
		/task-clock/ { t = $1 } /page-faults/ { f = $1 } /context-switches/ { c = $1 }
		/sys_enter/ { y = $1 }
		END { printf "%s %d %s %s %s %s\n", s, r, t, f, c, (y == "" ? "nan" : y) }' "$W/st"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ab_rounds "$N" "$@" >"$W/rows"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
awk "$AB_AWK_MEDIAN"'

{ for (k = 3; k <= 6; k++) v[$1, $2, k] = $k; have[$1] = 1; if ($2 > r) r = $2 }
END {
	split("task-clock_ms page-faults context-switches system-calls", name, " ")
	for (k = 3; k <= 6; k++) {
		nb = nn = nd = lower = 0
		for (i = 1; i <= r; i++) {
			if (have["new"]) nv[++nn] = v["new", i, k]
			if (have["base"]) { bv[++nb] = v["base", i, k]
				d = v["new", i, k] - v["base", i, k]; dv[++nd] = d; lower += d < 0 }
		}
		if (v["new", 1, k] == "nan") continue
		if (nb) printf "%-17s base %9.2f  this build %9.2f  difference %+8.2f, lower in %d of %d\n",
			name[k - 2], median(bv, nb), median(nv, nn), median(dv, nd), lower, nd
		else printf "%-17s this build %9.2f (median of %d rounds)\n", name[k - 2], median(nv, nn), nn
	}
}' "$W/rows"
for side in base new; do
	bin=$NEW
	[ $side = base ] && { [ -n "$BASE" ] || continue; bin=$BASE; }
	echo "$side, one run with --debug=run:1:"
	XDG_CACHE_HOME="$W/cache-$side" "$bin" --debug=run:1 run -q -o "$W/$side.db" "$@" 2>&1 \
		>/dev/null | grep 'run loop' | sed 's/^/  /'
done

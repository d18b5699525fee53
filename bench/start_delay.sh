#!/bin/sh
# start_delay.sh - how long `hpprof run` takes to let its program start,
# and the whole command's wall (docs/performance.md, "Wave 20 (w20-start)"):
#   bench/start_delay.sh [BUILD_DIR] [ROUNDS] [TARGET ARGS...]
#   HPPROF_BASE=/tmp/old/hpprof bench/start_delay.sh build 41
# Each round runs `hpprof run -q -o DB TARGET` once per build, the builds
# alternating (which goes first alternates too). The default target,
# `/bin/date +%s%N`, prints its own clock: "start" is the time from just
# before the command to that reading (hpprof's exec, options, events,
# rings and fork, the release and the program's exec; a shell's `date`
# before it adds the same to both sides). "wall" is the whole command's.
# Prints each build's median and minimum, the median of the rounds'
# differences (this build minus the base) and in how many rounds this
# build was lower; then the load average before and after.
set -eu
BUILD=${1:-build}
N=${2:-41}
[ $# -ge 2 ] && shift 2 || shift $#
[ $# -gt 0 ] || set -- /bin/date +%s%N
. "$(dirname "$0")/ab_lib.sh"
ab_init
# one SIDE BIN ROUND: a line "SIDE ROUND START_US WALL_US" (START_US -1
# when the target does not print a clock)
one() {
	side=$1 bin=$2 round=$3
	shift 3
	t0=$(date +%s%N)
	out=$("$bin" run -q -o "$W/$side.db" "$@" 2>/dev/null || true)
	t1=$(date +%s%N)
	case "$out" in
	[0-9]*[0-9]) start=$(((out - t0) / 1000)) ;;
	*) start=-1 ;;
	esac
	echo "$side $round $start $(((t1 - t0) / 1000))"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ab_rounds "$N" "$@" >"$W/rows"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
for col in 3 4; do
	awk -v col=$col "$AB_AWK_MEDIAN"'
	{ v[$1, $2] = $col; rounds[$2] = 1; sides[$1] = 1 }
	END {
		name = col == 3 ? "start" : "wall"
		for (s in sides) {
			n = 0; mn = -1
			for (r in rounds) { a[++n] = v[s, r]; if (mn < 0 || v[s, r] < mn) mn = v[s, r] }
			if (a[1] < 0) continue
			printf "%-5s %-4s median %8.2f ms, min %8.2f ms\n", name, s, median(a, n) / 1000, mn / 1000
		}
		if (!("base" in sides) || v["new", 1] < 0) exit
		n = 0; low = 0
		for (r in rounds) { d[++n] = v["new", r] - v["base", r]; low += d[n] < 0 }
		printf "%-5s this build minus the base: median %+.2f ms, lower in %d of %d\n", name,
		       median(d, n) / 1000, low, n
	}' "$W/rows"
done

#!/bin/sh
# The fixed cost of a run: `hpprof run /bin/true`, with the symbol cache
# cold (a fresh cache directory each run: the first run on a machine),
# warm (primed by earlier runs), and off (--no-cache), against
# `perf record /bin/true`.
#   bench/symcache.sh [BUILD_DIR] [REPEATS] [--check MS]
# Prints, per case, the median / min / max of the CPU time (task-clock of
# the tool and its children, /bin/true included, from `perf stat`) and of
# the wall time, in milliseconds. --check MS: the warm median CPU time
# against a budget of MS; over it, exit 1 with HP_BENCH_STRICT=1, else a
# note (the CTest `bench` label runs it so: bench_fixed_cost, issue 12's
# 30 ms).
#
# Before/after a change (the machine's load moves, so the two builds are
# measured in alternation, not one series after the other):
#   HPPROF_BASE=/tmp/old/hpprof bench/symcache.sh build 12
# adds REPEATS rounds of `perf stat -r 10` of `hpprof run /bin/true` and
# of `hpprof --version` (the process start alone) for the base build and
# this one, alternating; prints each side's median of the rounds' means,
# the median of the rounds' differences, in how many rounds this build
# was lower, and the load average before and after. HP_BENCH_R=1 makes
# each round one run of each instead of ten (the rounds' medians then
# show how often a run misses the cache, not its mean). Each build has a
# cache of its own, made alike (a cold run and five more) before the
# rounds: what a build writes into its cache (how much of a module it
# resolves) is part of what is compared, so they must not share one.
set -eu
BUILD=${1:-build}
N=${2:-15}
CHECK=
[ "${3:-}" = "--check" ] && CHECK=${4:?--check needs a number of ms}
HPPROF="$BUILD/hpprof"
R=${HP_BENCH_R:-10}
TARGET=${TARGET:-/bin/true}
PERF=$(command -v perf || true)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
[ -x "$HPPROF" ] || { echo "build first (make)"; exit 1; }
[ -n "$PERF" ] || { echo "SKIP: perf is not installed (linux-perf): it measures the CPU time"; exit 77; }

# cpu_wall CMD...: "CPU_MS WALL_MS" of one run (perf stat: task-clock and
# the elapsed time, the command's children included).
cpu_wall() {
	LC_ALL=C "$PERF" stat -e task-clock -o "$W/stat" -- "$@" >/dev/null 2>&1 || true
	cpu=$(awk '/msec task-clock/ { gsub(",", "", $1); print $1 }' "$W/stat")
	wall=$(awk '/seconds time elapsed/ { print $1 * 1000 }' "$W/stat")
	echo "${cpu:-nan} ${wall:-nan}"
}
# stats FILE: "median min max" of column 1 and of column 2
stats() {
	for col in 1 2; do
		sort -n -k$col "$1" | awk -v c=$col '{ v[NR] = $c } END {
			printf "%7.1f %7.1f %7.1f   ", v[int((NR + 1) / 2)], v[1], v[NR] }'
	done
}
row() {  # row LABEL FILE
	printf '%-36s %s\n' "$1" "$(stats "$2")"
}
# case LABEL PREPARE CMD...: N runs, PREPARE (a shell snippet) before each
measure() {
	label=$1 prep=$2
	shift 2
	: >"$W/m"
	i=0
	while [ $i -lt "$N" ]; do
		eval "$prep"
		rm -f "$W/out.db" "$W/out.db.old" "$W/p.data" "$W/p.data.old"
		cpu_wall "$@" >>"$W/m"
		i=$((i + 1))
	done
	row "$label" "$W/m"
	cp "$W/m" "$W/last"
}

echo "machine: $(nproc) CPUs, $(uname -r); target $TARGET; $N runs each"
printf '%-36s %-30s %s\n' "" "CPU ms: median   min     max" "wall ms: median   min     max"
export XDG_CACHE_HOME="$W/cache"
measure "hpprof run, cache cold" 'rm -rf "$W/cache"' \
	"$HPPROF" run -q -o "$W/out.db" "$TARGET"
measure "hpprof run --no-cache" ':' \
	"$HPPROF" run -q --no-cache -o "$W/out.db" "$TARGET"
for i in 1 2 3 4 5; do
	"$HPPROF" run -q -o "$W/out.db" "$TARGET" >/dev/null 2>&1 || true
	rm -f "$W/out.db" "$W/out.db.old"
done
measure "hpprof run, cache warm" ':' \
	"$HPPROF" run -q -o "$W/out.db" "$TARGET"
warm=$(sort -n "$W/last" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
measure "perf record" ':' \
	"$PERF" record -q -o "$W/p.data" "$TARGET"
measure "perf record -g" ':' \
	"$PERF" record -q -g -o "$W/p.data" "$TARGET"
echo "cache: $(du -sh "$W/cache" 2>/dev/null | cut -f1) in $(find "$W/cache" -type f | wc -l) files"
# interleaved CMD...: HPPROF_BASE's and this build's `perf stat -r 10`
# means of CMD (HPPROF standing for the binary), N rounds alternating.
interleaved() {
	label=$1
	shift
	: >"$W/ab"
	i=0
	while [ $i -lt "$N" ]; do
		line=
		for side in base this; do
			bin=$HPPROF
			[ $side = base ] && bin=$HPPROF_BASE
			cmd=$(echo "$*" | sed "s|HPPROF|$bin|")
			# shellcheck disable=SC2086
			v=$(XDG_CACHE_HOME="$W/cache-$side" LC_ALL=C "$PERF" stat -r "$R" -x, \
				-e task-clock -- $cmd 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }')
			rm -f "$W/out.db" "$W/out.db.old"
			line="$line ${v:-nan}"
		done
		echo "$line" >>"$W/ab"
		i=$((i + 1))
	done
	awk -v label="$label" '
		function median(a, n,   i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		{ n++; b[n] = $1; h[n] = $2; d[n] = $2 - $1; if ($2 < $1) lower++ }
		END { printf "%-28s base %6.2f ms, this build %6.2f ms, difference %+6.2f ms (median of %d rounds), lower in %d\n",
			label, median(b, n), median(h, n), median(d, n), n, lower }' "$W/ab"
}
if [ -n "${HPPROF_BASE:-}" ]; then
	[ -x "$HPPROF_BASE" ] || { echo "HPPROF_BASE=$HPPROF_BASE is not an executable"; exit 1; }
	for side in base this; do
		bin=$HPPROF
		[ $side = base ] && bin=$HPPROF_BASE
		for i in 1 2 3 4 5 6; do          # a cold run and five more, as above
			XDG_CACHE_HOME="$W/cache-$side" "$bin" run -q -o "$W/out.db" "$TARGET" \
				>/dev/null 2>&1 || true
			rm -f "$W/out.db" "$W/out.db.old"
		done
	done
	echo "interleaved with $HPPROF_BASE (each build its own warm cache), CPU ms of \`perf stat -r $R\` per round;"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	interleaved "hpprof run $TARGET" "HPPROF run -q -o $W/out.db $TARGET"
	interleaved "hpprof --version" "HPPROF --version"
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
if [ -n "$CHECK" ]; then
	if awk -v w="$warm" -v c="$CHECK" 'BEGIN { exit !(w <= c) }'; then
		echo "PASS: warm median CPU $warm ms <= $CHECK ms"
	elif [ "${HP_BENCH_STRICT:-0}" = 1 ]; then
		echo "FAIL: warm median CPU $warm ms > $CHECK ms"; exit 1
	else     # a loaded machine is slow for reasons not hpprof's (bench/bench.cmake)
		echo "OVER BUDGET: warm median CPU $warm ms > $CHECK ms (HP_BENCH_STRICT=1 makes it fail)"
	fi
fi

#!/bin/sh
# The fixed cost of a run: `hpprof run /bin/true`, with the symbol cache
# cold (a fresh cache directory each run: the first run on a machine),
# warm (primed by earlier runs), and off (--no-cache), against
# `perf record /bin/true`.
#   bench/symcache.sh [BUILD_DIR] [REPEATS] [--check MS]
# Prints, per case, the median / min / max of the CPU time (task-clock of
# the tool and its children, /bin/true included, from `perf stat`) and of
# the wall time, in milliseconds. --check MS: exit 1 unless the warm
# median CPU time is at most MS (the CTest `bench` label runs it so).
set -eu
BUILD=${1:-build}
N=${2:-15}
CHECK=
[ "${3:-}" = "--check" ] && CHECK=${4:?--check needs a number of ms}
HPPROF="$BUILD/hpprof"
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
if [ -n "$CHECK" ]; then
	awk -v w="$warm" -v c="$CHECK" 'BEGIN { exit !(w <= c) }' ||
		{ echo "FAIL: warm median CPU $warm ms > $CHECK ms"; exit 1; }
	echo "PASS: warm median CPU $warm ms <= $CHECK ms"
fi

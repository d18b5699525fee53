#!/bin/sh
# Side-by-side benchmark of hpprof against perf on the julia kernel.
#   bench/run.sh [BUILD_DIR] [REPEATS]
# Prints the median wall time of each tool, the overhead ratio against the
# bare kernel, hpprof's bytes per sample, unwind rate and symbolization time.
# Numbers go to docs/performance.md by hand, with the machine they came from.
set -eu
BUILD=${1:-build}
N=${2:-5}
HPPROF="$BUILD/hpprof"
JULIA="$BUILD/kernels/hp-julia"
PERF=$(command -v perf || true)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
[ -x "$HPPROF" ] && [ -x "$JULIA" ] || { echo "build first (make)"; exit 1; }

now() { date +%s.%N; }
# median of N wall times of a command
median_wall() {
	: >"$W/times"
	i=0
	while [ $i -lt "$N" ]; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || true
		t1=$(now)
		echo "$t1 - $t0" | bc -l >>"$W/times"
		i=$((i + 1))
	done
	sort -n "$W/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
ratio() { echo "scale=4; ($1 / $2 - 1) * 100" | bc -l; }

echo "machine: $(nproc) CPUs, $(uname -r); $N runs each, median wall time"
base=$(median_wall "$JULIA")
printf '%-44s %8.3f s\n' "julia (no profiler)" "$base"

hp=$(median_wall "$HPPROF" run -q -o "$W/h.db" "$JULIA")
printf '%-44s %8.3f s  %+6.2f%%\n' "hpprof run (1 kHz, dwarf, counters, faults)" "$hp" "$(ratio "$hp" "$base")"
hpm=$(median_wall "$HPPROF" run -q -o "$W/m.db" --fault-period 0 -e task-clock "$JULIA")
printf '%-44s %8.3f s  %+6.2f%%\n' "hpprof run (1 kHz, dwarf, minimal)" "$hpm" "$(ratio "$hpm" "$base")"

if [ -n "$PERF" ]; then
	pg=$(median_wall "$PERF" record -q -e cpu-clock -F 1000 -g -o "$W/p1.data" "$JULIA")
	printf '%-44s %8.3f s  %+6.2f%%\n' "perf record -g (1 kHz)" "$pg" "$(ratio "$pg" "$base")"
	pd=$(median_wall "$PERF" record -q -e cpu-clock -F 1000 --call-graph dwarf -o "$W/p2.data" "$JULIA")
	printf '%-44s %8.3f s  %+6.2f%%\n' "perf record --call-graph dwarf (1 kHz)" "$pd" "$(ratio "$pd" "$base")"
	"$PERF" record -q -e cpu-clock -F 1000 --call-graph dwarf -o "$W/p2.data" "$JULIA" >/dev/null 2>&1 || true
	t0=$(now); "$PERF" report -i "$W/p2.data" --stdio >/dev/null 2>&1 || true; t1=$(now)
	printf '%-44s %8.3f s\n' "perf report (dwarf data)" "$(echo "$t1 - $t0" | bc -l)"
	printf '%-44s %8d bytes\n' "perf.data size (dwarf)" "$(stat -c %s "$W/p2.data")"
else
	echo "perf not installed: skipping the perf rows"
fi

"$HPPROF" run -q -o "$W/h.db" "$JULIA" >/dev/null 2>&1
samples=$(sqlite3 "$W/h.db" "SELECT value FROM run_info WHERE key='samples'")
size=$(stat -c %s "$W/h.db")
sqlite3 "$W/h.db" "VACUUM"
vsize=$(stat -c %s "$W/h.db")
unwind=$(sqlite3 "$W/h.db" "SELECT value FROM run_info WHERE key='unwind_ns'")
sym=$(sqlite3 "$W/h.db" "SELECT value FROM run_info WHERE key='symbolize_ns'")
entry=$(sqlite3 "$W/h.db" "SELECT 100.0 * (SELECT value FROM run_info WHERE key='complete_stacks') / $samples")
echo "hpprof database: $size bytes ($vsize after VACUUM) for $samples samples:" \
	"$(echo "$vsize / $samples" | bc) bytes/sample (whole file, symbols included)"
sbytes=$(sqlite3 "$W/h.db" "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('samples','samples_by_time')" 2>/dev/null || echo "")
[ -n "$sbytes" ] && echo "  samples table + index: $(echo "$sbytes / $samples" | bc) bytes/sample"
echo "unwinding: $(echo "$samples * 1000000000 / $unwind" | bc) samples/s ($(echo "scale=2; $unwind / $samples / 1000" | bc) us/sample)"
echo "symbolization at the end of run: $(echo "scale=3; $sym / 1000000000" | bc) s"
echo "complete stacks: $entry%"
t0=$(now); "$HPPROF" report "$W/h.db" >/dev/null; t1=$(now)
echo "hpprof report: $(echo "$t1 - $t0" | bc -l) s"

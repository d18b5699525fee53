#!/bin/sh
# Allocation tracking side by side with heaptrack (Debian package):
#   bench/memory.sh [BUILD_DIR]        env: ROUNDS (default 5)
# For each workload: wall time bare, under hpprof --alloc and under
# heaptrack (recording only, as heaptrack's analysis runs afterwards), then
# the calls, leaked bytes and heap peak each tool reports. Each round runs
# the three one after the other, so a change of the machine's load touches
# all of them; the figures are the medians of ROUNDS rounds, and the load
# average is printed before and after (on a shared machine wall times are
# inflated and noisy: the ratios are what to read).
set -eu
BUILD=${1:-build}
HPPROF="$BUILD/hpprof"
K="$BUILD/kernels"
ROUNDS=${ROUNDS:-5}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
command -v heaptrack >/dev/null || { echo "heaptrack is not installed (apt-get install heaptrack)"; exit 1; }

now() { date +%s%N; }
wall() {  # wall OUT CMD...: appends the run's wall ms to $W/OUT
	o=$1
	shift
	t0=$(now)
	"$@" >/dev/null 2>&1 || true
	echo $(( ($(now) - t0) / 1000000 )) >>"$W/$o"
}
median() {  # median FILE: the median of the numbers in FILE, one a line
	sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

run() {  # run NAME KERNEL ARGS...
	name=$1
	kernel=$2
	shift 2
	rm -f "$W/bare" "$W/hp" "$W/ht"
	for r in $(seq "$ROUNDS"); do
		wall bare "$K/hp-$kernel" "$@"
		wall hp "$HPPROF" run -q --alloc --fault-period 0 -o "$W/h.db" -k "$kernel" -- "$@"
		rm -f "$W"/ht.*
		wall ht heaptrack -o "$W/ht" "$K/hp-$kernel" "$@"
	done
	bare=$(median "$W/bare") hp=$(median "$W/hp") ht=$(median "$W/ht")
	"$HPPROF" run -q --alloc --fault-period 0 -o "$W/h.db" -k "$kernel" -- "$@" >/dev/null 2>&1
	rm -f "$W"/ht*
	heaptrack -o "$W/ht" "$K/hp-$kernel" "$@" >/dev/null 2>&1
	heaptrack_print "$W"/ht.* >"$W/ht.txt" 2>/dev/null || true
	printf '%-26s bare %6d ms | hpprof --alloc %6d ms (x%.1f) | heaptrack %6d ms (x%.1f)\n' \
		"$name" "$bare" "$hp" "$(echo "$hp / $bare" | bc -l)" "$ht" "$(echo "$ht / $bare" | bc -l)"
	printf '%26s hpprof:    calls %s, leaked %s B, heap peak %s B\n' "" \
		"$(sqlite3 "$W/h.db" "SELECT value FROM run_info WHERE key='alloc_count'")" \
		"$(sqlite3 "$W/h.db" "SELECT COALESCE(SUM(leaked_bytes), 0) FROM alloc_sites")" \
		"$(sqlite3 "$W/h.db" "SELECT value FROM run_info WHERE key='heap_peak_bytes'")"
	printf '%26s heaptrack: %s; %s; %s\n' "" \
		"$(grep -m1 '^calls to allocation' "$W/ht.txt" | sed 's/ (.*//')" \
		"$(grep -m1 '^total memory leaked' "$W/ht.txt")" \
		"$(grep -m1 '^peak heap memory' "$W/ht.txt")"
}

echo "machine: $(nproc) CPUs, $(uname -r); $ROUNDS interleaved rounds, median wall times"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run "memory leak" memory --variant leak
run "diffusion lists (churn)" diffusion --variant lists --size 512 --steps 40
run "memory boxed (1M live)" memory --variant boxed --n 1000000 --passes 2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

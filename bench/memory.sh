#!/bin/sh
# Allocation tracking side by side with heaptrack (Debian package):
#   bench/memory.sh [BUILD_DIR]
# For each workload: wall time bare, under hpprof --alloc and under
# heaptrack (recording only, as heaptrack's analysis runs afterwards), then
# the calls, leaked bytes and heap peak each tool reports.
set -eu
BUILD=${1:-build}
HPPROF="$BUILD/hpprof"
K="$BUILD/kernels"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
command -v heaptrack >/dev/null || { echo "heaptrack is not installed (apt-get install heaptrack)"; exit 1; }

now() { date +%s%N; }
wall() {  # wall CMD... -> milliseconds (best of 3)
	best=
	for i in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || true
		t=$(( ($(now) - t0) / 1000000 ))
		[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
	done
	echo "$best"
}

run() {  # run NAME KERNEL ARGS...
	name=$1
	kernel=$2
	shift 2
	bare=$(wall "$K/hp-$kernel" "$@")
	hp=$(wall "$HPPROF" run -q --alloc --fault-period 0 -o "$W/h.db" -k "$kernel" -- "$@")
	ht=$(wall heaptrack -o "$W/ht" "$K/hp-$kernel" "$@")
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

echo "machine: $(nproc) CPUs, $(uname -r); best of 3 wall times"
run "memory leak" memory --variant leak
run "diffusion lists (churn)" diffusion --variant lists --size 512 --steps 40
run "memory boxed (1M live)" memory --variant boxed --n 1000000 --passes 2

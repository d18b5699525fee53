#!/bin/sh
# overhead.sh - whole-run overhead of `hpprof run` on the julia kernel,
# side by side: N interleaved rounds (bare, profiled, and `perf record` with
# the same sampling for comparison; the order alternates), each timed for wall time and for the CPU time of the whole command, hpprof's
# threads and the target together (perf stat's task-clock, inherited by
# every thread and child; /usr/bin/time's 10 ms resolution without perf).
#
#   bench/overhead.sh [BUILD_DIR] [PAIRS] [-- HPPROF-RUN-OPTIONS...]
#
# Prints per pair the ratios, then the medians of the profiled/bare ratios
# (wall and CPU) for hpprof, for perf record and for the floor (the
# kernel's sampling alone, bench/stackcopy.c, when built), hpprof's own CPU (the
# command's minus what julia's truth line says julia used), the target's own duration under hpprof (run_info
# duration_ns) against its bare wall time, and the load average before and
# after: on a shared machine the figures mean little when the load exceeds
# the number of CPUs, and the script says so. docs/performance.md gives the
# figures with the machine they came from.
#
# HPPROF_BASE=/tmp/old/hpprof (another build, e.g. main before a change):
# each round runs it too, beside this build, and the script prints its
# ratios and own CPU, and the median of the rounds' differences in own CPU.
# Then each build reads and writes a copy of the user's symbol cache of
# its own ($XDG_CACHE_HOME/hpprof, else ~/.cache/hpprof, copied at the
# start): what a build keeps there is part of what is compared.
set -eu
BUILD=${1:-build}
N=${2:-11}
[ $# -ge 2 ] && shift 2 || shift $#
[ "${1:-}" = "--" ] && shift
HPPROF="$BUILD/hpprof"
JULIA="$BUILD/kernels/hp-julia"
[ -x "$HPPROF" ] && [ -x "$JULIA" ] || { echo "build first (make)" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PERF=$(command -v perf || true)
[ -n "$PERF" ] && "$PERF" stat -x, -e task-clock true >/dev/null 2>&1 || PERF=""

now() { date +%s.%N; }
# timed NAME CMD...: appends "NAME wall cpu" to $W/t (cpu in seconds)
timed() {
	name=$1
	shift
	t0=$(now)
	if [ -n "$PERF" ]; then
		"$PERF" stat -x, -o "$W/stat" -e task-clock -- "$@" >"$W/out" 2>&1 || true
		cpu=$(awk -F, '$3 == "task-clock" { printf "%.6f", $1 / 1000 }' "$W/stat")
	else
		/usr/bin/time -f "%U %S" -o "$W/stat" "$@" >"$W/out" 2>&1 || true
		cpu=$(awk '{ printf "%.6f", $1 + $2 }' "$W/stat")
	fi
	t1=$(now)
	echo "$name $(echo "$t1 - $t0" | bc -l) $cpu" >>"$W/t"
	# hpprof's own CPU: the command's minus the CPU julia measured itself
	# (its "truth scope=process ... cpu_s=" line, kernels/ktruth.c)
	[ "$name" = hpprof ] || [ "$name" = base ] || return 0
	own=own
	[ "$name" = base ] && own=own_base
	sed -n 's/.*scope=process.* cpu_s=\([0-9.]*\).*/\1/p' "$W/out" |
		awk -v c="$cpu" 'NR == 1 { printf "%.3f\n", (c - $1) * 1000 }' >>"$W/$own"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $(nproc) CPUs, $(uname -r); load average $load0; $N interleaved pairs"
how="/usr/bin/time (10 ms resolution)"
[ -n "$PERF" ] && how="perf stat's task-clock"
echo "profiled: hpprof run $*; CPU time from $how"
: >"$W/t"
: >"$W/dur"
: >"$W/own"
: >"$W/own_base"
BASE=${HPPROF_BASE:-}
[ -z "$BASE" ] || [ -x "$BASE" ] || { echo "HPPROF_BASE=$BASE is not an executable" >&2; exit 1; }
CACHE_THIS=${XDG_CACHE_HOME:-$HOME/.cache}
CACHE_BASE=$CACHE_THIS
if [ -n "$BASE" ]; then            # a copy of the cache for each build
	mkdir -p "$W/cache-this" "$W/cache-base"
	if [ -d "$CACHE_THIS/hpprof" ]; then
		cp -a "$CACHE_THIS/hpprof" "$W/cache-this/"
		cp -a "$CACHE_THIS/hpprof" "$W/cache-base/"
	fi
	CACHE_THIS=$W/cache-this
	CACHE_BASE=$W/cache-base
	XDG_CACHE_HOME=$CACHE_THIS "$HPPROF" run -q -o "$W/warm.db" "$@" "$JULIA" >/dev/null 2>&1 ||
		true
	XDG_CACHE_HOME=$CACHE_BASE "$BASE" run -q -o "$W/warm.db" "$@" "$JULIA" >/dev/null 2>&1 || true
else
	"$HPPROF" run -q -o "$W/warm.db" "$@" "$JULIA" >/dev/null 2>&1 || true  # symbol cache, page cache
fi
base_run() {
	[ -n "$BASE" ] || return 0
	(export XDG_CACHE_HOME="$CACHE_BASE"; timed base "$BASE" run -q -o "$W/b.db" "$@" "$JULIA")
}
this_run() {
	(export XDG_CACHE_HOME="$CACHE_THIS"; timed hpprof "$HPPROF" run -q -o "$W/h.db" "$@" "$JULIA")
}
# perf record with the same sampling (cpu-clock at 1 kHz, DWARF stacks; perf
# copies 8 KiB of stack by default and unwinds at `perf report`, not here).
perf_run() {
	[ -n "$PERF" ] || return 0
	timed perf "$PERF" record -q -e cpu-clock -F 1000 --call-graph dwarf -o "$W/p.data" "$JULIA"
}
# The floor: the kernel's part of sampling alone (bench/stackcopy.c: the
# cpu-clock events opened as hpprof opens them, 1 kHz, the 64 KiB stack
# copy, records dropped unread), which any sampler that copies stacks for
# DWARF unwinding pays in the target; what hpprof costs above it is its own.
SC="$BUILD/bench/hp_stackcopy"
floor_run() {
	[ -x "$SC" ] || return 0
	timed floor "$SC" 65528 1000 "$JULIA"
}
# Every profiled side starts with the kernel's perf scheduling hooks on: a
# counting event held on a sleeping process for the whole series (perf
# stat -p). Without it, the first per-task event after an idle second
# waits for an RCU grace period (4.6-15.5 ms here), which fell on the
# floor after each bare run and on no hpprof run (the one before it had
# just closed its events); bench/first_event.sh measures that wait apart.
. "$(dirname "$0")/ab_lib.sh"
[ -z "$PERF" ] || hold_perf_hooks "$PERF"
i=0
while [ $i -lt "$N" ]; do
	if [ $((i % 2)) -eq 0 ]; then
		timed bare "$JULIA"
		floor_run
		base_run "$@"
		this_run "$@"
		perf_run
	else
		perf_run
		this_run "$@"
		base_run "$@"
		floor_run
		timed bare "$JULIA"
	fi
	sqlite3 "$W/h.db" "SELECT value FROM run_info WHERE key = 'duration_ns'" >>"$W/dur" 2>/dev/null ||
		true
	i=$((i + 1))
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# Pair k: the k-th bare and the k-th profiled run.
awk '
	$1 == "bare"   { bw[++nb] = $2; bc[nb] = $3 }
	$1 == "hpprof" { hw[++nh] = $2; hc[nh] = $3 }
	END {
		printf "%4s %9s %9s %9s %9s %8s %8s\n", "pair", "bare s", "hpprof s", "bare cpu", "hp cpu", "wall x", "cpu x"
		for (k = 1; k <= nb && k <= nh; k++)
			printf "%4d %9.3f %9.3f %9.3f %9.3f %8.3f %8.3f\n", k, bw[k], hw[k], bc[k], hc[k],
				hw[k] / bw[k], hc[k] / bc[k]
	}' "$W/t"
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# ratio KIND COLUMN: the median over the rounds of KIND's COLUMN (2 wall, 3 CPU)
# divided by the same round's bare run's.
ratio() {
	awk -v kind="$1" -v col="$2" '$1 == "bare" { b[++nb] = $col } $1 == kind { h[++nh] = $col }
		END { for (k = 1; k <= nb && k <= nh; k++) print h[k] / b[k] }' "$W/t" | median
}
wr=$(ratio hpprof 2)
cr=$(ratio hpprof 3)
bw=$(awk '$1 == "bare" { print $2 }' "$W/t" | median)
dur=$(awk '{ print $1 / 1e9 }' "$W/dur" | median)
printf 'median ratio, profiled / bare:  wall %.3f   CPU %.3f\n' "$wr" "$cr"
[ -s "$W/own" ] && printf "hpprof's own CPU (the command's minus julia's own): median %.1f ms, min %.1f ms\n" \
	"$(median <"$W/own")" "$(sort -n "$W/own" | head -1)"
if [ -n "$PERF" ]; then
	pw=$(ratio perf 2)
	pc=$(ratio perf 3)
	printf 'median ratio, perf record --call-graph dwarf / bare:  wall %.3f   CPU %.3f\n' "$pw" "$pc"
fi
if [ -x "$SC" ]; then
	fw=$(ratio floor 2)
	fc=$(ratio floor 3)
	printf 'median ratio, the floor (the kernel sampling at 1 kHz with 64 KiB stack copies, records dropped; bench/stackcopy.c) / bare:  wall %.3f   CPU %.3f\n' "$fw" "$fc"
fi
if [ -n "$BASE" ]; then
	bwr=$(ratio base 2)
	bcr=$(ratio base 3)
	printf 'median ratio, HPPROF_BASE / bare:  wall %.3f   CPU %.3f\n' "$bwr" "$bcr"
	printf "HPPROF_BASE's own CPU: median %.1f ms; this build minus HPPROF_BASE, median of the rounds: %.1f ms (lower in %d of %d)\n" \
		"$(median <"$W/own_base")" \
		"$(paste "$W/own" "$W/own_base" | awk '{ print $1 - $2 }' | median)" \
		"$(paste "$W/own" "$W/own_base" | awk '$1 < $2 { n++ } END { print n + 0 }')" \
		"$(wc -l <"$W/own")"
fi
printf "target's own duration under hpprof (median run_info duration_ns) %.3f s vs bare wall %.3f s: %.3f\n" \
	"$dur" "$bw" "$(echo "$dur / $bw" | bc -l)"
echo "load average: before $load0, after $load1"
awk -v l="${load1%% *}" -v n="$(nproc)" 'BEGIN { if (l + 0 > n + 0)
	print "NOTE: the load exceeded the CPU count: other work shared the CPUs; re-measure on a quiet machine" }'

#!/bin/sh
# target_clock.sh - julia's own clock, bare, under the floor and under
# hpprof (docs/performance.md, "Wave 20: the target under hpprof runs as
# under the floor"):
#   bench/target_clock.sh [BUILD_DIR] [ROUNDS]
# The julia kernel prints the time of its computation ("julia: ...: 1.165
# s"), which leaves out every tool's start and end. Each round runs it
# bare, under the floor (bench/stackcopy.c: the kernel's cpu-clock
# sampling at 1 kHz with 64 KiB stack copies, records dropped) and under
# `hpprof run` with its defaults, and the script prints the medians of the
# rounds' ratios: what hpprof's events and threads cost the program beyond
# the kernel's sampling. Every side starts warm (a counting event held on
# a sleeper, as bench/overhead.sh does). Quiet machine only.
set -eu
BUILD=${1:-build}
N=${2:-15}
J="$BUILD/kernels/hp-julia"
SC="$BUILD/bench/hp_stackcopy"
for f in "$BUILD/hpprof" "$J" "$SC"; do [ -x "$f" ] || { echo "build first (make): $f"; exit 1; }; done
PERF=$(command -v perf) || { echo "perf is needed (to hold a counting event)"; exit 1; }
. "$(dirname "$0")/ab_lib.sh"
ab_init
hold_perf_hooks "$PERF"
# own_time CMD...: the seconds julia's line says
own_time() { "$@" 2>&1 | sed -n 's/^julia: variant.*: \([0-9.]*\) s$/\1/p'; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
while [ $i -lt "$N" ]; do
	b=$(own_time "$J")
	f=$(own_time "$SC" 65528 1000 "$J")
	h=$(own_time "$BUILD/hpprof" run -q -o "$W/t.db" "$J")
	echo "$b $f $h" | tee -a "$W/t"
	i=$((i + 1))
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf 'julia'"'"'s own time, medians of the rounds'"'"' ratios: the floor / bare %.4f   hpprof / bare %.4f   hpprof / the floor %.4f (hpprof below the floor in %d of %d)\n' \
	"$(awk '{ print $2 / $1 }' "$W/t" | median)" "$(awk '{ print $3 / $1 }' "$W/t" | median)" \
	"$(awk '{ print $3 / $2 }' "$W/t" | median)" "$(awk '$3 < $2' "$W/t" | wc -l)" "$N"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

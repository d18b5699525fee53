#!/bin/sh
# Benchmark (label bench): allocation tracking against heaptrack (issue 13).
#   churn     tests/fixtures/alloc/alloc_bench: 2M malloc+free pairs, 8-deep
#             stacks; its own ns per pair around the loop (wall, and the
#             thread's CPU time; start-up excluded)
#   live      kernels/hp-memory --variant boxed: 1M blocks live at once; the
#             whole run's wall time
# Each round runs bare, hpprof run --alloc and heaptrack (recording;
# heaptrack's interpreter runs beside the program, as in normal use) one
# after the other, so a change in the machine's load touches all of them;
# ROUNDS rounds (default 5), the median of each. The slowdown is
# time / bare - 1. Budgets: churn: hpprof's slowdown <= 1/2 of heaptrack's;
# live: hpprof's <= 1.1 x heaptrack's (on par). Also the stream's bytes per
# allocation event with whole stacks kept (<= 16; a count, not a time), and
# how often and how long the target waited for room in the stream's ring
# (run_info.alloc_writer_waits, alloc_writer_wait_ns) in each churn run, and
# where the target's wall time per pair went (alloc_bench prints its CPU and
# its run-queue wait, the kernel's schedstat): CPU + waiting for a core +
# slept (hpprof: waits for room in the ring; heaptrack: its pipe), and the
# slowdowns of wall less the run-queue wait, which the machine's load does
# not inflate (the budget is still judged on wall). The load average is printed before and after: on a shared machine the wall
# times are inflated and noisy, the ratios are what to read. A budget missed
# is reported, and fails only with HP_BENCH_STRICT=1.
# env: HPPROF, HP_BUILD; ROUNDS; HPPROF_BASE: a second hpprof (e.g. a copy of
# an earlier build, next to its libhpprof_alloc.so) measured in the same
# rounds, for before/after figures from one run.
set -u
: "${HPPROF:?}" "${HP_BUILD:?}"
command -v heaptrack >/dev/null || { echo "SKIP: heaptrack is not installed"; exit 77; }
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
BENCH=$HP_BUILD/tests/fixtures/alloc/alloc_bench
MEM=$HP_BUILD/kernels/hp-memory
[ -x "$BENCH" ] && [ -x "$MEM" ] || { echo "FAIL: alloc_bench or hp-memory is not built"; exit 1; }
ROUNDS=${ROUNDS:-5}
BASE=${HPPROF_BASE:-}
bad=0

median() {  # median FILE: the median of the numbers in FILE, one a line
	sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
churn() {  # churn OUT CMD...: appends wall, CPU, run-queue and slept ns per pair to OUT.*
	o=$1
	shift
	"$@" >"$W/out" 2>/dev/null
	sed -n 's/^ns_per_pair=//p' "$W/out" >>"$W/$o.wall"
	sed -n 's/^cpu_ns_per_pair=//p' "$W/out" >>"$W/$o.cpu"
	sed -n 's/^runq_ns_per_pair=//p' "$W/out" >>"$W/$o.runq"
	# slept: neither running nor waiting for a core (ring waits, a pipe)
	awk -F= '{ v[$1] = $2 } END { if ("runq_ns_per_pair" in v)
		printf "%.1f\n", v["ns_per_pair"] - v["cpu_ns_per_pair"] - v["runq_ns_per_pair"] }' \
		"$W/out" >>"$W/$o.slept"
	# wall less the run-queue wait: the time per pair had a core been free
	awk -F= '{ v[$1] = $2 } END { if ("runq_ns_per_pair" in v)
		printf "%.1f\n", v["ns_per_pair"] - v["runq_ns_per_pair"] }' "$W/out" >>"$W/$o.oncore"
}
wall() {  # wall OUT CMD...: appends the run's wall ms to OUT.wall
	o=$1
	shift
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$W/$o.wall"
}
waits() {  # waits OUT: appends the last hpprof run's writer waits and their ns per pair
	sqlite3 "$W/r.db" "SELECT value FROM run_info WHERE key = 'alloc_writer_waits'" >>"$W/$1.waits"
	sqlite3 "$W/r.db" "SELECT value / $N.0 FROM run_info WHERE key = 'alloc_writer_wait_ns'" \
		>>"$W/$1.waitns"
}
slow() { awk -v t="$1" -v b="$2" 'BEGIN { printf "%.2f", t / b - 1 }'; }
budget() {  # budget TEXT HOLDS(1/0)
	if [ "$2" = 1 ]; then echo "within budget: $1"; else echo "OVER BUDGET:   $1"; bad=1; fi
}
hpr() { h=$1; shift; rm -f "$W/r.db"; "$h" run -q --alloc --fault-period 0 -o "$W/r.db" -- "$@"; }
ht() { rm -f "$W"/ht*; heaptrack -o "$W/ht" "$@"; }

echo "machine: $(nproc) CPUs, $(uname -r); $ROUNDS interleaved rounds, medians"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
N=2000000
for r in $(seq "$ROUNDS"); do
	churn cb "$BENCH" $N 8
	churn ch hpr "$HPPROF" "$BENCH" $N 8
	waits ch
	[ -z "$BASE" ] || churn cB hpr "$BASE" "$BENCH" $N 8
	churn ct ht "$BENCH" $N 8
done
for k in wall cpu; do
	b=$(median "$W/cb.$k") h=$(median "$W/ch.$k") t=$(median "$W/ct.$k")
	hs=$(slow "$h" "$b") ts=$(slow "$t" "$b")
	printf 'churn, %d pairs, %s ns/pair: bare %s, hpprof --alloc %s (slowdown %s), heaptrack %s (slowdown %s), ratio %s\n' \
		$N "$k" "$b" "$h" "$hs" "$t" "$ts" "$(awk -v h="$hs" -v t="$ts" 'BEGIN { printf "%.2f", h / t }')"
	if [ -n "$BASE" ]; then
		B=$(median "$W/cB.$k")
		printf '  base hpprof %s (slowdown %s, ratio %s)\n' "$B" "$(slow "$B" "$b")" \
			"$(awk -v h="$(slow "$B" "$b")" -v t="$ts" 'BEGIN { printf "%.2f", h / t }')"
	fi
	[ "$k" = wall ] && budget "churn: hpprof's slowdown $hs <= half of heaptrack's $ts" \
		"$(awk -v h="$hs" -v t="$ts" 'BEGIN { print (h <= t / 2) ? 1 : 0 }')"
done
# Where the target's wall time per pair went: its CPU, waiting for a core
# (run queue, the kernel's schedstat) and sleeping (hpprof: waiting for room
# in the ring; heaptrack: blocked writing its pipe). Medians of each.
for c in cb:bare ch:hpprof ct:heaptrack; do
	o=${c%%:*}
	[ -s "$W/$o.runq" ] || continue
	printf 'churn, the target per pair, %s: wall %s = CPU %s + run queue %s + slept %s (ns, medians; each run slept: %s)\n' \
		"${c#*:}" "$(median "$W/$o.wall")" "$(median "$W/$o.cpu")" "$(median "$W/$o.runq")" \
		"$(median "$W/$o.slept")" "$(tr '\n' ' ' <"$W/$o.slept" | sed 's/ $//')"
done
if [ -s "$W/cb.oncore" ]; then
	b=$(median "$W/cb.oncore") h=$(median "$W/ch.oncore") t=$(median "$W/ct.oncore")
	printf 'churn, wall less run-queue wait, ns/pair: bare %s, hpprof --alloc %s (slowdown %s), heaptrack %s (slowdown %s), ratio %s\n' \
		"$b" "$h" "$(slow "$h" "$b")" "$t" "$(slow "$t" "$b")" \
		"$(awk -v h="$(slow "$h" "$b")" -v t="$(slow "$t" "$b")" 'BEGIN { printf "%.2f", h / t }')"
fi
# Did the target wait for room in the stream's ring (hpprof reading behind)?
# Its wait per pair is part of hpprof's wall slowdown per pair.
printf 'churn: writer waits per hpprof run %s (median; each run: %s), waited ns per pair %s (each: %s)\n' \
	"$(median "$W/ch.waits")" "$(tr '\n' ' ' <"$W/ch.waits" | sed 's/ $//')" \
	"$(median "$W/ch.waitns")" "$(awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 }' "$W/ch.waitns")"
hpr "$HPPROF" "$BENCH" $N 8 >/dev/null 2>&1
bytes=$(sqlite3 "$W/r.db" "SELECT value FROM run_info WHERE key = 'alloc_stream_bytes'")
events=$(sqlite3 "$W/r.db" "SELECT value FROM run_info WHERE key = 'alloc_stream_events'")
bpe=$(awk -v b="$bytes" -v e="$events" 'BEGIN { printf "%.2f", b / e }')
echo "stream: $bytes bytes for $events allocation events, whole stacks: $bpe bytes per event"
budget "bytes per allocation event $bpe <= 16" "$(awk -v v="$bpe" 'BEGIN { print (v <= 16) ? 1 : 0 }')"

L="--variant boxed --n 1000000 --passes 2"
for r in $(seq "$ROUNDS"); do
	# shellcheck disable=SC2086
	wall lb "$MEM" $L
	# shellcheck disable=SC2086
	wall lh hpr "$HPPROF" "$MEM" $L
	# shellcheck disable=SC2086
	[ -z "$BASE" ] || wall lB hpr "$BASE" "$MEM" $L
	# shellcheck disable=SC2086
	wall lt ht "$MEM" $L
done
b=$(median "$W/lb.wall") h=$(median "$W/lh.wall") t=$(median "$W/lt.wall")
hs=$(slow "$h" "$b") ts=$(slow "$t" "$b")
printf 'live, 1M blocks: bare %s ms, hpprof --alloc %s ms (slowdown %s), heaptrack %s ms (slowdown %s)\n' \
	"$b" "$h" "$hs" "$t" "$ts"
if [ -n "$BASE" ]; then
	B=$(median "$W/lB.wall")
	printf '  base hpprof %s ms (slowdown %s)\n' "$B" "$(slow "$B" "$b")"
fi
budget "1M live blocks: hpprof's slowdown $hs <= 1.1 x heaptrack's $ts" \
	"$(awk -v h="$hs" -v t="$ts" 'BEGIN { print (h <= 1.1 * t) ? 1 : 0 }')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$bad" = 0 ] || [ -z "${HP_BENCH_STRICT:-}" ] || exit 1
echo "PASS"

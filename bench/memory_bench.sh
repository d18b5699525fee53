#!/bin/sh
# Benchmark (label bench): allocation tracking against heaptrack (issue 13).
#   churn     tests/fixtures/alloc/alloc_bench: 2M malloc+free pairs, 8-deep
#             stacks; its own ns per pair around the loop (start-up excluded)
#   live      kernels/hp-memory --variant boxed: 1M blocks live at once; the
#             whole run's wall time
# For each: bare, hpprof run --alloc, heaptrack (recording; heaptrack's
# interpreter runs beside the program, as in normal use), best of 3. The
# slowdown is time / bare - 1. Budgets: churn: hpprof's slowdown <= 1/2 of
# heaptrack's; live: hpprof's <= 1.1 x heaptrack's (on par). Also the stream's
# bytes per allocation event with whole stacks kept (<= 16; a count, not a
# time). A budget missed is reported, and fails only with HP_BENCH_STRICT=1:
# a shared or loaded machine is slow for reasons that are not hpprof's.
# env: HPPROF, HP_BUILD
set -u
: "${HPPROF:?}" "${HP_BUILD:?}"
command -v heaptrack >/dev/null || { echo "SKIP: heaptrack is not installed"; exit 77; }
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
BENCH=$HP_BUILD/tests/fixtures/alloc/alloc_bench
MEM=$HP_BUILD/kernels/hp-memory
[ -x "$BENCH" ] && [ -x "$MEM" ] || { echo "FAIL: alloc_bench or hp-memory is not built"; exit 1; }
bad=0

best() {  # best CMD...: the smallest of 3 figures printed by CMD
	b=
	for i in 1 2 3; do
		v=$("$@")
		b=$(awk -v a="$b" -v v="$v" 'BEGIN { print (a == "" || v < a) ? v : a }')
	done
	echo "$b"
}
pair_ns() { "$@" 2>/dev/null | sed -n 's/^ns_per_pair=//p'; }
wall_ms() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
slow() { awk -v t="$1" -v b="$2" 'BEGIN { printf "%.2f", t / b - 1 }'; }
budget() {  # budget TEXT HOLDS(1/0)
	if [ "$2" = 1 ]; then echo "within budget: $1"; else echo "OVER BUDGET:   $1"; bad=1; fi
}

echo "machine: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); best of 3"
N=2000000
b=$(best pair_ns "$BENCH" $N 8)
h=$(best pair_ns "$HPPROF" run -q --alloc --fault-period 0 -o "$W/c.db" -- "$BENCH" $N 8)
rm -f "$W"/ht*
t=$(best pair_ns heaptrack -o "$W/ht" "$BENCH" $N 8)
hs=$(slow "$h" "$b") ts=$(slow "$t" "$b")
printf 'churn, %d pairs: bare %s ns/pair, hpprof --alloc %s (slowdown %s), heaptrack %s (slowdown %s)\n' \
	$N "$b" "$h" "$hs" "$t" "$ts"
budget "churn: hpprof's slowdown $hs <= half of heaptrack's $ts" \
	"$(awk -v h="$hs" -v t="$ts" 'BEGIN { print (h <= t / 2) ? 1 : 0 }')"
rm -f "$W/c.db"
"$HPPROF" run -q --alloc --fault-period 0 -o "$W/c.db" -- "$BENCH" $N 8 >/dev/null 2>&1
bytes=$(sqlite3 "$W/c.db" "SELECT value FROM run_info WHERE key = 'alloc_stream_bytes'")
events=$(sqlite3 "$W/c.db" "SELECT value FROM run_info WHERE key = 'alloc_stream_events'")
bpe=$(awk -v b="$bytes" -v e="$events" 'BEGIN { printf "%.2f", b / e }')
echo "stream: $bytes bytes for $events allocation events, whole stacks: $bpe bytes per event"
budget "bytes per allocation event $bpe <= 16" "$(awk -v v="$bpe" 'BEGIN { print (v <= 16) ? 1 : 0 }')"

b=$(best wall_ms "$MEM" --variant boxed --n 1000000 --passes 2)
h=$(best wall_ms "$HPPROF" run -q --alloc --fault-period 0 -o "$W/l.db" -- "$MEM" --variant boxed --n 1000000 --passes 2)
t=$(best wall_ms heaptrack -o "$W/hl" "$MEM" --variant boxed --n 1000000 --passes 2)
hs=$(slow "$h" "$b") ts=$(slow "$t" "$b")
printf 'live, 1M blocks: bare %s ms, hpprof --alloc %s ms (slowdown %s), heaptrack %s ms (slowdown %s)\n' \
	"$b" "$h" "$hs" "$t" "$ts"
budget "1M live blocks: hpprof's slowdown $hs <= 1.1 x heaptrack's $ts" \
	"$(awk -v h="$hs" -v t="$ts" 'BEGIN { print (h <= 1.1 * t) ? 1 : 0 }')"
[ "$bad" = 0 ] || [ -z "${HP_BENCH_STRICT:-}" ] || exit 1
echo "PASS"

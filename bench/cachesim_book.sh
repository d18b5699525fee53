#!/bin/sh
# The book's chapter 6 table, reproduced with simulated caches (label bench;
# also runs by hand: HPPROF=build/hpprof HP_BUILD=build bench/cachesim_book.sh).
#
# High Performance Python (Chinese edition, ch. 6) measured its diffusion
# versions with `perf stat` on a Xeon E5-2680: instructions,
# cache-references, cache-misses and the miss rate. No machine here has a
# PMU, so each kernels/diffusion.c variant runs under `hpprof stat
# --cache-sim` with the caches of the book's machine (32 KiB 8-way L1s,
# 20 MiB 20-way L3): runtime is measured natively (the compute phase's CPU
# time, the kernel's own truth line, mean of 3 runs), instructions and
# cache figures are simulated (sim_Ir; sim_LLref: references reaching the
# LL, where perf counts cache-references; sim_LLmiss: LL misses, where perf
# counts cache-misses). The book's figures are quoted beside them, then
# the book's directions, each marked holds / differs with the reason.
# The Laplace solver's loop orders (seed 002) follow.
#
# Sizes are small (256 x 256, 10 steps): valgrind runs code 10-30x slower.
# The book's perf stat runs are of its full-size scripts, so compare
# directions and ratios, not magnitudes. A direction that differs is
# reported; with HP_BENCH_STRICT=1 one that the simulation should
# reproduce (marked "expected") fails the script.
# env: HPPROF, HP_BUILD
set -u
: "${HPPROF:?HPPROF must point at the hpprof binary}"
K=${HP_BUILD:?HP_BUILD is not set}/kernels
command -v valgrind >/dev/null || { echo "skip: valgrind is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
GEOM="--sim-I1 32K,8,64 --sim-D1 32K,8,64 --sim-LL 20M,20,64"
N=256 STEPS=10 RUNS=3
bad=0

# sim FILE NAME: a simulated total from stat's JSON (one event per line)
sim() { awk -v n="\"$2\"" '$0 ~ "\"name\": " n "," { sub(/.*"value": /, ""); sub(/[,}].*/, ""); print; exit }' "$1"; }
# compute OUTFILE: mean compute-phase CPU seconds of the native runs (the
# simulated run's own truth line, 10x+ slower, is the last: left out)
compute() {
	awk -v runs=$RUNS '$1 == "truth" && / scope=phase / && / name=compute / && n < runs {
		for (i = 2; i <= NF; i++) if ($i ~ /^cpu_s=/) { s += substr($i, 7); n++ } }
		END { if (n) printf "%.6f", s / n }' "$1"
}

# variant, the book's row (Table 6-1 method, example), its 256x256 time for
# 500 steps (Table 6-1), and its perf stat figures: instructions,
# cache-references, cache-misses, miss rate (- where the book has none)
cat > "$tmp/book" <<'EOF'
lists          Python(ex.6-3)                   2.32 -            -           -          -
lists_prealloc Python+memory(ex.6-6/6-8)        2.56 598135111009 35497196    10716972   30.191
temporaries    numpy(ex.6-9/6-10)               0.07 15165151844  346798311   519793     0.150
inplace        numpy+memory(ex.6-14/6-15)       0.05 13257488848  239195407   2886525    1.207
fused          numpy+memory+laplacian(6-17/18)  0.03 4631882411   272151957   2835948    1.042
colmajor       (no_book_row)                    -    -            -           -          -
EOF

echo "diffusion ${N}x${N}, $STEPS steps; caches simulated: I1 32768 B 8-way, D1 32768 B 8-way,"
echo "LL 20971520 B 20-way (the book's Xeon E5-2680); runtime native, mean of $RUNS runs"
echo
printf '%-15s %10s %10s | %12s %14s | %10s %13s | %9s %11s | %7s %8s\n' \
	variant "ms/step" "book*" "sim_Ir/cell" "book instr" "sim_LLref" "book refs" \
	"sim_LLmiss" "book misses" "rate%" "book%"
while read -r v row bt bi br bm brate; do
	"$HPPROF" stat -r $RUNS --json -o "$tmp/$v.json" --cache-sim $GEOM -- \
		"$K/hp-diffusion" --variant $v --size $N --steps $STEPS >"$tmp/$v.out" 2>"$tmp/$v.err" ||
		{ cat "$tmp/$v.err"; echo "FAIL: stat --cache-sim of diffusion $v"; exit 1; }
	ir=$(sim "$tmp/$v.json" sim_Ir) ref=$(sim "$tmp/$v.json" sim_LLref) miss=$(sim "$tmp/$v.json" sim_LLmiss)
	c=$(compute "$tmp/$v.out")
	ms=$(awk -v c="$c" -v s=$STEPS 'BEGIN { printf "%.3f", 1000 * c / s }')
	bms=$(awk -v t="$bt" 'BEGIN { if (t == "-") print "-"; else printf "%.3f", 1000 * t / 500 }')
	ipc=$(awk -v i="$ir" -v n=$N -v s=$STEPS 'BEGIN { printf "%.1f", i / (n * n * s) }')
	rate=$(awk -v m="$miss" -v r="$ref" 'BEGIN { printf "%.3f", 100 * m / r }')
	printf '%-15s %10s %10s | %12s %14s | %10s %13s | %9s %11s | %7s %8s\n' \
		"$v" "$ms" "$bms" "$ipc" "$bi" "$ref" "$br" "$miss" "$bm" "$rate" "$brate"
	echo "$v $ms $ir $ref $miss $rate" >>"$tmp/ours"
done < "$tmp/book"
echo "  * the book's Table 6-1 time for 256x256, per step (its 500 steps); book instr, refs,"
echo "    misses and % are its perf stat examples, as printed (full-size runs)."
echo "  sim_Ir/cell: simulated instructions per cell update."
echo

# val VARIANT COLUMN (2 ms, 3 Ir, 4 refs, 5 misses, 6 rate)
val() { awk -v v="$1" -v c="$2" '$1 == v { print $c }' "$tmp/ours"; }
# direction TEXT A COL OP B EXPECTED [WHY]: does "A OP B" hold here?
direction() {
	a=$(val "$2" "$3") b=$(val "$5" "$3")
	holds=$(awk -v a="$a" -v b="$b" -v op="$4" 'BEGIN { print (op == ">" ? a > b : a < b) ? 1 : 0 }')
	if [ "$holds" = 1 ]; then
		printf '  holds:    %s (%s vs %s)\n' "$1" "$a" "$b"
	else
		printf '  differs:  %s (%s vs %s)%s\n' "$1" "$a" "$b" "${7:+ - $7}"
		[ "$6" = expected ] && bad=1
	fi
}
echo "The book's directions, here:"
direction "runtime: temporaries slower than inplace (book 0.07 vs 0.05 s)" temporaries 2 ">" inplace expected
direction "runtime: inplace slower than fused (book 0.05 vs 0.03 s)" inplace 2 ">" fused expected
direction "runtime: lists slower than fused (book 2.32 vs 0.03 s)" lists 2 ">" fused expected
direction "instructions: lists_prealloc more than temporaries (book 598G vs 15.2G)" \
	lists_prealloc 3 ">" temporaries c "C's lists are one compiled loop, not Python's interpreter"
direction "instructions: temporaries more than fused (book 15.2G vs 4.6G)" temporaries 3 ">" fused expected
direction "instructions: inplace more than fused (book 13.3G vs 4.6G, x2.86)" inplace 3 ">" fused expected
direction "cache-references: lists_prealloc fewer than inplace (book 35.5M vs 239M)" \
	lists_prealloc 4 "<" inplace expected
direction "cache-references: inplace fewer than temporaries (book 239M vs 347M)" inplace 4 "<" temporaries \
	c "temporaries and inplace make the same passes; the book's numpy allocated more"
direction "miss rate: lists_prealloc above inplace (book 30.2% vs 1.21%)" lists_prealloc 6 ">" inplace \
	c "no hardware prefetcher in the simulation"
direction "miss rate: lists above inplace (the test's direction)" lists 6 ">" inplace expected
direction "miss rate: inplace above temporaries (book 1.21% vs 0.150%)" inplace 6 ">" temporaries \
	c "no prefetcher, and the simulated temporaries are fresh mmap pages each step"
direction "colmajor: more LL references than fused (the cache-hostile order)" colmajor 4 ">" fused expected
direction "colmajor: slower than fused" colmajor 2 ">" fused c "a timing: noisy on a shared machine"
echo

# Laplace (seed 002): the in-place sweep, rows outer vs columns outer. At
# 600 x 600 a column's 600 lines (38 KiB) overflow the 32 KiB D1, so the
# column order misses D1 where the row order hits; at 200 x 200 both fit.
L=600 IT=5 REP=2
echo "laplace ${L}x${L}, $REP solves of $IT sweeps (seed 002's table: pure C++ 2.16 s for"
echo "500x500, 100 sweeps); per sweep, the convergence check on 20x20 included"
printf '%-10s %10s %12s %10s %10s %10s %8s\n' variant "ms/sweep" "sim_Ir/cell" sim_D1mr sim_LLref sim_LLmiss "rate%"
for v in loop colmajor; do
	"$HPPROF" stat -r $RUNS --json -o "$tmp/l_$v.json" --cache-sim $GEOM -- \
		"$K/hp-laplace" --variant $v --size $L --iters $IT --repeat $REP >"$tmp/l_$v.out" \
		2>"$tmp/l_$v.err" ||
		{ cat "$tmp/l_$v.err"; echo "FAIL: stat --cache-sim of laplace $v"; exit 1; }
	ir=$(sim "$tmp/l_$v.json" sim_Ir) d1=$(sim "$tmp/l_$v.json" sim_D1mr)
	ref=$(sim "$tmp/l_$v.json" sim_LLref) miss=$(sim "$tmp/l_$v.json" sim_LLmiss)
	c=$(compute "$tmp/l_$v.out")
	printf '%-10s %10s %12s %10s %10s %10s %8s\n' $v \
		"$(awk -v c="$c" -v s=$((IT * REP)) 'BEGIN { printf "%.3f", 1000 * c / s }')" \
		"$(awk -v i="$ir" -v n=$L -v s=$((IT * REP)) 'BEGIN { printf "%.1f", i / (n * n * s) }')" \
		"$d1" "$ref" "$miss" "$(awk -v m="$miss" -v r="$ref" 'BEGIN { printf "%.3f", 100 * m / r }')"
	echo "l_$v $c $ir $ref $miss $d1" >>"$tmp/ours"
done
direction "colmajor: more LL references (D1 misses) than loop" l_colmajor 4 ">" l_loop expected
direction "colmajor: slower than loop" l_colmajor 2 ">" l_loop c "a timing: noisy on a shared machine"

if [ $bad = 1 ] && [ "${HP_BENCH_STRICT:-0}" = 1 ]; then
	exit 1
fi
[ $bad = 0 ] || echo "(an expected direction differs; HP_BENCH_STRICT=1 makes it fail)"
exit 0

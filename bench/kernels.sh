#!/bin/sh
# Benchmark (label bench): the kernels' speed lessons, which hold on a quiet
# machine but are timings, so they are not tests: diffusion's fused stencil
# is the fastest per cell update (book ch. 6), colmajor slower than fused,
# hashing's bad hash >= 10x slower per lookup than the perfect one (book
# 21.8x), julia's cabs slower than expanded. The figures are each kernel's
# own compute-phase CPU time (truth lines, kernels/README.md), without a
# profiler. A lesson that does not hold is reported, and fails only with
# HP_BENCH_STRICT=1 (bench/bench.cmake says why).
# env: HP_BUILD
set -u
K=${HP_BUILD:?HP_BUILD is not set}/kernels
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
bad=0
compute() {  # compute OUTFILE: the compute phase's CPU seconds
	awk '$1 == "truth" && / scope=phase / && / name=compute / {
		for (i = 2; i <= NF; i++) if ($i ~ /^cpu_s=/) print substr($i, 7) }' "$1"
}
lesson() {  # lesson TEXT HOLDS(0/1)
	if [ "$2" = 1 ]; then echo "holds:      $1"; else echo "DOES NOT HOLD: $1"; bad=1; fi
}

N=512
echo "diffusion, N=$N: compute CPU per cell update"
for vs in lists:60 lists_prealloc:100 temporaries:20 inplace:100 fused:400 colmajor:40; do
	v=${vs%:*} s=${vs#*:}
	"$K/hp-diffusion" --variant $v --size $N --steps $s >"$tmp/d_$v.out" || { echo "FAIL: diffusion $v"; exit 1; }
	ns=$(awk -v c="$(compute "$tmp/d_$v.out")" -v n=$N -v s=$s 'BEGIN { printf "%.2f", c * 1e9 / (n * n * s) }')
	printf '  %-16s %8s ns\n' "$v" "$ns"
	echo "$v $ns" >>"$tmp/ns"
done
f=$(awk '$1 == "fused" { print $2 }' "$tmp/ns")
lesson "fused is the fastest per cell update" \
	"$(awk -v f="$f" '$1 != "fused" && $2 <= f { n++ } END { print n ? 0 : 1 }' "$tmp/ns")"
lesson "colmajor is slower than fused" \
	"$(awk -v f="$f" '$1 == "colmajor" { print ($2 > f) ? 1 : 0 }' "$tmp/ns")"

for v in bad perfect; do
	"$K/hp-hashing" --variant $v --lookups 200000 >"$tmp/h_$v.out" || { echo "FAIL: hashing $v"; exit 1; }
done
r=$(awk -v a="$(compute "$tmp/h_bad.out")" -v b="$(compute "$tmp/h_perfect.out")" \
	'BEGIN { printf "%.0f", a / (b > 1e-6 ? b : 1e-6) }')
echo "hashing: bad/perfect CPU time per lookup ${r}x (book 21.8x)"
lesson "the bad hash is >= 10x slower per lookup" "$(awk -v r="$r" 'BEGIN { print (r >= 10) ? 1 : 0 }')"

for v in expanded cabs; do
	"$K/hp-julia" --variant $v --width 500 --repeat 2 >"$tmp/j_$v.out" || { echo "FAIL: julia $v"; exit 1; }
done
r=$(awk -v a="$(compute "$tmp/j_cabs.out")" -v b="$(compute "$tmp/j_expanded.out")" 'BEGIN { printf "%.2f", a / b }')
echo "julia: cabs/expanded CPU time ${r}x"
lesson "cabs is slower than expanded" "$(awk -v r="$r" 'BEGIN { print (r > 1) ? 1 : 0 }')"

if [ $bad = 1 ] && [ "${HP_BENCH_STRICT:-0}" = 1 ]; then
	exit 1
fi
[ $bad = 0 ] || echo "(reported; HP_BENCH_STRICT=1 makes it fail)"
exit 0

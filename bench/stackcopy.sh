#!/bin/sh
# stackcopy.sh - what the kernel's copy of the user stack costs the sampled
# program, by copy size and stack depth (docs/performance.md, "The stack
# copy"). Runs tests/fixtures/stacks/deep.c (fixed work at a given stack
# depth) under bench/stackcopy.c's sampler (cpu-clock, REGS_USER +
# STACK_USER of SIZE bytes, records dropped: no unwinding, no store) for
# sizes none / registers only / 16, 32, 64 KiB, rounds interleaved, and
# prints the median CPU time of the program and the bytes the kernel
# really copied per sample.
#
#   bench/stackcopy.sh [BUILD_DIR] [ROUNDS] [FREQ]
# FREQ defaults to 4000 Hz: four times hpprof's rate, so that the cost per
# sample stands out of the run-to-run noise; divide by 4 for 1 kHz.
set -eu
BUILD=${1:-build}
N=${2:-7}
F=${3:-4000}
SC="$BUILD/bench/hp_stackcopy"
DEEP="$BUILD/tests/stacks_deep"
[ -x "$SC" ] && [ -x "$DEEP" ] || { echo "build first (make)" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "machine: $(nproc) CPUs, $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "program: stacks_deep BYTES 0 0 2000 (fixed work); $N rounds; cpu-clock at $F Hz"
for bytes in 2000 40000; do
	: >"$W/r"
	i=0
	while [ $i -lt "$N" ]; do
		for size in -1 0 16384 32768 65528; do
			"$SC" "$size" "$F" "$DEEP" "$bytes" 0 0 2000 2>/dev/null | grep '^size=' >>"$W/r" || true
		done
		i=$((i + 1))
	done
	echo "stack in use: $bytes bytes"
	awk '{ for (i = 1; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] }
	       k = f["size"]; n[k]++; c[k, n[k]] = f["cpu_s"]; s[k] += f["samples"]
	       cp[k] += f["copied_per_sample"]; l[k] += f["lost"] }
	     function med(k, m,   i, j, t, v) { for (i = 1; i <= m; i++) v[i] = c[k, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return v[int((m + 1) / 2)] }
	     END { base = med(-1, n[-1])
		printf "  %-10s %9s %9s %12s %13s %6s\n", "copy", "cpu s", "samples", "copied B", "us/sample", "lost"
		split("-1 0 16384 32768 65528", order, " ")
		for (o = 1; o <= 5; o++) { k = order[o]; m = med(k, n[k]); ns = s[k] / n[k]
			printf "  %-10s %9.3f %9d %12.0f %13s %6d\n", (k == -1 ? "none" : k == 0 ? "regs only" : k),
				m, ns, (k > 0 ? cp[k] / n[k] : 0), (k == -1 ? "-" : sprintf("%.1f", (m - base) * 1e6 / ns)), l[k] } }' "$W/r"
done

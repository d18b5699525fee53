#!/bin/sh
# The preload agent's attribution on the calibration kernel (calib_a/b/c
# 60/30/10 by construction), forced with --sampler preload where perf
# events work too.
#
# Tolerance: the agent's CPU-time timers fire at most once per kernel tick
# (250 Hz here), a quarter of perf's rate, so two runs of 100000 rounds
# (~5.5 s each) give ~2800 samples: sigma(calib_a) ~ 0.9 pp, and +-3 pp
# is > 3 sigma.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib

for i in 1 2; do
	"$HPPROF" run -q --sampler preload -o c$i.db -k calib -- --rounds 100000 >/dev/null ||
		fail "calib run $i with the agent"
done
mode=$(q c1.db "SELECT value FROM run_info WHERE key = 'sampling'")
assert_eq "sampling" "$mode" "preload agent (--sampler preload)"
n=$(($(q c1.db "SELECT value FROM run_info WHERE key = 'samples'") +
     $(q c2.db "SELECT value FROM run_info WHERE key = 'samples'")))
assert_ge "samples of both runs" "$n" 1500
for pair in "calib_a 60" "calib_b 30" "calib_c 10"; do
	set -- $pair
	s=$(($(q c1.db "SELECT self_samples FROM function_profile WHERE function = '$1'") +
	     $(q c2.db "SELECT self_samples FROM function_profile WHERE function = '$1'")))
	share=$(awk -v s=$s -v n=$n 'BEGIN { printf "%.2f", 100 * s / n }')
	err=$(awk -v a="$share" -v b="$2" 'BEGIN { d = a - b; printf "%.2f", d < 0 ? -d : d }')
	note "$1: $share% (truth $2%)"
	assert_le "$1 error (pp)" "$err" 3
done
echo "PASS"

#!/bin/sh
# The preload agent's attribution on the calibration kernel (calib_a/b/c
# 60/30/10 of its compute phase by construction; the compute phase's share
# of the process from the kernel's truth lines), forced with --sampler
# preload where perf events work too.
#
# Tolerance (check_share, lib.sh): the agent's CPU-time timers fire at most
# once per kernel tick (250 Hz here), so two runs of 100000 rounds (~6 s of
# CPU each) give ~3000 samples: SE(calib_a) ~0.9 pp, and K_SIGMA of them
# plus 0.5 pp of skid (three function changes per ~60 us round), plus the
# CPU time the timers' overruns say the samples did not see (lib.sh
# unseen_pp_max; its median removed: the tick's). The old
# fixed +-3 pp was 3.3 SE, crossed now and then by chance alone.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib

for i in 1 2; do
	"$HPPROF" run -q --sampler preload -o c$i.db -k calib -- --rounds 100000 >c$i.out ||
		fail "calib run $i with the agent"
done
mode=$(q c1.db "SELECT value FROM run_info WHERE key = 'sampling'")
assert_eq "sampling" "$mode" "preload agent (--sampler preload)"
n=$(($(q c1.db "SELECT value FROM run_info WHERE key = 'samples'") +
     $(q c2.db "SELECT value FROM run_info WHERE key = 'samples'")))
# at least 100 samples per CPU second (CONFIG_HZ >= 100 everywhere)
check_present "samples of both runs" "$n" \
	"$(cat c1.out c2.out | truth_sum /dev/stdin process cpu_s | awk '{ printf "%d", $1 * 100 }')"
comp=$(cat c1.out c2.out | truth_sum /dev/stdin phase cpu_s '^compute$')
proc=$(cat c1.out c2.out | truth_sum /dev/stdin process cpu_s)
seen=$(awk -v a="$proc" -v b="$(truth_startup c1.out)" -v c="$(truth_startup c2.out)" 'BEGIN { print a - b - c }')
for pair in "calib_a 0.6" "calib_b 0.3" "calib_c 0.1"; do
	set -- $pair
	s=$(($(q c1.db "SELECT self_samples FROM function_profile WHERE function = '$1'") +
	     $(q c2.db "SELECT self_samples FROM function_profile WHERE function = '$1'")))
	check_share "$1 (agent)" "$s" "$n" "$(awk -v w="$2" -v a="$comp" -v b="$proc" 'BEGIN { print w * a / b }')" \
		"$(awk -v w="$2" -v a="$comp" -v b="$seen" 'BEGIN { print w * a / b }')" 0.5 \
		"$(unseen_pp_max c1.db c2.db)"
done
echo "PASS"

#!/bin/sh
# Attribution accuracy on the calibration kernel: calib_a, calib_b and
# calib_c run identical code with work 6:3:1, interleaved in rounds of
# ~60 us, so the kernel's compute phase splits 60/30/10 by construction;
# the compute phase's share of the process comes from the kernel's truth
# lines (kernels/README.md) of the same runs.
#
# Tolerance (check_share in lib.sh): K_SIGMA binomial standard errors of the
# combined samples of two runs, at 1 kHz (~6000 samples: SE(calib_a)
# ~0.63 pp) and at 4 kHz (4x the samples, half the SE: the check tightens
# with the frequency), plus 0.5 pp of skid: three function changes per
# 60 us round, each a few instructions wide. Whether one run's error
# happens to be smaller at 4 kHz than at 1 kHz is chance, not a truth.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib

for freq in 1000 4000; do
	for i in 1 2; do
		"$HPPROF" run -q -F $freq -o c$freq.$i.db -k calib -- --rounds 60000 >c$freq.$i.out ||
			fail "calib run at $freq Hz"
	done
	n=$(($(samples_where c$freq.1.db) + $(samples_where c$freq.2.db)))
	# the compute phase's share of all CPU time, over both runs
	lo=$(ratio "$(cat c$freq.?.out | truth_sum /dev/stdin phase cpu_s '^compute$')" \
		"$(cat c$freq.?.out | truth_sum /dev/stdin process cpu_s)")
	hi=$(ratio "$(cat c$freq.?.out | truth_sum /dev/stdin phase cpu_s '^compute$')" \
		"$(awk -v a="$(cat c$freq.?.out | truth_sum /dev/stdin process cpu_s)" \
		-v b="$(truth_startup c$freq.1.out)" -v c="$(truth_startup c$freq.2.out)" 'BEGIN { print a - b - c }')")
	for pair in "calib_a 0.6" "calib_b 0.3" "calib_c 0.1"; do
		set -- $pair
		s=$(($(q c$freq.1.db "SELECT self_samples FROM function_profile WHERE function = '$1'") +
		     $(q c$freq.2.db "SELECT self_samples FROM function_profile WHERE function = '$1'")))
		check_share "$1 at $freq Hz" "$s" "$n" "$(awk -v w="$2" -v p="$lo" 'BEGIN { print w * p }')" \
			"$(awk -v w="$2" -v p="$hi" 'BEGIN { print w * p }')" 0.5
	done
done
echo "PASS"

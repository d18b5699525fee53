#!/bin/sh
# Attribution accuracy on the calibration kernel: calib_a, calib_b and
# calib_c run identical code with work 6:3:1, interleaved in rounds of
# ~60 us, so the kernel's compute phase splits 60/30/10 by construction;
# the compute phase's share of the process comes from the kernel's truth
# lines (kernels/README.md) of the same runs.
#
# A function's share is of its TOTAL samples: calib_X calls nothing, so
# these are its own samples plus the kernel's samples taken while it was
# the interrupted user frame (timer and other interrupts, preemption, the
# sampler's own interrupt). The phase's clock (CLOCK_THREAD_CPUTIME_ID)
# counts that kernel time too, and it falls on the three functions in
# proportion to their user time, so the 60/30/10 split holds for total
# samples on any machine. Self samples leave it out: under load (~20 on 2
# cores) 1-6% of the samples are in the kernel (pvm_irq_enable on this VM),
# and calib_a's self share fell to 56.4% against a truth of 59.9%
# (wave 9, a 6-SE failure with nothing wrong in hpprof).
#
# Tolerance (check_share in lib.sh): K_SIGMA binomial standard errors of the
# combined samples of two runs, at 1 kHz (~6000 samples: SE(calib_a)
# ~0.63 pp) and at 4 kHz (4x the samples, half the SE: the check tightens
# with the frequency), plus 0.5 pp of skid: three function changes per
# 60 us round, each a few instructions wide, plus the CPU time the
# samples did not see (lib.sh unseen_pp_max: a host's steal, which the
# truth's clocks count). Whether one run's error
# happens to be smaller at 4 kHz than at 1 kHz is chance, not a truth.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib
kernel_leaf() {  # samples of the main event whose innermost frame is the kernel's
	q "$1" "SELECT COUNT(*) FROM samples s JOIN stack_nodes n ON n.id = s.stack_id
		JOIN locations l ON l.id = n.location_id JOIN modules m ON m.id = l.module_id
		WHERE s.event = 0 AND m.path = '[kernel.kallsyms]'"
}

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
	# what load did: the samples in the kernel (they count in total shares)
	note "$freq Hz: $(($(kernel_leaf c$freq.1.db) + $(kernel_leaf c$freq.2.db))) of $n samples" \
		"have a kernel function innermost; the truth's compute/process share is $lo..$hi"
	for pair in "calib_a 0.6" "calib_b 0.3" "calib_c 0.1"; do
		set -- $pair
		s=$(($(q c$freq.1.db "SELECT total_samples FROM function_profile WHERE function = '$1'") +
		     $(q c$freq.2.db "SELECT total_samples FROM function_profile WHERE function = '$1'")))
		check_share "$1 at $freq Hz" "$s" "$n" "$(awk -v w="$2" -v p="$lo" 'BEGIN { print w * p }')" \
			"$(awk -v w="$2" -v p="$hi" 'BEGIN { print w * p }')" 0.5 \
			"$(unseen_pp_max c$freq.1.db c$freq.2.db)"
	done
done
echo "PASS"

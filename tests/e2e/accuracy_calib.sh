#!/bin/sh
# Attribution accuracy on the calibration kernel, whose CPU split between
# calib_a/b/c is 60/30/10 by construction.
#
# Tolerance: with n samples the sampling error of a share p is
# sqrt(p(1-p)/n): two runs of 60000 rounds give ~6000 samples at 1 kHz, so
# sigma(calib_a) ~ 0.63 pp and +-2 pp is > 3 sigma. At 4 kHz sigma halves:
# the mean absolute error must shrink, or already be below 0.5 pp (where
# run-to-run noise, not sampling, dominates the comparison).
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib

run() {  # run FREQ TAG
	for i in 1 2; do
		"$HPPROF" run -q -F "$1" -o "$2$i.db" -k calib -- --rounds 60000 >/dev/null ||
			fail "calib run at $1 Hz"
	done
}
shares() {  # shares TAG -> "a b c" percentages over both runs
	for f in calib_a calib_b calib_c; do
		s=0
		n=0
		for i in 1 2; do
			s=$((s + $(q "$1$i.db" "SELECT self_samples FROM function_profile WHERE function = '$f'")))
			n=$((n + $(q "$1$i.db" "SELECT value FROM run_info WHERE key = 'samples'")))
		done
		awk -v s=$s -v n=$n 'BEGIN { printf "%.2f ", 100 * s / n }'
	done
}
mean_err() {
	echo "$1" | awk '{ printf "%.3f", (($1 - 60)^2)^0.5 / 3 + (($2 - 30)^2)^0.5 / 3 + (($3 - 10)^2)^0.5 / 3 }'
}

run 1000 lo
run 4000 hi
lo=$(shares lo)
hi=$(shares hi)
note "1 kHz: $lo   4 kHz: $hi   (truth 60 30 10)"
set -- $lo
for pair in "calib_a $1 60" "calib_b $2 30" "calib_c $3 10"; do
	set -- $pair
	err=$(awk -v a="$2" -v b="$3" 'BEGIN { d = a - b; printf "%.2f", d < 0 ? -d : d }')
	assert_le "$1 error at 1 kHz (pp)" "$err" 2
done
elo=$(mean_err "$lo")
ehi=$(mean_err "$hi")
note "mean absolute error: $elo pp at 1 kHz, $ehi pp at 4 kHz"
awk -v lo="$elo" -v hi="$ehi" 'BEGIN { exit !(hi < lo || hi < 0.5) }' ||
	fail "the error did not shrink at 4x the frequency ($elo -> $ehi pp)"
echo "PASS"

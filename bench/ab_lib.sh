# ab_lib.sh - the A/B rounds of bench/collector_cost.sh and
# bench/true_phases.sh (sourced; each script defines one SIDE BIN ROUND
# ARGS..., which prints its rows, and sets NEW, this build's hpprof, and
# BASE, another build's or empty).

# ab_rounds N ARGS...: N rounds of one, this build alone or beside BASE,
# which one goes first alternating, so that a slow moment of the shared
# machine falls on both sides alike.
ab_rounds() {
	n=$1
	shift
	for i in $(seq 1 "$n"); do
		if [ -z "$BASE" ]; then
			one new "$NEW" "$i" "$@"
		elif [ $((i % 2)) -eq 0 ]; then
			one new "$NEW" "$i" "$@"
			one base "$BASE" "$i" "$@"
		else
			one base "$BASE" "$i" "$@"
			one new "$NEW" "$i" "$@"
		fi
	done
}

# An awk function: the median of a[1..n] (sorts a).
AB_AWK_MEDIAN='
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
		t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'

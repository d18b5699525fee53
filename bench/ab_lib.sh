# ab_lib.sh - the A/B rounds of bench/collector_cost.sh and
# bench/true_phases.sh (sourced; each script defines one SIDE BIN ROUND
# ARGS..., which prints its rows, and sets NEW, this build's hpprof, and
# BASE, another build's or empty); the held perf hooks of
# bench/overhead.sh and bench/target_clock.sh.

# ab_init: NEW (BUILD's hpprof), BASE (HPPROF_BASE, or empty), W (a
# temporary directory removed at exit); exits when NEW is not built.
ab_init() {
	NEW="$BUILD/hpprof"
	BASE=${HPPROF_BASE:-}
	W=$(mktemp -d)
	trap 'rm -rf "$W"' EXIT
	[ -x "$NEW" ] || { echo "build first (make)"; exit 1; }
}

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

# hold_perf_hooks PERF: a counting event held on a sleeping process until
# the script exits, so that every profiled side starts with the kernel's
# perf scheduling hooks on (docs/performance.md, "Wave 18: the first
# event's grace period"); the exit also removes $W.
hold_perf_hooks() {
	sleep 100000 &
	AB_SLEEPER=$!
	"$1" stat -e cpu-clock -p "$AB_SLEEPER" -o /dev/null &
	AB_HOLDER=$!
	trap 'kill "$AB_HOLDER" "$AB_SLEEPER" 2>/dev/null || true; rm -rf "$W"' EXIT
	sleep 0.2
}

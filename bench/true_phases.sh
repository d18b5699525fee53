#!/bin/sh
# true_phases.sh - where the fixed cost of a run goes, phase by phase
# (docs/performance.md, "Wave 17: /bin/true's fixed cost"):
#   bench/true_phases.sh [BUILD_DIR] [ROUNDS] [TARGET ARGS...]
#   HPPROF_BASE=/tmp/old/hpprof bench/true_phases.sh build 11
# Each round runs `hpprof --debug=run:2 run -q -o DB TARGET` (default
# /bin/true) once per build, the builds alternating (which goes first
# alternates too), and reads run's phase lines: the process's CPU (all
# its threads, getrusage) between two phase marks. Prints, per phase, each
# build's median over the rounds and the median of the rounds'
# differences (this build minus the base) with in how many it was lower;
# then the sum of the medians and the load average before and after.
# Without HPPROF_BASE, this build alone. Each build gets a copy of the
# user's symbol cache, warmed by one run first, so that neither reads
# what the other wrote and no round pays a miss.
set -eu
BUILD=${1:-build}
N=${2:-11}
[ $# -ge 2 ] && shift 2 || shift $#
[ $# -gt 0 ] || set -- /bin/true
. "$(dirname "$0")/ab_lib.sh"
ab_init
SRC=${XDG_CACHE_HOME:-$HOME/.cache}/hpprof

# one SIDE BIN ROUND: lines "SIDE ROUND CPU_MS PHASE NAME"
one() {
	side=$1 bin=$2 round=$3
	shift 3
	XDG_CACHE_HOME="$W/cache-$side" "$bin" --debug=run:2 run -q -o "$W/$side.db" "$@" \
		2>&1 >/dev/null | sed -n 's/.*\] phase \(.*[^ ]\) *CPU *\([0-9.]*\) ms.*/\2 \1/p' |
		awk -v s="$side" -v r="$round" '{ print s, r, $0 }'
}
for side in base new; do
	bin=$NEW
	[ $side = base ] && { [ -n "$BASE" ] || continue; bin=$BASE; }
	mkdir -p "$W/cache-$side"
	[ -d "$SRC" ] && cp -r "$SRC" "$W/cache-$side/" 2>/dev/null || true
	one "$side" "$bin" 0 "$@" >/dev/null      # the warm-up run
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ab_rounds "$N" "$@" >"$W/rows"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
awk "$AB_AWK_MEDIAN"'

{
	name = $4; for (k = 5; k <= NF; k++) name = name " " $k
	if (!(name in seen)) { seen[name] = 1; order[++np] = name }
	v[$1, $2, name] += $3; have[$1] = 1; if ($2 > r) r = $2
}
END {
	printf "%-32s %9s %9s %11s\n", "phase (CPU ms, medians)", "base", "this", "difference"
	for (p = 1; p <= np; p++) {
		nb = nn = nd = lower = 0
		for (i = 1; i <= r; i++) {
			nv[++nn] = v["new", i, order[p]]
			if (have["base"]) { bv[++nb] = v["base", i, order[p]]
				d = v["new", i, order[p]] - v["base", i, order[p]]; dv[++nd] = d; lower += d < 0 }
		}
		mn = median(nv, nn); sn += mn
		if (nb) { mb = median(bv, nb); sb += mb
			printf "%-32s %9.2f %9.2f %+8.2f, lower in %d of %d\n", order[p], mb, mn, median(dv, nd), lower, nd }
		else printf "%-32s %9s %9.2f\n", order[p], "-", mn
	}
	if (have["base"]) printf "%-32s %9.2f %9.2f\n", "sum of the medians", sb, sn
	else printf "%-32s %9s %9.2f\n", "sum of the medians", "-", sn
}' "$W/rows"

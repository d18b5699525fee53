#!/bin/sh
# Benchmark (label bench): the preload agent's cost on a recursion/generator
# workload, pyenv's CPython 3.11 (a libpython build) against Debian's
# (issue 17; docs/python.md, "The agent's unwinding cost").
#  - HP_BENCH_REPS (default 7) rounds; each round runs, for each Python
#    (pyenv's, Debian's) and each of bare, `hpprof run -F 1000`,
#    `hpprof run -F 4000`, the workload once, the order rotated from round
#    to round (a drift of the machine's load spreads over all of them);
#  - per run: wall time of the whole command (/usr/bin/time) and the target's
#    own CPU time (the workload prints getrusage(RUSAGE_SELF) of the Python
#    process at its end: its startup, the loop and the agent's handler
#    inside it; hpprof's collector is not in it);
#  - the medians per Python and mode, the ratios to bare, the samples, the
#    share of them whose native stack is cut (samples.unwind 3: the agent
#    backing off to the interrupted instruction, agent.c, or a stack too
#    deep) and the merged share of the samples of Python code.
# A profiled run that does not end within HP_BENCH_DEADLINE s (default 120)
# is killed and reported (with the agent before this bench's fix, pyenv's
# CPython at 4 kHz never ended). Budget: target CPU <= 1.10x bare at 1 kHz
# for both Pythons; reported, fails only with HP_BENCH_STRICT=1.
# env: HPPROF; HP_BENCH_REPS, HP_BENCH_ITERS (workload size, default 40000)
set -u
: "${HPPROF:?}"
REPS=${HP_BENCH_REPS:-7}
ITERS=${HP_BENCH_ITERS:-40000}
DEADLINE=${HP_BENCH_DEADLINE:-120}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time is not installed"; exit 77; }
pyenv=
for d in "${PYENV_ROOT:-}" "${HOME:-/root}/.pyenv" /root/.pyenv; do
	[ -n "$d" ] || continue
	for p in "$d"/versions/3.11*/bin/python3.11; do
		[ -x "$p" ] && { pyenv=$p; break 2; }
	done
done
[ -n "$pyenv" ] || { echo "SKIP: pyenv's CPython 3.11 is not installed"; exit 77; }
[ -x /usr/bin/python3.11 ] || { echo "SKIP: /usr/bin/python3.11 is not installed"; exit 77; }

cat >"$tmp/work.py" <<'PY'
import resource, sys
def walk(n):                 # a generator delegating to itself: nested loops
    if n:
        yield from walk(n - 1)
    yield n
def rec(n):                  # Python recursion (one loop) ending in a generator
    if n == 0:
        return sum(walk(12))
    return rec(n - 1) + 1
def main(iters):
    n = 0
    for _ in range(iters):
        n += rec(20)
    r = resource.getrusage(resource.RUSAGE_SELF)
    print("truth cpu_s=%.4f n=%d" % (r.ru_utime + r.ru_stime, n))
main(int(sys.argv[1]))
PY

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run TAG PY MODE: one run; appends "tag mode wall cpu samples leafonly merged" to $tmp/runs
run() {
	tag=$1 py=$2 mode=$3 out=$tmp/o
	rm -f "$tmp/p.db" "$tmp/p.db-wal" "$tmp/p.db-shm" "$out"   # a killed run leaves its WAL
	if [ "$mode" = bare ]; then
		/usr/bin/time -f '%e' -o "$tmp/t" "$py" "$tmp/work.py" "$ITERS" >"$out" 2>/dev/null
	else
		/usr/bin/time -f '%e' -o "$tmp/t" "$HPPROF" run -q -F "$mode" -o "$tmp/p.db" \
			"$py" "$tmp/work.py" "$ITERS" >"$out" 2>"$tmp/err" &
		pid=$!
		( sleep "$DEADLINE"; for c in $(pgrep -P "$pid"); do
			for g in $(pgrep -P "$c"); do kill -9 "$g"; done; kill -9 "$c"; done ) 2>/dev/null &
		w=$!
		wait "$pid"
		kill "$w" 2>/dev/null
	fi
	cpu=$(awk '$1 == "truth" { sub("cpu_s=", "", $2); print $2 }' "$out")
	if [ -z "$cpu" ]; then
		echo "$tag $mode hung" >>"$tmp/runs"
		echo "  $tag $mode: no result (killed after ${DEADLINE} s or failed)"
		[ "$mode" = bare ] || tail -2 "$tmp/err" | sed 's/^/    /'
		return
	fi
	s=0 leaf=0 merged=nan
	if [ "$mode" != bare ]; then
		s=$(sqlite3 "$tmp/p.db" "SELECT count(*) FROM samples WHERE event = 0")
		leaf=$(sqlite3 "$tmp/p.db" "SELECT count(*) FROM samples WHERE event = 0 AND unwind = 3")
		merged=$(sqlite3 "$tmp/p.db" "SELECT 1.0 * sum(CASE WHEN key IN ('python_merged',
			'python_truncated') THEN value END) / sum(value) FROM run_info WHERE key IN
			('python_merged', 'python_truncated', 'python_unmerged', 'python_unresolved')")
	fi
	echo "$tag $mode $(tail -1 "$tmp/t") $cpu $s $leaf $merged" >>"$tmp/runs"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
i=0
while [ "$i" -lt "$REPS" ]; do
	i=$((i + 1))
	set -- "pyenv $pyenv bare" "pyenv $pyenv 1000" "pyenv $pyenv 4000" \
		"debian /usr/bin/python3.11 bare" "debian /usr/bin/python3.11 1000" \
		"debian /usr/bin/python3.11 4000"
	k=0
	while [ $k -lt $(((i - 1) % 6)) ]; do       # rotate the order
		first=$1; shift; set -- "$@" "$first"; k=$((k + 1))
	done
	for r in "$@"; do
		# shellcheck disable=SC2086
		run $r
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

echo "recursion/generator workload ($ITERS iterations), $REPS rounds, load average $load0 at the start, $load1 at the end"
echo "  pyenv: $pyenv; debian: /usr/bin/python3.11"
echo "  python   mode   wall s (median)  target CPU s (median)  CPU ratio  samples  cut  merged  hung"
bad=0
for tag in pyenv debian; do
	bw=$(awk -v t=$tag '$1 == t && $2 == "bare" { print $3 }' "$tmp/runs" | median)
	bc=$(awk -v t=$tag '$1 == t && $2 == "bare" { print $4 }' "$tmp/runs" | median)
	for mode in bare 1000 4000; do
		w=$(awk -v t=$tag -v m=$mode '$1 == t && $2 == m && $3 != "hung" { print $3 }' "$tmp/runs" | median)
		c=$(awk -v t=$tag -v m=$mode '$1 == t && $2 == m && $3 != "hung" { print $4 }' "$tmp/runs" | median)
		s=$(awk -v t=$tag -v m=$mode '$1 == t && $2 == m && $3 != "hung" { print $5 }' "$tmp/runs" | median)
		l=$(awk -v t=$tag -v m=$mode '$1 == t && $2 == m && $3 != "hung" { s += $5; l += $6 } END { printf "%.2f%%", s ? 100 * l / s : 0 }' "$tmp/runs")
		g=$(awk -v t=$tag -v m=$mode '$1 == t && $2 == m && $3 != "hung" { print $7 }' "$tmp/runs" | median |
			awk '{ printf($1 == "nan" ? "-" : "%.4f", $1) }')
		h=$(awk -v t=$tag -v m=$mode '$1 == t && $2 == m && $3 == "hung"' "$tmp/runs" | wc -l)
		r=$(awk -v a="$c" -v b="$bc" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
		printf "  %-7s  %-5s  %6s (bare %s)  %6s (bare %s)  %9s  %7s  %9s  %6s  %s\n" \
			$tag $mode "$w" "$bw" "$c" "$bc" "$r" "$s" "$l" "$g" "$h"
		[ "$h" = 0 ] || bad=1
		if [ $mode = 1000 ]; then
			awk -v r="$r" 'BEGIN { exit !(r <= 1.10) }' ||
				{ echo "OVER BUDGET: $tag target CPU at 1 kHz ${r}x bare (budget 1.10)"; bad=1; }
		fi
	done
done
if [ $bad = 1 ] && [ "${HP_BENCH_STRICT:-0}" = 1 ]; then
	exit 1
fi
[ $bad = 0 ] || echo "(reported; HP_BENCH_STRICT=1 makes it fail)"
exit 0

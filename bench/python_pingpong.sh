#!/bin/sh
# An attached Python ping-pong (docs/offcpu.md, "Attach: a Python
# ping-pong"): tests/fixtures/python/pingpong.py, two CPython processes
# passing a byte through pipes, counts its own round trips. In each of
# HP_BENCH_REPS repetitions (default 3), interleaved, over HP_BENCH_WINDOW
# seconds (default 2) of its run: bare; `hpprof run -p` both processes with
# --no-off-cpu, with --off-cpu, with --off-cpu -F 1 (the CPU sampler's
# timer out of the way); `perf record -e context-switches -c 1 -g -p`. Per
# configuration (medians): the program's rate (round trips a second, from
# its own TRIPS lines) and the CPU time both processes spent per 10,000
# round trips (utime + stime from /proc, load-robust where the rate is not),
# each as a ratio to bare, with the load average. HPPROF_BASE=path/to/another
# hpprof adds its --off-cpu (before/after in one run).
# Budget (issue 16's, against perf): --off-cpu's rate >= perf's / 1.05.
# Over budget is reported; it fails only with HP_BENCH_STRICT=1.
. "$HP_SRC/tests/e2e/lib.sh"
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "python3.11 is not installed"
N=${HP_BENCH_REPS:-3}
W=${HP_BENCH_WINDOW:-2}
HB=${HPPROF_BASE:-}
have_perf=0
command -v perf >/dev/null && perf stat -e context-switches true >/dev/null 2>&1 && have_perf=1
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mono() { "$PY" -c 'import time; print(time.monotonic_ns())'; }
ticks() { for p in "$@"; do sed 's/.*) //' "/proc/$p/stat"; done | awk '{ s += $12 + $13 } END { print s }'; }
# round trips a second and in all between monotonic times $1 and $2
trips() { awk -F'\t' -v a="$1" -v b="$2" '$1 == "TRIPS" && $3 >= a && $3 <= b {
	if (!t0) { n0 = $2; t0 = $3 } n1 = $2; t1 = $3 }
	END { if (t1 > t0) printf "%.0f %d\n", (n1 - n0) * 1e9 / (t1 - t0), n1 - n0; else print "0 0" }' pp.out; }
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT
"$PY" "$HP_SRC/tests/fixtures/python/pingpong.py" --seconds 3600 --every 0.1 >pp.out 2>pp.err &
pid=$!
wait_ready pp.out pingpong.py
set -- $(awk -F'\t' '$1 == "READY" { print $2, $3 }' pp.out)
P=$1 C=$2
hows="bare nooff off offF1 perf"
[ -n "$HB" ] && hows="$hows base"
rm -f ./*.txt
note "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$N"); do
	for how in $hows; do
		hp=
		case $how in
		bare) ;;
		nooff) "$HPPROF" run -q --no-off-cpu -p "$P,$C" --duration $((W + 2)) -o b.db >/dev/null 2>&1 & hp=$! ;;
		off) "$HPPROF" run -q --off-cpu -p "$P,$C" --duration $((W + 2)) -o b.db >/dev/null 2>&1 & hp=$! ;;
		offF1) "$HPPROF" run -q --off-cpu -F 1 -p "$P,$C" --duration $((W + 2)) -o b.db >/dev/null 2>&1 & hp=$! ;;
		base) "$HB" run -q --off-cpu -p "$P,$C" --duration $((W + 2)) -o b.db >/dev/null 2>&1 & hp=$! ;;
		perf) [ $have_perf = 1 ] || continue
		      perf record -q -o p.data -e context-switches -c 1 -g -p "$P,$C" -- sleep $((W + 2)) \
			>/dev/null 2>&1 & hp=$! ;;
		esac
		sleep 1                               # past the attach
		a=$(mono); k0=$(ticks "$P" "$C"); sleep "$W"; b=$(mono); k1=$(ticks "$P" "$C")
		[ -z "$hp" ] || wait "$hp" || fail "$how: the profiler failed"
		set -- $(trips "$a" "$b")
		[ "$2" -gt 0 ] || fail "$how: no round trips counted"
		echo "$1" >>"r_$how.txt"
		awk -v k=$((k1 - k0)) -v n="$2" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%.2f\n", 1000 * k / hz * 10000 / n }' >>"c_$how.txt"
		case $how in off|offF1|base) q b.db "SELECT printf('%s/%s', (SELECT value FROM run_info
			WHERE key = 'offcpu_no_stack'), (SELECT value FROM run_info WHERE key = 'lost_samples'))" \
			>>"s_$how.txt" ;; esac
		sleep 0.5
	done
done
note "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rb=$(med <r_bare.txt) cb=$(med <c_bare.txt)
for how in $hows; do
	[ -s "r_$how.txt" ] || continue
	r=$(med <"r_$how.txt") c=$(med <"c_$how.txt")
	eval "r_$how=$r"
	note "$(printf '%-6s %7.0f round trips/s (x%.3f of bare), CPU %6.2f ms per 10k round trips (x%.3f)' \
		"$how" "$r" "$(ratio "$r" "$rb")" "$c" "$(ratio "$c" "$cb")")$( [ -s "s_$how.txt" ] &&
		echo "; waits without a stack / records lost: $(tr '\n' ' ' <"s_$how.txt")")"
done
note "(rates: $(for how in $hows; do [ -s "r_$how.txt" ] && printf '%s %s; ' "$how" "$(tr '\n' ' ' <"r_$how.txt")"; done))"
over=0
if [ $have_perf = 1 ]; then
	note "--off-cpu / perf rate: $(ratio "$r_off" "$r_perf") (budget >= 1/1.05)"
	awk -v a="$r_off" -v b="$r_perf" 'BEGIN { exit !(a * 1.05 < b) }' &&
		{ note "OVER BUDGET: --off-cpu's rate more than 5% below perf's"; over=1; }
fi
[ "$over" = 0 ] || [ "${HP_BENCH_STRICT:-0}" != 1 ] || fail "over budget"
exit 0

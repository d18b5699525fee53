#!/bin/sh
# perf_event_open refused (seccomp, as in a container): run falls back to
# the LD_PRELOAD agent with one note that says why, records which sampler
# ran, and still meets the julia truths; threads and forked children are
# sampled. A static target (no LD_PRELOAD) and --sampler perf fail as
# before: one message that says what and why, no database left behind.
# stat still gives times and max RSS (like /usr/bin/time) with every
# counter n/a and the reason; list says why every event is unavailable.
. "$HP_SRC/tests/e2e/lib.sh"
NP="$HP_BUILD/tests/noperf"
[ -x "$NP" ] || skip "the noperf helper is not built"
"$NP" true || skip "seccomp filters are not available here"
need_kernel julia
need_kernel primes

# julia: --repeat 24 for ~2 s of CPU, as the agent samples at the kernel's
# tick rate (250 Hz here): ~550 samples. The truths are the kernel's own
# (truth lines, kernels/README.md), measured in the same run; skid 2 pp:
# stacks left incomplete, the agent's set-up, phase boundaries.
"$NP" "$HPPROF" run -o j.db -k julia -- --repeat 24 >out.txt 2>err.txt ||
	{ cat err.txt; fail "run under seccomp: exit $?"; }
assert_contains "checksum line" out.txt "checksum"
assert_contains "the note" err.txt "perf events are not permitted here (not permitted"
assert_contains "the note names the agent" err.txt "sampling with the LD_PRELOAD agent instead"
n=$(grep -c "perf events are not permitted here\|not measured:" err.txt)
assert_eq "notes about perf events" "$n" 1
mode=$(q j.db "SELECT value FROM run_info WHERE key = 'sampling'")
case "$mode" in "preload agent (perf_event_open refused: not permitted"*) note "sampling: $mode";;
	*) fail "run_info sampling = '$mode'";; esac
cyc=$(q j.db "SELECT value FROM run_info WHERE key = 'event:cycles'")
case "$cyc" in "not measured: the preload agent reads no counters"*) ;;
	*) fail "event:cycles = '$cyc'";; esac
n=$(q j.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_ge "samples" "$n" 300
proc=$(truth out.txt process main cpu_s)
seen=$(awk -v a="$proc" -v b="$(truth_startup out.txt)" 'BEGIN { print a - b }')
comp=$(truth out.txt phase compute cpu_s)
tot=$(q j.db "SELECT total_samples FROM function_profile WHERE function = 'calculate_z'")
check_share "calculate_z total" "$tot" "$n" "$(ratio "$comp" "$proc")" "$(ratio "$comp" "$seen")" 2
main=$(q j.db "SELECT total_samples FROM function_profile WHERE function = 'main'")
check_share "main total (stacks reaching main)" "$main" "$n" \
	"$(ratio "$(truth_sum out.txt phase cpu_s)" "$proc")" 1 2
# the escape loop's lines hold >= 90% of calculate_z's samples: a property
# of the code (run_julia.sh says why)
lines=$(marker_lines "$HP_SRC/kernels/julia.c" "HOT: escape loop \*/")
hot=$(q j.db "SELECT COALESCE(SUM(self_samples), 0) FROM line_profile
              WHERE file LIKE '%julia.c' AND line IN ($lines)")
check_share "escape-loop lines, of calculate_z's samples" "$hot" "$tot" 0.90 1 0

"$NP" "$HPPROF" run -q -o t.db -k julia -- --variant threads --threads 4 --schedule static \
	--repeat 24 >t.out 2>err.txt || { cat err.txt; fail "threads run under seccomp"; }
pid=$(q t.db "SELECT pid FROM processes ORDER BY start_ns LIMIT 1")
nthreads=$(q t.db "SELECT COUNT(*) FROM thread_profile WHERE pid = $pid AND tid != pid")
assert_ge "worker threads with samples" "$nthreads" 4
# thread stacks unwound to worker_main: the workers' share of the CPU time
wz=$(q t.db "SELECT total_samples FROM function_profile WHERE function = 'worker_main'")
proc=$(truth t.out process main cpu_s)
busy=$(truth_sum t.out thread cpu_s)
check_share "worker_main total (thread stacks unwound)" "$wz" \
	"$(q t.db "SELECT value FROM run_info WHERE key = 'samples'")" "$(ratio "$busy" "$proc")" \
	"$(ratio "$busy" "$(awk -v a="$proc" -v b="$(truth_startup t.out)" 'BEGIN { print a - b }')")" 2
check_workers t.db t.out 2

"$NP" "$HPPROF" run -q -o p.db -k primes -- --variant procs --workers 2 >out.txt 2>err.txt ||
	{ cat err.txt; fail "procs run under seccomp"; }
assert_contains "primes validated" out.txt "OK"
pid=$(truth out.txt process main pid)
kids=$(q p.db "SELECT COUNT(*) FROM (SELECT pid FROM thread_profile WHERE pid != $pid
               GROUP BY pid HAVING SUM(samples) >= 1)")
assert_eq "forked children with samples" "$kids" 2
check_workers p.db out.txt 2
# the children's symbols: count_range (the loop over the numbers, calling
# is_prime for each) holds the workers' share of all CPU time. Not
# is_prime alone: the loop's own time, the calls of the even numbers that
# return at once, is the workers' too (count_range's self: 2-11 of ~380
# samples; CI run 94 failed on is_prime's 97.0% against 99.9%).
workers=$(truth_sum out.txt process cpu_s '^worker')
all=$(truth_sum out.txt process cpu_s)
ip=$(q p.db "SELECT total_samples FROM function_profile WHERE function = 'count_range'")
check_share "count_range total (children's symbols)" "$ip" \
	"$(q p.db "SELECT value FROM run_info WHERE key = 'samples'")" "$(ratio "$workers" "$all")" \
	"$(ratio "$workers" "$(awk -v a="$all" -v b="$(truth_startup out.txt)" 'BEGIN { print a - b }')")" 2

# No LD_PRELOAD for a static program: the error stays, and says both.
need_kernel julia-static
"$NP" "$HPPROF" run -o np.db "$KDIR/hp-julia-static" --small >out.txt 2>err.txt
st=$?
[ "$st" -eq 1 ] || { cat err.txt; fail "static run: exit $st, expected 1"; }
assert_contains "static: what failed" err.txt "cannot sample '$KDIR/hp-julia-static': perf_event_open of cpu-clock failed"
assert_contains "static: why" err.txt "not permitted"
assert_contains "static: no agent either" err.txt "statically linked"
[ ! -e np.db ] || fail "a database was left behind"
"$NP" "$HPPROF" run --sampler perf -o np.db /bin/true >out.txt 2>err.txt
st=$?
[ "$st" -eq 1 ] || { cat err.txt; fail "--sampler perf: exit $st, expected 1"; }
assert_contains "--sampler perf: what failed" err.txt "cannot sample '/bin/true': perf_event_open of cpu-clock failed"
[ ! -e np.db ] || fail "a database was left behind"

"$NP" "$HPPROF" stat -o out.txt /bin/true 2>err.txt || { cat err.txt; fail "stat without perf events"; }
assert_contains "stat: n/a, never 0" out.txt "n/a *task-clock"
assert_contains "stat: why" out.txt "not permitted"
assert_contains "stat: still the times" out.txt "seconds time elapsed"
"$NP" "$HPPROF" list >list.txt 2>&1 || true
assert_contains "list: reason" list.txt "not permitted"
echo "PASS"

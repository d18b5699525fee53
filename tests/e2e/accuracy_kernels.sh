#!/bin/sh
# Issue 3 accuracy suite: what hpprof must show on each kernel
# (kernels/README.md). Sizes are reduced to keep CI short; each tolerance
# is justified where it is asserted.
. "$HP_SRC/tests/e2e/lib.sh"
for k in julia diffusion laplace hashing primes pi; do need_kernel $k; done
K="$HP_SRC/kernels"

# Share of samples whose stack contains a user-space frame (kernel functions
# such as alloc_pages_mpol are not the program's allocations) matching a
# LIKE pattern.
stack_share() {  # stack_share DB PATTERN
	q "$1" "WITH RECURSIVE walk(sample_stack, node) AS (
	          SELECT stack_id, stack_id FROM samples WHERE event = 0 GROUP BY stack_id
	          UNION ALL SELECT w.sample_stack, n.parent FROM walk w
	          JOIN stack_nodes n ON n.id = w.node WHERE n.parent != 0),
	        hit AS (SELECT DISTINCT w.sample_stack FROM walk w
	          JOIN stack_nodes n ON n.id = w.node
	          JOIN location_frames lf ON lf.location_id = n.location_id
	          JOIN functions f ON f.id = lf.function_id WHERE f.name LIKE '$2'
	          AND f.module_id NOT IN (SELECT id FROM modules WHERE path LIKE '[kernel%'))
	        SELECT ROUND(100.0 * (SELECT COUNT(*) FROM samples WHERE event = 0 AND stack_id IN hit)
	               / (SELECT COUNT(*) FROM samples WHERE event = 0), 2)"
}
user_s() { q "$1" "SELECT value FROM run_info WHERE key = 'user_s'"; }
marker_share() {  # marker_share DB FILE MARKER
	q "$1" "SELECT COALESCE(SUM(self_pct), 0) FROM line_profile
	        WHERE file LIKE '%$(basename "$2")' AND line IN ($(marker_lines "$2" "$3"))"
}
imbalance() {  # busy max/mean over worker threads (not the main thread)
	q "$1" "SELECT ROUND(MAX(samples) * 1.0 / AVG(samples), 2) FROM thread_profile WHERE tid != pid"
}

# --- julia: boxed allocates at setup; static vs dynamic schedule balance.
"$HPPROF" run -q -o jb.db -k julia -- --variant boxed --width 500 >/dev/null || fail "julia boxed"
"$HPPROF" run -q -o je.db -k julia -- --width 500 >/dev/null || fail "julia expanded"
ab=$(stack_share jb.db '%malloc%')
ae=$(stack_share je.db '%malloc%')
note "julia: samples under malloc: boxed $ab%, expanded $ae%"
awk -v b="$ab" -v e="$ae" 'BEGIN { exit !(b >= 1 && b >= 5 * e) }' ||
	fail "julia boxed: allocation frames not prominent ($ab% vs $ae%)"
"$HPPROF" run -q -o js.db -k julia -- --variant threads --threads 4 --schedule static \
	>/dev/null || fail "julia static"
"$HPPROF" run -q -o jd.db -k julia -- --variant threads --threads 4 --schedule dynamic \
	>/dev/null || fail "julia dynamic"
# computed truth: static max/mean 1.98, dynamic ~1.0; on 2 shared cores a
# worker can be starved for a while, hence the wide bands; the default
# width (about 1 s) amortizes the skew of thread start-up.
assert_ge "julia static imbalance (max/mean busy)" "$(imbalance js.db)" 1.7
assert_le "julia dynamic imbalance (max/mean busy)" "$(imbalance jd.db)" 1.3

# --- diffusion: allocation frames, hot line, fused fastest.
for v in lists lists_prealloc temporaries inplace fused colmajor; do
	"$HPPROF" run -q -o d_$v.db -k diffusion -- --variant $v --size 512 --steps 400 >d_$v.out ||
		fail "diffusion $v (mass check)"
	assert_contains "diffusion $v mass conserved" d_$v.out "OK"
done
alloc_pat='%alloc%'
for v in lists temporaries; do
	a=$(stack_share d_$v.db "$alloc_pat")
	m=$(stack_share d_$v.db '%mmap%')
	u=$(stack_share d_$v.db '%munmap%')
	t=$(awk -v a="$a" -v m="$m" -v u="$u" 'BEGIN { print a + m + u }')
	assert_ge "diffusion $v: samples in allocation frames %" "$t" 3
done
for v in lists_prealloc inplace; do
	a=$(stack_share d_$v.db "$alloc_pat")
	m=$(stack_share d_$v.db '%mmap%')
	# setup allocates once (a sample or two of a 400-step run); the steps never do
	t=$(awk -v a="$a" -v m="$m" 'BEGIN { print a + m }')
	assert_le "diffusion $v: samples in allocation frames %" "$t" 2
done
hot=$(q d_fused.db "SELECT line FROM line_profile LIMIT 1")
case ",$(marker_lines "$K/diffusion.c" "HOT: stencil \*/")," in *",$hot,"*) note "fused: hot line $hot is the stencil";;
	*) fail "fused: hot line $hot is not the stencil line";; esac
fu=$(user_s d_fused.db)
for v in lists lists_prealloc temporaries inplace colmajor; do
	o=$(user_s d_$v.db)
	note "diffusion CPU time: fused $fu s, $v $o s"
	# 10% slack: CPU time of a 0.1-0.5 s run on a shared 2-core VM jitters
	awk -v f="$fu" -v o="$o" 'BEGIN { exit !(f <= 1.1 * o) }' || fail "fused is not faster than $v"
done

# --- laplace: the stencil is hot; jacobi allocates every sweep. The marked
# lines are one grid point's update: the stencil and the error sum that
# depends on it (at -O2 samples land on the instructions that wait for the
# stencil's result, spread over the loop body).
"$HPPROF" run -q -o l_loop.db -k laplace -- --size 300 --repeat 2 >l.out || fail "laplace loop"
assert_contains "laplace convergence check" l.out "OK"
share=$(marker_share l_loop.db "$K/laplace.c" "HOT: stencil \*/")
assert_ge "laplace loop: stencil line self%" "$share" 70
"$HPPROF" run -q -o l_jac.db -k laplace -- --variant jacobi --size 300 --repeat 2 >/dev/null ||
	fail "laplace jacobi"
faults=$(q l_jac.db "SELECT COUNT(*) FROM samples WHERE event != 0")
loopf=$(q l_loop.db "SELECT COUNT(*) FROM samples WHERE event != 0")
assert_ge "laplace jacobi/loop page-fault samples" \
	"$(awk -v a="$faults" -v b="$loopf" 'BEGIN { printf "%.1f", a / (b ? b : 1) }')" 5

# --- hashing: the bad hash spends its time probing; bad/perfect ratio printed.
"$HPPROF" run -q -o h_bad.db -k hashing -- --lookups 200000 >/dev/null || fail "hashing bad"
"$HPPROF" run -q -o h_perf.db -k hashing -- --variant perfect --lookups 200000 >/dev/null ||
	fail "hashing perfect"
share=$(q h_bad.db "SELECT COALESCE(SUM(self_pct), 0) FROM line_profile WHERE file LIKE '%hashing.c'
        AND line IN ($(marker_lines "$K/hashing.c" "HOT: probe loop"),$(marker_lines "$K/hashing.c" "HOT: key compare"))")
assert_ge "hashing bad: probe loop + key compare self%" "$share" 60
note "benchmark: bad/perfect CPU time ratio $(awk -v a="$(user_s h_bad.db)" -v b="$(user_s h_perf.db)" \
	'BEGIN { printf "%.0f", a / (b > 0.001 ? b : 0.001) }') (book: 21.8)"

# --- primes and pi: every worker with its share; the lock shows up.
"$HPPROF" run -q -o p_thr.db -k primes -- --variant threads --workers 3 --to 2000000 >p.out ||
	fail "primes threads"
assert_contains "primes count" p.out "OK"
assert_ge "primes threads with samples" "$(q p_thr.db "SELECT COUNT(*) FROM thread_profile WHERE tid != pid AND samples > 0")" 3
"$HPPROF" run -q -o p_proc.db -k primes -- --variant procs --workers 3 --to 2000000 >/dev/null ||
	fail "primes procs"
assert_ge "primes processes with samples" "$(q p_proc.db "SELECT COUNT(DISTINCT pid) FROM thread_profile")" 4
# each worker gets its share: no worker below a third of the mean
min=$(q p_proc.db "SELECT ROUND(MIN(s) * 1.0 / AVG(s), 2) FROM (SELECT SUM(samples) s FROM thread_profile
                   WHERE pid != (SELECT MIN(pid) FROM processes) GROUP BY pid)")
assert_ge "primes procs: smallest worker share / mean" "$min" 0.33
"$HPPROF" run -q -o pi.db -k pi -- --variant threads --workers 3 --samples 20000000 >pi.out ||
	fail "pi threads"
assert_contains "pi within tolerance" pi.out "OK"
assert_ge "pi threads with samples" "$(q pi.db "SELECT COUNT(*) FROM thread_profile WHERE tid != pid")" 3
"$HPPROF" run -q -o lock.db -k pi -- --variant locked --workers 4 --samples 10000000 >/dev/null ||
	fail "pi locked"
lk=$(stack_share lock.db '%lock%')
assert_ge "pi locked: samples under lock/futex frames %" "$lk" 10
cs=$(q lock.db "SELECT value FROM run_info WHERE key='samples'")
note "pi locked: context switches $(q lock.db "SELECT total FROM events WHERE name = 'context-switches'") over $cs samples"
echo "PASS"

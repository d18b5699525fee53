#!/bin/sh
# julia variants: cabs (a libm frame under calculate_z) and threads with a
# static schedule (4 worker threads; each one's share of the samples is its
# share of the CPU time, as the kernel measured it in the same run).
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia

# cabs: calculate_z calls cabs() every iteration. Which libm symbol the
# samples land in is glibc's business (here cabs tail-calls hypot, so the
# frame under calculate_z is hypot, and the PLT stub may be named _init),
# so the truth is "a frame of libm is called by calculate_z".
"$HPPROF" run -q -o c.db -k julia -- --variant cabs --width 500 >/dev/null || fail "cabs run"
callee=$(q c.db "
  SELECT COUNT(*) FROM stack_nodes c
  JOIN location_frames cf ON cf.location_id = c.location_id
  JOIN functions f ON f.id = cf.function_id
  JOIN modules m ON m.id = f.module_id
  JOIN stack_nodes p ON p.id = c.parent
  JOIN location_frames pf ON pf.location_id = p.location_id
  JOIN functions g ON g.id = pf.function_id
  WHERE m.path LIKE '%/libm.so%' AND g.name = 'calculate_z'")
assert_ge "stack nodes of a libm function called by calculate_z" "$callee" 1
n=$(samples_where c.db)
libm=$(stack_hits c.db "m.path LIKE '%/libm.so%'")
note "samples in libm: $libm of $n ($(q c.db "SELECT GROUP_CONCAT(function || ' ' || self_pct || '%', ', ')
       FROM function_profile WHERE module LIKE '%/libm.so%' AND self_samples > 0"))"
assert_ge "samples with a libm frame" "$libm" 1

# threads, static schedule: the kernel reads each worker's CPU time when it
# finishes (truth lines scope=thread, with its tid); the two middle blocks
# do ~98.5% of the work. Each worker's share of the workers' samples must
# be its share of their CPU time; skid 1 pp for thread start and exit.
"$HPPROF" run -q -o t.db -k julia -- --variant threads --threads 4 --schedule static \
	>t.out || fail "threads run"
pid=$(truth t.out process main pid)
nthreads=$(q t.db "SELECT COUNT(*) FROM thread_profile WHERE pid = $pid AND tid != pid")
assert_ge "worker threads with samples" "$nthreads" 4
check_workers t.db t.out 1
echo "PASS"

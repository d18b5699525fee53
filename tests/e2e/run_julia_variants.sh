#!/bin/sh
# julia variants: cabs (a libm frame under calculate_z) and threads with a
# static schedule (4 worker threads, the two middle blocks do the work).
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia

"$HPPROF" run -q -o c.db -k julia -- --variant cabs --width 500 >/dev/null || fail "cabs run"
callee=$(q c.db "
  SELECT COUNT(*) FROM stack_nodes c
  JOIN location_frames cf ON cf.location_id = c.location_id
  JOIN functions f ON f.id = cf.function_id
  JOIN modules m ON m.id = f.module_id
  JOIN stack_nodes p ON p.id = c.parent
  JOIN location_frames pf ON pf.location_id = p.location_id
  JOIN functions g ON g.id = pf.function_id
  WHERE f.name LIKE '%cabs%' AND m.path LIKE '%libm%' AND g.name = 'calculate_z'")
assert_ge "stack nodes with libm cabs called by calculate_z" "$callee" 1
cabs=$(q c.db "SELECT MAX(total_pct) FROM function_profile WHERE function LIKE '%cabs%'")
assert_ge "cabs total%" "$cabs" 1

"$HPPROF" run -q -o t.db -k julia -- --variant threads --threads 4 --schedule static \
	>/dev/null || fail "threads run"
pid=$(q t.db "SELECT pid FROM processes ORDER BY start_ns LIMIT 1")
nthreads=$(q t.db "SELECT COUNT(*) FROM thread_profile WHERE pid = $pid AND tid != pid")
assert_ge "worker threads with samples" "$nthreads" 4
# Static blocks: rows near the middle of the set hold ~98.5% of the work.
share=$(q t.db "SELECT 100.0 * (SELECT SUM(samples) FROM (SELECT samples FROM thread_profile
                 WHERE tid != pid ORDER BY samples DESC LIMIT 2))
                / (SELECT SUM(samples) FROM thread_profile WHERE tid != pid)")
assert_ge "two busiest workers' share %" "$share" 85
echo "PASS"

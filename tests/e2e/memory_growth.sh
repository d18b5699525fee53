#!/bin/sh
# Issue 5 ground truth: RSS steps and their lines, footprints, one timeline
# per process, page faults of numpy-style temporaries.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel memory
need_kernel diffusion
need_kernel primes
SRC="$HP_SRC/kernels/memory.c"

# materialize vs stream: an RSS step of N x 8 bytes (+-10%) vs flat.
N=4000000
"$HPPROF" run -q -o mat.db -k memory -- --variant materialize --n $N --passes 30 >mat.out ||
	fail "materialize run"
"$HPPROF" run -q -o str.db -k memory -- --variant stream --n $N --passes 30 >/dev/null ||
	fail "stream run"
# The step: the kernel's high-water mark (exact) of materialize minus that
# of stream - the same binary and set-up without the array. The 10 ms
# timeline must show most of the step too (a loaded machine can delay a
# reading past the short peak, hence only half), and stream's must be flat.
hwm() { q "$1" "SELECT peak_rss FROM processes ORDER BY start_ns, pid LIMIT 1"; }
seen() { q "$1" "SELECT MAX(rss_bytes) - MIN(rss_bytes) FROM memory_timeline
                 WHERE pid = (SELECT MIN(pid) FROM processes)"; }
want=$((N * 8))
ms=$(( $(hwm mat.db) - $(hwm str.db) ))
ss=$(seen str.db)
assert_ge "materialize RSS step in the timeline (bytes)" "$(seen mat.db)" $((want / 2))
assert_ge "materialize RSS step (bytes)" "$ms" $((want * 9 / 10))
assert_le "materialize RSS step (bytes)" "$ms" $((want * 11 / 10))
assert_le "stream RSS step (bytes)" "$ss" $((want / 10))
# At -O2 the store of line 65 carries the line of the inlined value() call
# in the line table, so the innermost (self) line is either the marker line
# or value()'s; either way the faults are inside materialize_values' loop.
line=$(marker_lines "$SRC" "RSS: first touch of the list")
top=$(q mat.db "SELECT line || ' ' || function FROM line_profile
                ORDER BY \"page-faults:sampled\" DESC LIMIT 1")
case "$top" in "$line "*|*" value") note "first-touch line: $top";;
	*) fail "line with the most first-touch faults is '$top', not $line";; esac
# The fault samples under materialize_values, of all the run's fault
# samples, against the kernel's own count: the build phase's minor faults
# of the process's (7813 of 7882 here). Skid 2 pp: the ~40 faults between
# the launcher's fork and the exec are the kernel's count alone. The
# records the kernel lost (a burst of 7,800 faults in 0.1 s, a 16 KiB
# stack copy every 32nd, beside a CPU loop) may all have been these: their
# share of the fault samples is allowed too (CI run 169: 78.5% against a
# fixed 80% before; not reproduced in 4 runs beside three loops).
hits=$(q mat.db "SELECT c.total_value / (SELECT value FROM run_info WHERE key = 'fault_period')
                 FROM function_counter_stats c JOIN functions f ON f.id = c.function_id
                 JOIN events e ON e.id = c.event_id
                 WHERE f.name = 'materialize_values' AND e.role = 'pagefault'")
fs=$(q mat.db "SELECT value FROM run_info WHERE key = 'fault_samples'")
lost=$(q mat.db "SELECT value FROM run_info WHERE key = 'lost_samples'")
note "materialize: $fs fault samples, $lost records lost"
check_share "fault samples under materialize_values" "${hits:-0}" "$fs" \
	"$(ratio "$(truth mat.out phase build minflt)" "$(truth mat.out process main minflt)")" 1 \
	"$(awk -v l="$lost" -v f="$fs" 'BEGIN { print 2 + 100 * l / (f + l) }')"
"$HPPROF" report --memory mat.db >mem.txt || fail "report --memory"
assert_contains "report --memory names the line" mem.txt "memory.c:$(echo "$top" | cut -d' ' -f1)"

# boxed vs contiguous: RSS ratio 3-6x (C: a 16-byte malloc chunk + 8-byte
# pointer per value vs 8 bytes), and about N allocations for boxed.
N=2000000
"$HPPROF" run -q -o box.db -k memory -- --variant boxed --n $N --passes 2 >/dev/null ||
	fail "boxed run"
# Allocation counts in a separate run: the shim's event buffer is shared
# memory mapped into the target and would inflate its RSS.
"$HPPROF" run -q -o boxa.db --alloc -k memory -- --variant boxed --n $N --passes 2 >/dev/null ||
	fail "boxed --alloc run"
"$HPPROF" run -q -o con.db -k memory -- --variant contiguous --n $N --passes 2 >/dev/null ||
	fail "contiguous run"
# Peak RSS from the kernel's high-water mark: the contiguous run is too
# short for the 10 ms timeline to catch its peak reliably.
peak() { q "$1" "SELECT peak_rss FROM processes ORDER BY start_ns, pid LIMIT 1"; }
ratio=$(awk -v a="$(peak box.db)" -v b="$(peak con.db)" 'BEGIN { printf "%.2f", a / b }')
assert_ge "boxed/contiguous RSS growth ratio" "$ratio" 3
assert_le "boxed/contiguous RSS growth ratio" "$ratio" 6
boxes=$(q boxa.db "SELECT allocs FROM alloc_sites WHERE line = $(marker_lines "$SRC" "ALLOC: one box per value")")
assert_ge "boxed: allocations at the box line" "$boxes" $N
assert_le "boxed: allocations at the box line" "$boxes" $N

# diffusion temporaries vs inplace: page-fault samples >= 10x, on the temporary lines.
"$HPPROF" run -q -o tmp.db -k diffusion -- --variant temporaries --size 256 --steps 40 >/dev/null ||
	fail "temporaries run"
"$HPPROF" run -q -o inp.db -k diffusion -- --variant inplace --size 256 --steps 40 >/dev/null ||
	fail "inplace run"
ft=$(q tmp.db "SELECT COUNT(*) FROM samples WHERE event != 0")
fi=$(q inp.db "SELECT COUNT(*) FROM samples WHERE event != 0")
ratio=$(awk -v a="$ft" -v b="$fi" 'BEGIN { printf "%.1f", a / (b ? b : 1) }')
assert_ge "temporaries/inplace page-fault samples" "$ratio" 10
# in the temporaries run, most sampled faults are in the passes that write
# the fresh temporaries (the roll copies and the centre term), not in setup
hot=$(marker_lines "$HP_SRC/kernels/diffusion.c" "HOT: ")
share=$(q tmp.db "SELECT 100.0 * SUM(CASE WHEN line IN ($hot) THEN \"page-faults:sampled\" ELSE 0 END)
                  / SUM(\"page-faults:sampled\") FROM line_profile")
assert_ge "temporaries: faults on the stencil-term lines %" "$share" 80

# A multi-process kernel: one timeline per process.
"$HPPROF" run -q -o procs.db --mem-interval 5 -k primes -- --variant procs --workers 3 >/dev/null ||
	fail "primes procs run"
pids=$(q procs.db "SELECT COUNT(DISTINCT pid) FROM memory_timeline")
assert_ge "processes with a memory timeline" "$pids" 4
echo "PASS"

#!/bin/sh
# Allocation tracking: exact leaks at the right line, temporaries not
# leaks, realloc growth visible, and the hard cases (fork without exec,
# static binary, exit from a thread).
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel memory
SRC="$HP_SRC/kernels/memory.c"

"$HPPROF" run -q -o leak.db --alloc -k memory -- --variant leak >/dev/null || fail "leak run"
leakline=$(marker_lines "$SRC" "LEAK: 4096 B per round")
tmpline=$(marker_lines "$SRC" "ALLOC: temporary, freed")
assert_eq "leaked bytes at memory.c:$leakline" \
	"$(q leak.db "SELECT leaked_bytes FROM alloc_sites WHERE file LIKE '%memory.c' AND line = $leakline")" 4096000
assert_eq "leaked blocks" \
	"$(q leak.db "SELECT leaked_allocs FROM alloc_sites WHERE file LIKE '%memory.c' AND line = $leakline")" 1000
assert_eq "temporaries leaked" \
	"$(q leak.db "SELECT leaked_bytes FROM alloc_sites WHERE file LIKE '%memory.c' AND line = $tmpline")" 0
tmp=$(q leak.db "SELECT temporary FROM alloc_sites WHERE file LIKE '%memory.c' AND line = $tmpline")
assert_ge "temporary allocations recognized" "$tmp" 1
"$HPPROF" report --memory leak.db >mem.txt || fail "report --memory"
assert_contains "leak listed" mem.txt "memory.c:$leakline"

# growvec: the realloc count and the slack.
"$HPPROF" run -q -o grow.db --alloc -k memory -- --variant growvec --small >out.txt ||
	fail "growvec run"
reallocs=$(sed -n 's/.* \([0-9]*\) allocations.*/\1/p' out.txt)
rl=$(marker_lines "$SRC" "ALLOC: list_resize")
got=$(q grow.db "SELECT allocs FROM alloc_sites WHERE file LIKE '%memory.c' AND line = $rl")
assert_eq "reallocs seen at the resize line (kernel says $reallocs)" "$got" "$reallocs"
bytes=$(q grow.db "SELECT bytes FROM alloc_sites WHERE line = $rl")
assert_ge "bytes requested by the resizes (>= the final capacity x 8)" "$bytes" 8000000

# Sampling mode: one sample per 8 KiB on average, weighted; the estimate
# of the bytes allocated at the box line is within 10% of the truth
# (2M x 8 B = 16 MB: ~1950 samples, so one standard error is ~2.3% and
# 10% is over 4 of them).
"$HPPROF" run -q -o samp.db --alloc-sample 8192 -k memory -- --variant boxed --n 2000000 --passes 1 \
	>/dev/null || fail "--alloc-sample run"
box=$(marker_lines "$SRC" "ALLOC: one box per value")
est=$(q samp.db "SELECT bytes FROM alloc_sites WHERE file LIKE '%memory.c' AND line = $box")
assert_ge "sampled bytes estimate at the box line" "$est" 14400000
assert_le "sampled bytes estimate at the box line" "$est" 17600000
assert_eq "run_info alloc_tracking" "$(q samp.db "SELECT value FROM run_info WHERE key='alloc_tracking'")" sampled
# wave 16: the report says the calls are the sampled ones, not all calls
"$HPPROF" report --memory samp.db >samp.txt || fail "report --memory of a sampled run"
assert_contains "sampled calls named so" samp.txt "^Allocations (sampled): [0-9]* calls sampled (Allocs: sampled calls"

# The memory chart: valid SVG with an RSS line and a heap line.
"$HPPROF" export grow.db --format memory-svg -o grow.svg || fail "memory-svg export"
python3 - grow.svg <<'PY' || fail "memory-svg content"
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
lines = root.findall(".//s:polyline", ns)
assert len(lines) >= 2, "expected an RSS and a heap line"
assert any("stroke-dasharray" in l.attrib for l in lines), "no heap line"
assert any("peak" in (t.text or "") for t in root.iter("{http://www.w3.org/2000/svg}text"))
PY
note "memory-svg: RSS and heap lines, peak labelled"

# fork() without exec while tracking: each process has its own stream.
need_kernel primes
"$HPPROF" run -q -o fork.db --alloc -k primes -- --variant procs --workers 2 --small >/dev/null ||
	fail "fork without exec under --alloc"
assert_ge "processes" "$(q fork.db "SELECT COUNT(*) FROM processes")" 3

# A static binary: tracking unavailable, said so, still profiled.
"$HPPROF" run -o static.db --alloc "$KDIR/hp-julia-static" --width 200 >/dev/null 2>err.txt ||
	fail "static run"
assert_contains "static: notice" err.txt "statically linked"
assert_ge "static: samples" "$(q static.db "SELECT value FROM run_info WHERE key='samples'")" 5

# exit() called from a thread while tracking.
cc -O2 -g -pthread -o exit_thread "$HP_SRC/tests/fixtures/memory/exit_thread.c" || fail "cc"
"$HPPROF" run -q -o et.db --alloc ./exit_thread >/dev/null
assert_eq "exit from a thread: status" "$?" 7
assert_ge "exit from a thread: allocations recorded" \
	"$(q et.db "SELECT value FROM run_info WHERE key='alloc_count'")" 100
echo "PASS"

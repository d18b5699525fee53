#!/bin/sh
# jitmap_node.sh - JIT code named from /tmp/perf-PID.map: a Node program
# run with --perf-basic-prof spends its time in one JS function, hotLoopJs
# (by construction: the main loop only calls it), which V8 compiles; the
# profile must name it from the map (module "[jit] /tmp/perf-PID.map") and
# keep the name in the database (it reads back after the map is deleted).
# V8 names it "JS:*hotLoopJs FILE:LINE" in node 20, "LazyCompile:*hotLoopJs
# FILE:LINE" in Debian 12's node 18: the check takes either.
. "$HP_SRC/tests/e2e/lib.sh"
command -v node >/dev/null || skip "node is not installed"
cat >hot.js <<'JS'
function hotLoopJs(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + i * 7) % 1000003;
  return s;
}
let t = process.cpuUsage(), r = 0;
while (process.cpuUsage(t).user < 1000000) r += hotLoopJs(100000);
console.log("result", r);
JS
"$HPPROF" run -o n.db node --perf-basic-prof hot.js >n.out 2>n.err ||
	{ cat n.err >&2; fail "hpprof run node failed"; }
assert_contains "the map was read" n.err "JIT code: 1 map file"
pid=$(q n.db "SELECT pid FROM processes ORDER BY start_ns LIMIT 1")
rm -f "/tmp/perf-$pid.map"
# CPU samples only (event 0): off-CPU samples (on by default as root) and
# page-fault samples are not CPU time, and their number grows with the
# machine's load (the main thread preempted), which made the share fall
# to 0.248 at load 20.
total=$(q n.db "SELECT count(*) FROM samples WHERE event = 0")
hot=$(q n.db "SELECT sum(self_samples) FROM function_profile
	      WHERE function LIKE '%:%hotLoopJs %' AND module LIKE '[jit] /tmp/perf-%.map'")
note "samples $total, in the JIT-compiled hotLoopJs ${hot:-0}"
# Most of the CPU time is in hotLoopJs once compiled (the rest: start-up,
# the interpreter before it is compiled, the loop's own cpuUsage calls);
# a quarter is far below what it gets and far above zero.
assert_ge "hotLoopJs share" "$(awk -v h="${hot:-0}" -v t="$total" 'BEGIN { printf "%.3f", h / t }')" 0.25
v=$(q n.db "SELECT value FROM run_info WHERE key = 'jit_maps'")
case "$v" in "1 map file(s)"*) note "run_info jit_maps: $v" ;; *) fail "run_info jit_maps is '$v'" ;; esac
"$HPPROF" report n.db >r.txt 2>&1 || fail "report"
assert_contains "report names it" r.txt "hotLoopJs"
echo "PASS: jitmap_node"

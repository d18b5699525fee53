#!/bin/sh
# A Go program (tests/fixtures/rwlang/go: goroutines, a map, sort.Slice
# with a closure, a hot chain whose leaf keeps no frame) built by Debian's
# go, then profiled by hpprof and perf (rw_cpu, lib.sh: the same shares).
# Go programs carry .debug_frame and no .eh_frame. Until wave 26 hpprof
# read only .eh_frame: every stack ended at its leaf (0.0% complete);
# `perf record --call-graph dwarf` still does. hpprof now reads
# .debug_frame in .eh_frame's place (docs/symbols.md, "Complete stacks"),
# and since wave 29 a PIE build's too.
# The truth, by construction: chainInner is called by chainMiddle alone,
# chainMiddle by chainOuter alone, so the three have the same total;
# `perf record -g` (frame pointers) skips chainMiddle, whose callee pushed
# no frame pointer (shown below for comparison, not checked).
. "$HP_SRC/tests/realworld/lib.sh"
rw_need go golang-go
cp -r "$HP_SRC/tests/fixtures/rwlang/go" src
export GOCACHE="$T/gocache" GOPATH="$T/gopath" GOFLAGS=-mod=mod GO111MODULE=on
(cd src && rw_step build go build -o "$T/rwgo" .) || exit 1
note "$(go version)"
BIN=$T/rwgo
(RW_NAMES=rwgo rw_cpu "$BIN" 1.5) || fail "hpprof and perf disagree on the Go program"
assert_ge() {   # NAME VALUE MIN
	awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 >= m + 0) }' || fail "$1 = $2, expected >= $3"
	note "$1 = $2 (>= $3)"
}
tot() { "$PY" - "$1" "$2" <<'PY'
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute(
    "SELECT COALESCE(MAX(total_pct), 0) FROM function_profile WHERE function = ?",
    (sys.argv[2],)).fetchone()
print(r[0])
PY
}
inner=$(tot alone.db main.chainInner)
note "main.chainInner total $inner%"
assert_ge "chainInner's share (a third of the run)" "$inner" 10
# 1.5 s at $FREQ Hz: ~1,500 samples, ~500 in the chain; a stack the
# unwinder loses is one the check counts: 2 points of allowance
for f in main.chainMiddle main.chainOuter main.worker; do
	assert_ge "$f's total (the same stacks as chainInner's)" "$(tot alone.db "$f")" \
		"$(awk -v v="$inner" 'BEGIN { print v - 2 }')"
done
# its lines: Go has no .debug_aranges, where libdw 0.188 found no unit
# (until wave 26 every Go function had "no line information")
want=$(grep -n 's += float64(i) \* 0.5' src/main.go | cut -d: -f1)
hot=$("$PY" - alone.db <<'PY'
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute(
    "SELECT file, line FROM line_profile WHERE function = 'main.chainInner'"
    " ORDER BY self_samples DESC LIMIT 1").fetchone()
print("%s:%s" % (r[0].rsplit("/", 1)[-1], r[1]) if r else "none")
PY
)
[ "$hot" = "main.go:$want" ] || fail "chainInner's hottest line is $hot, not its loop's body main.go:$want"
note "chainInner's hottest line: $hot (its loop's body)"
cs=$("$PY" - alone.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
v = dict(c.execute("SELECT key, value FROM run_info WHERE key IN ('complete_stacks', 'samples')"))
print(100.0 * float(v["complete_stacks"]) / float(v["samples"]))
PY
)
assert_ge "complete stacks %" "$cs" 95
# the same program as a position-independent executable (-buildmode=pie,
# some distributions' default): its rewritten .debug_frame FDEs must move
# with the load bias (until wave 29 they held absolute locations: 0.2%
# complete stacks)
(cd src && rw_step build_pie go build -buildmode=pie -o "$T/rwgo_pie" .) || exit 1
readelf -h "$T/rwgo_pie" | grep -q DYN || fail "go build -buildmode=pie made no PIE"
rw_step pie "$HPPROF" run -q -o pie.db -- "$T/rwgo_pie" 1.0
cs=$("$PY" - pie.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
v = dict(c.execute("SELECT key, value FROM run_info WHERE key IN ('complete_stacks', 'samples')"))
print(100.0 * float(v["complete_stacks"]) / float(v["samples"]))
PY
)
assert_ge "complete stacks % of the PIE" "$cs" 95
# the peers on the same program, for docs/realworld.md (not checked):
# chainMiddle's total by perf's frame pointers and by its DWARF unwinding
peer() {   # DATA: "inner X%, middle Y%" of perf report --children
	perf report -i "$1" --children --sort sym -g none --stdio 2>/dev/null | awk '
		$NF == "main.chainInner" { i = $1 } $NF == "main.chainMiddle" { m = $1 }
		END { printf "chainInner %s, chainMiddle %s", i ? i : "absent", m ? m : "absent" }'
}
perf record -q -g -o fp.data -- "$BIN" 1.5 >fp.out 2>&1 && note "perf -g (frame pointers): $(peer fp.data)"
note "perf --call-graph dwarf (the outer run of rw_cpu): $(peer alone.data)"
echo "PASS"

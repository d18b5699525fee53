#!/bin/sh
# The CI gate (hpprof diff --fail-if, docs/ci.md) over repeated runs of the
# calibration program (tests/fixtures/diff/speedup.c): 5 runs of the program
# against 5 runs with an injected 20% slowdown (every function does 20%
# more steps), and 5 runs against 5 more of the same (A/A).
#
# Truth by construction: the program counts its own work (20% more steps)
# and times its functions with CLOCK_THREAD_CPUTIME_ID. Expected:
# - 20% slower: 'total>+3%' fails (exit 3, the failed
#   conditions on stderr) when the program's own clocks say the slow side
#   took at least 10% more CPU time (the construction gives 20%; a machine
#   that hid half of it would make the check meaningless: the runs are
#   made once more, and a second such set skips, saying so);
#   'total>+50%' passes (the regression is real but not that large). The
#   function's time per run carries the sampling error of ~250 samples
#   (~6% per run) on top of the machine's run-to-run spread, so its gate is
#   checked to follow its own interval (FAILED exactly when the interval
#   lies past +2%), not to fail.
# - A/A: the same conditions pass (exit 0) unless the program's own clocks
#   say the second side really took 3% more (then failing is right, noted).
# Nothing depends on how fast this machine is: the gate fails only when its
# whole confidence interval (Welch over the runs) is past the limit.
# usage: diff_gate.sh PROGRAM     env: HPPROF
. "$HP_SRC/tests/e2e/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"
prog=$1
rounds=8000      # ~0.4 s of CPU per run

prof() {  # prof NAME [SLOW_PCT]
	"$HPPROF" run -q -o "$1.db" "$prog" $rounds ${2:-} >"$1.out" 2>"$1.err" ||
		{ cat "$1.err"; fail "hpprof run $prog $rounds ${2:-}"; }
}
A="a1.db a2.db a3.db a4.db a5.db"
S="s1.db s2.db s3.db s4.db s5.db"
B="b1.db b2.db b3.db b4.db b5.db"

# cpu SIDE: the program's own CPU seconds (all functions), mean over the runs
cpu() {
	cat $(for i in 1 2 3 4 5; do echo "$1$i.out"; done) |
		awk '/^work_/ { s += $2 } END { printf "%.6f", s / 5 }'
}
# The runs, once more when the program's own clocks show less than x1.10
# for its 20% more work (CI run 185 beside a CPU loop: x1.0821, the first
# A runs' CPU time inflated by the machine, 0.44 s against 0.39 s for the
# same work later); a machine that hides it twice skips (77), saying so.
for try in 1 2; do
	for i in 1 2 3 4 5; do
		prof a$i
		prof s$i 20
		prof b$i
	done
	ta=$(cpu a) ts=$(cpu s) tb=$(cpu b)
	slow=$(awk -v a="$ta" -v s="$ts" 'BEGIN { printf "%.4f", s / a }')
	same=$(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.4f", b / a }')
	note "program's own CPU time: A $ta s, slowed $ts s (x$slow), A again $tb s (x$same)"
	awk -v r="$slow" 'BEGIN { exit !(r >= 1.10) }' && break
	[ $try = 2 ] &&
		skip "the program's own clocks show only x$slow for 20% more work, twice: this machine hides the slowdown"
	note "the program's own clocks show only x$slow for 20% more work: the runs once more"
done

gate() {  # gate WANT-STATUS NAME ARGS...: hpprof diff with gates, exit status WANT
	want=$1 name=$2
	shift 2
	"$HPPROF" diff "$@" >"$name.txt" 2>"$name.err"
	rc=$?
	[ $rc = "$want" ] || { cat "$name.txt" "$name.err"; fail "$name: exit $rc, expected $want"; }
	note "$name: exit $rc"
	grep '^fail-if' "$name.txt" | sed 's/^/#   /'
}

gate 3 slow --fail-if 'total>+3%' --fail-if 'work_a>+2%' $A -- $S
assert_contains "slow: stderr names the failed condition" slow.err "regression: fail-if 'total>+3%'"
grep -q "fail-if 'total>+3%'.*FAILED" slow.txt || fail "slow: total>+3% is not reported as failed"
# work_a alone carries its sampling error and the machine's run-to-run
# spread: on a loaded machine one slow run can widen its interval below
# +2% (seen: +13.2%, CI -0.3% .. +26.6%). What holds on every machine is
# the gate's rule: FAILED exactly when the whole interval is past +2%.
awk '/^fail-if .work_a>\+2%.:/ {
	for (i = 1; i <= NF; i++) if ($i == "CI") { lo = $(i + 1); sub(/%/, "", lo) }
	failed = $NF == "FAILED"
	if ((lo + 0 > 2) != failed) { print "FAIL: work_a gate: lower bound " lo "%, " $NF; exit 1 }
	print "# work_a gate follows its interval: lower bound " lo "%, " $NF; found = 1 }
	END { exit !found }' slow.txt || fail "slow: the work_a gate does not follow its interval"
gate 0 slow_bound --fail-if 'total>+50%' $A -- $S
grep -q "fail-if 'total>+50%'.*passed" slow_bound.txt || fail "slow: total>+50% did not pass"

if awk -v r="$same" 'BEGIN { exit !(r < 1.03) }'; then
	gate 0 aa --fail-if 'total>+3%' --fail-if 'work_a>+2%' $A -- $B
else
	note "the program's own clocks say the A/A sides differ by x$same: a failing gate would be right; not checked"
fi

# JSON carries the gates; a function in neither profile is a usage error.
"$HPPROF" diff -f json --fail-if 'total>+3%' $A -- $S >g.json
[ $? = 3 ] || fail "diff -f json with a failing gate did not exit 3"
python3 - <<'PY' || exit 1
import json, sys
g = json.load(open("g.json"))["gates"]
if len(g) != 1 or g[0]["condition"] != "total>+3%" or not g[0]["failed"]:
    print("FAIL: gates in JSON:", g); sys.exit(1)
c = g[0]["change"]
print("# json: total %+.1f%% (ci +-%.1f%%, p %.2g), failed" % (c["change_pct"],
      100 * c["ci"] / g[0]["before"], c["p"]))
PY
"$HPPROF" diff --fail-if 'no_such_function>+5%' $A -- $S >/dev/null 2>nf.err
[ $? = 2 ] || fail "a gate on a missing function did not exit 2"
assert_contains "missing function" nf.err "no function 'no_such_function' in either profile"
"$HPPROF" diff --fail-if 'total>>3' a1.db a2.db >/dev/null 2>bad.err
[ $? = 2 ] || fail "a malformed gate did not exit 2"
assert_contains "malformed gate" bad.err "invalid --fail-if 'total>>3'"
echo "PASS"

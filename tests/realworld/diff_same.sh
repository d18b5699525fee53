#!/bin/sh
# hpprof diff on no change: PAIRS pairs of the same command (xz -6 on 1 MiB
# of generated text), one run per side, each judged by `hpprof diff --alpha
# 0.01`, then all runs against all (Welch, --alpha 0.001). The model
# promises a "slower" or "faster" whole run, or any such row, in at most
# alpha of the pairs; allowed: 1 pair of 6 (P(2 or more of 6) = 0.15% at a
# true rate of 1%). Without a run-to-run term (--run-noise 0, the model
# before wave 17) this machine's 9% spread made 7 of 10 pairs "slower" or
# "faster" (docs/realworld.md, "Wave 17: diff on real programs").
# The run-to-run spread assumed with one run per side (default 10%) is
# checked against the spread of these runs' CPU times; where the machine
# spreads more, the pairs are judged with --run-noise set to the spread
# measured (and a note says so): the check is then of the model, not of the
# default. Kernel functions (page zeroing, interrupts) vary with the
# machine's state beyond that spread: their verdicts are listed, not
# counted (docs/realworld.md). The gate of docs/ci.md, --fail-if
# 'total>+3%', must pass on the same pairs (at most 1 of 6 fails) and on
# all runs against all.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need xz xz-utils
PAIRS=6
rw_gen text input.txt 1
note "target: xz -6 -T1 -c input.txt (1 MiB), $PAIRS pairs"
for i in $(seq 1 $PAIRS); do
	for s in a b; do
		rw_step $s$i "$HPPROF" run -q -F "$FREQ" -o $s$i.db -- xz -6 -T1 -c input.txt
	done
done
for i in $(seq 1 $PAIRS); do
	"$HPPROF" diff -f json a$i.db a$i.db >self$i.json || fail "hpprof diff a$i.db a$i.db"
done
noise=$("$PY" - $PAIRS <<'PYEOF'
import json, statistics, sys
t = [json.load(open("self%d.json" % i))["before"]["cpu_time"] for i in range(1, int(sys.argv[1]) + 1)]
t = [x["mean"] if isinstance(x, dict) else x for x in t]
print("%.1f" % (100 * statistics.stdev(t) / statistics.mean(t)))
PYEOF
) || fail "cannot read the runs' CPU times"
note "run-to-run spread of the CPU time: ${noise}% (sd over $PAIRS runs); assumed: 10%"
opt=""
if "$PY" -c "import sys; sys.exit(float(sys.argv[1]) <= 10)" "$noise"; then
	note "this machine spreads more than the default assumes: --run-noise $noise"
	opt="--run-noise $noise"
fi
# the CI gate of docs/ci.md on no change: 'total>+3%' fails (exit 3) in at
# most 1 pair of 6, and not over all the runs
gates=0
for i in $(seq 1 $PAIRS); do
	"$HPPROF" diff -q -f json --alpha 0.01 $opt --fail-if 'total>+3%' a$i.db b$i.db \
		>pair$i.json 2>gate$i.err
	rc=$?
	[ $rc = 0 ] || [ $rc = 3 ] || { cat gate$i.err; fail "hpprof diff a$i.db b$i.db exited $rc"; }
	[ $rc = 0 ] || { gates=$((gates + 1)); sed 's/^/# /' gate$i.err; }
done
note "pairs whose gate 'total>+3%' failed: $gates of $PAIRS (allowed 1)"
[ $gates -le 1 ] || fail "the gate 'total>+3%' failed on $gates of $PAIRS pairs of the same command"
"$HPPROF" diff -f json --alpha 0.001 --fail-if 'total>+3%' $(seq -f a%g.db 1 $PAIRS) -- \
	$(seq -f b%g.db 1 $PAIRS) >all.json ||
	fail "hpprof diff --fail-if 'total>+3%' of $PAIRS + $PAIRS runs of the same command exited $?"
"$PY" - $PAIRS <<'PYEOF' || fail "hpprof diff calls a change that is not there (above)"
import json, sys
n = int(sys.argv[1])
whole = rows = 0
for i in range(1, n + 1):
    d = json.load(open("pair%d.json" % i))
    called = [r for r in d["rows"] if r["verdict"] in ("slower", "faster")]
    user = [r for r in called if "kernel" not in (r["module"] or "")]
    kern = [r for r in called if r not in user]
    print("# pair %d: whole run %s (%+.1f%%), rows: %s%s" % (
        i, d["verdict"], d["time"]["change_pct"],
        ", ".join("%s %s" % (r["name"], r["verdict"]) for r in user) or "none",
        "; kernel (not counted): " + ", ".join(r["name"] for r in kern) if kern else ""))
    whole += d["verdict"] != "same"
    rows += bool(user)
a = json.load(open("all.json"))
print("# %d + %d runs (Welch): whole run %s (%+.1f%%, p %.2g)" % (
    n, n, a["verdict"], a["time"]["change_pct"], a["time"]["p"]))
bad = []
if whole > 1:
    bad.append("%d of %d pairs of the same command judged slower or faster (allowed 1)" % (whole, n))
if rows > 1:
    bad.append("%d of %d pairs with a user-space row slower or faster (allowed 1)" % (rows, n))
if a["verdict"] != "same":
    bad.append("the %d + %d runs of the same command judged %s" % (n, n, a["verdict"]))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PYEOF
echo "PASS"

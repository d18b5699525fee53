#!/bin/sh
# `hpprof diff` of a stripped program under two names (./prog.old against
# ./prog.new, the same build): the program's functions have no symbol, so
# hpprof names them by their .eh_frame FDE, MODULE+0xSTART, and the name
# carries the file's name. The program joins the other side's whatever
# each file is called (hpprof-diff(1)), its unnamed functions too.
# Truth by construction: one binary copied, the same work on both sides,
# so every function of the program is in both profiles: none may be `gone`
# or `new` (before the fix: prog.old+0x... gone, prog.new+0x... new).
# usage: diff_stripped.sh PROGRAM     env: HPPROF
. "$HP_SRC/tests/e2e/lib.sh"
command -v strip >/dev/null || skip "strip is not installed (binutils)"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"
strip -o prog.old "$1" || fail "strip $1"
cp prog.old prog.new
for p in old new; do
	"$HPPROF" run -q -o $p.db ./prog.$p 3000 >$p.out 2>$p.err ||
		{ cat $p.err; fail "hpprof run ./prog.$p"; }
done
"$HPPROF" diff -f json old.db new.db >d.json || fail "hpprof diff"
"$HPPROF" diff old.db new.db | sed 's/^/# /'
python3 - <<'PYEOF' || fail "the stripped program's functions did not join (above)"
import json, sys
d = json.load(open("d.json"))
prog = [r for r in d["rows"] if (r["module"] or "").startswith("prog.")]
bad = [r for r in prog if r["verdict"] in ("gone", "new")]
for r in bad:
    print("FAIL: %s (%s) is %s" % (r["name"], r["module"], r["verdict"]))
unnamed = [r for r in prog if "+0x" in r["name"] and r["verdict"] != "minor"]
if not unnamed:
    print("FAIL: no unnamed function of the program with %g samples or more: nothing checked"
          % d["min_samples"])
    sys.exit(1)
print("# %d unnamed functions of the program joined: %s" % (
    len(unnamed), ", ".join(r["name"] for r in unnamed)))
sys.exit(1 if bad else 0)
PYEOF
echo PASS

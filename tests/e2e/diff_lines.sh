#!/bin/sh
# hpprof diff --by line pairs lines that moved: the same program built
# twice, the second time with its hot function two lines lower
# (tests/fixtures/diff/shift.c with -DSHIFT). The hot lines must come out
# as moved (before_line + 2 = line), not as gone + new.
# usage: diff_lines.sh SHIFT_A SHIFT_B     env: HPPROF
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
a=$1 b=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

for v in a b; do
	eval prog=\$$v
	"$HPPROF" run -q -o "$tmp/$v.db" "$prog" 300000000 >/dev/null 2>"$tmp/run.err" ||
		{ echo "FAIL: hpprof run $prog"; cat "$tmp/run.err"; exit 1; }
done
"$HPPROF" diff --by line -f json "$tmp/a.db" "$tmp/b.db" >"$tmp/d.json" ||
	{ echo "FAIL: hpprof diff exited $?"; exit 1; }
"$HPPROF" diff --by line "$tmp/a.db" "$tmp/b.db"
python3 - "$tmp/d.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["rows"] if r["name"] == "hot" and r["file"] and r["file"].endswith("shift.c")]
def fail(*a):
    print("FAIL:", *a); print(json.dumps(rows, indent=1)); sys.exit(1)
if not rows: fail("no line of hot() in the diff")
hot = [r for r in rows if r["before_self_pct"] + r["after_self_pct"] > 20]
if not hot: fail("no hot line of hot()")
for r in hot:
    if r["verdict"] in ("new", "gone"): fail("a hot line is", r["verdict"], "instead of moved")
    if r["line"] - r["before_line"] != 2: fail("line", r["before_line"], "->", r["line"], "is not a move by 2")
share = sum(r["after_self_pct"] for r in hot)
if share < 80: fail("the moved hot lines hold only", share, "% of the after run")
print("moved lines paired:", ", ".join("%d->%d" % (r["before_line"], r["line"]) for r in hot))
PY

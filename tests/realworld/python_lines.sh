#!/bin/sh
# Memory per Python line on a program nobody here wrote: Debian's
# python3.11 running the standard library's `json.tool` on a generated
# 16 MB file (docs/python.md, "Memory per Python line").
#   alloc   under --alloc, the line of json/__init__.py that calls
#           fp.read() (found in the installed source) is charged at least
#           the file's size: the whole file is read into one buffer while
#           that line is the innermost Python frame (the read is C code)
#   faults  the page faults hpprof's agent sampled (samples x period)
#           against `perf stat -e page-faults:u` of the same command run
#           alone: within 2 periods + 3% (allowance: faults before the
#           agent starts - the dynamic loader - the agent's own ring in the
#           target, and run-to-run variation; measured 0.3% apart)
. "$HP_SRC/tests/realworld/lib.sh"
PY311=/usr/bin/python3.11
rw_need "$PY311" python3.11
JSON_INIT=$("$PY311" -c 'import json; print(json.__file__)')
line=$(grep -n 'return loads(fp.read(),' "$JSON_INIT" | cut -d: -f1)
[ -n "$line" ] || skip "json/__init__.py has no 'return loads(fp.read(),' line"
"$PY" - <<'PYEOF' || fail "cannot write big.json"
import json, random
r = random.Random(17)
data = [{"id": i, "name": "item%d" % i, "v": r.random(),
         "tags": [r.choice("abcdefgh") * r.randint(1, 8) for _ in range(4)]}
        for i in range(150000)]
with open("big.json", "w") as f:
    json.dump(data, f)
PYEOF
size=$(stat -c %s big.json)

rw_step alloc "$HPPROF" run --alloc -o a.db "$PY311" -m json.tool big.json out.json
"$HPPROF" report --memory a.db >a.report || fail "report --memory"
bytes=$(awk -v loc="__init__.py:$line" '/^Python lines that allocated/ { on = 1; next }
	on && /^$/ { on = 0 } on && $5 == loc && $6 == "load" { print $2 }' a.report)
note "json/__init__.py:$line (load, fp.read()): ${bytes:-none} bytes allocated; the file has $size"
[ -n "$bytes" ] || { cat a.report >&2; fail "no row for json/__init__.py:$line"; }
[ "$bytes" -ge "$size" ] || fail "load's read line allocated $bytes bytes, fewer than the file's $size"

if ! perf stat -x, -e page-faults:u true 2>/dev/null >/dev/null; then
	skip "perf stat cannot count page-faults:u here"
fi
rw_step faults "$HPPROF" run -o f.db "$PY311" -m json.tool big.json out2.json
perf stat -x, -o perf.csv -e page-faults:u "$PY311" -m json.tool big.json out3.json ||
	fail "perf stat failed"
want=$(awk -F, '$3 ~ /^page-faults/ { print $1 }' perf.csv)
got=$(sqlite3 -batch -noheader f.db "SELECT total FROM events WHERE role = 'pagefault' AND measured = 1")
period=$(sqlite3 -batch -noheader f.db "SELECT value FROM run_info WHERE key = 'fault_period'")
threads=$(sqlite3 -batch -noheader f.db "SELECT count(*) FROM threads")
note "page faults: hpprof's agent $got (period $period, $threads threads), perf stat $want"
[ -n "$got" ] && [ -n "$want" ] || fail "no fault total (hpprof '$got', perf '$want')"
awk -v g="$got" -v w="$want" -v p="$period" -v t="$threads" 'BEGIN {
	tol = 2 * p * t + 0.03 * w; d = g - w; if (d < 0) d = -d
	printf "# |%d - %d| = %d, tolerance %.0f\n", g, w, d, tol; exit !(d <= tol) }' ||
	fail "the agent's page faults are not within tolerance of perf stat's"

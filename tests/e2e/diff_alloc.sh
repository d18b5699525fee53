#!/bin/sh
# The book's second diff (HPP ch. 6): diffusion `lists` -> `fused`, the same
# work. The allocation frames of lists (malloc, free and what they call)
# must vanish - verdict gone, or under 2% left (fused frees its two grids
# once, at exit) - and the run time must fall.
# usage: diff_alloc.sh     env: HPPROF, HP_BUILD
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
k=$HP_BUILD/kernels/hp-diffusion
[ -x "$k" ] || { echo "SKIP: the diffusion kernel is not built ($k)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

for v in lists fused; do
	"$HPPROF" run -q -o "$tmp/$v.db" "$k" --variant $v --size 512 --steps 500 >/dev/null \
		2>"$tmp/run.err" || { echo "FAIL: hpprof run diffusion $v"; cat "$tmp/run.err"; exit 1; }
done
"$HPPROF" diff -n 12 "$tmp/lists.db" "$tmp/fused.db" || { echo "FAIL: hpprof diff"; exit 1; }
"$HPPROF" diff -f json "$tmp/lists.db" "$tmp/fused.db" >"$tmp/d.json" ||
	{ echo "FAIL: hpprof diff -f json"; exit 1; }
python3 - "$tmp/d.json" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
def fail(*a):
    print("FAIL:", *a); sys.exit(1)
alloc = re.compile(r"(^|_)(malloc|calloc|realloc|free|mmap|munmap|sysmalloc|malloc_consolidate)"
                   r"($|_|64)|^(_int_|__libc_)(malloc|calloc|free)$")
rows = [r for r in d["rows"] if alloc.search(r["name"])]
before = sum(r["before_total_pct"] for r in rows)
after = sum(r["after_total_pct"] for r in rows)
if before < 5: fail("lists spends only %.1f%% under allocation frames" % before)
for r in rows:
    if r["before_total_pct"] >= 1 and not (r["verdict"] == "gone" or r["after_total_pct"] < 2):
        fail(r["name"], "did not vanish:", r["before_total_pct"], "->", r["after_total_pct"], r["verdict"])
if after > 3: fail("fused still spends %.1f%% under allocation frames" % after)
b, a = d["before"]["duration_s"]["mean"], d["after"]["duration_s"]["mean"]
if not a < b or d["verdict"] != "faster": fail("run time %.3f -> %.3f s (%s)" % (b, a, d["verdict"]))
gone = [r["name"] for r in rows if r["verdict"] == "gone"]
print("allocation frames %.1f%% -> %.1f%% (gone: %s); run time %.3f -> %.3f s"
      % (before, after, ", ".join(gone), b, a))
PY

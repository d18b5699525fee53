#!/bin/sh
# The book's second diff (HPP ch. 6): diffusion `lists` -> `fused`, the same
# work (grid and steps). The allocation of lists (a calloc per row, a new
# grid every step, in rows_new; the frees in rows_free) must vanish: those
# functions are gone, and the allocator's frames keep at most what fused
# itself allocates. The truths come from the kernels' own figures in the
# same runs (truth lines, kernels/README.md): lists times its calls of
# rows_new and rows_free, and fused allocates only in its set-up and
# tear-down phases.
# usage: diff_alloc.sh     env: HPPROF, HP_BUILD
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
k=$HP_BUILD/kernels/hp-diffusion
[ -x "$k" ] || { echo "SKIP: the diffusion kernel is not built ($k)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

for v in lists fused; do
	"$HPPROF" run -q -o "$tmp/$v.db" "$k" --variant $v --size 512 --steps 500 >"$tmp/$v.out" \
		2>"$tmp/run.err" || { echo "FAIL: hpprof run diffusion $v"; cat "$tmp/run.err"; exit 1; }
done
"$HPPROF" diff -n 12 "$tmp/lists.db" "$tmp/fused.db" || { echo "FAIL: hpprof diff"; exit 1; }
"$HPPROF" diff -f json "$tmp/lists.db" "$tmp/fused.db" >"$tmp/d.json" ||
	{ echo "FAIL: hpprof diff -f json"; exit 1; }
python3 - "$tmp/d.json" "$tmp/lists.out" "$tmp/fused.out" <<'PY'
import json, math, re, sys
K_SIGMA = 4     # as tests/e2e/lib.sh: binomial standard errors allowed

def truths(path):
    t = {}
    for line in open(path):
        if line.startswith("truth "):
            f = dict(x.split("=", 1) for x in line.split()[1:])
            t[(f["scope"], f["name"])] = float(f["cpu_s"])
    return t

def fail(*a):
    print("FAIL:", *a); sys.exit(1)

def check_share(what, pct, n, lo, hi, skid):
    """pct (of n samples) within K_SIGMA binomial SE + skid pp of [lo, hi]."""
    p = lo if lo > 0.5 else hi if hi < 0.5 else 0.5
    tol = K_SIGMA * 100 * math.sqrt(p * (1 - p) / n) + skid
    print("%s: %.2f%% of %d samples; truth %.2f..%.2f%%, tolerance %.2f pp"
          % (what, pct, n, 100 * lo, 100 * hi, tol))
    if not 100 * lo - tol <= pct <= 100 * hi + tol:
        fail(what, "outside the tolerance")

d = json.load(open(sys.argv[1]))
tl, tf = truths(sys.argv[2]), truths(sys.argv[3])
nb, na = d["before"]["samples"]["mean"], d["after"]["samples"]["mean"]
names = {r["name"]: r for r in d["rows"]}

# lists: the samples under rows_new and rows_free are the CPU time the
# kernel spent in them. Skid 1 pp: the ~3 us of clock reading at each of
# the ~1000 calls' edges and the start-up, which hpprof may not sample.
proc = tl[("process", "main")]
for fn in ("rows_new", "rows_free"):
    r = names.get(fn)
    if not r: fail(fn, "is not in the diff")
    check_share("lists: %s total" % fn, r["before_total_pct"], nb, tl[("calls", fn)] / proc,
                tl[("calls", fn)] / proc, 1)
    if r["verdict"] != "gone": fail(fn, "did not vanish:", r["verdict"])

# fused: no allocation during the steps. The allocator's frames (glibc's
# names vary, so a pattern) hold at most fused's set-up and tear-down
# share, which is where it allocates its two grids and frees them.
alloc = re.compile(r"(^|_)(malloc|calloc|realloc|free|mmap|munmap|sysmalloc|malloc_consolidate)"
                   r"($|_|64|\.)|^(_int_|__libc_)(malloc|calloc|free)$")
edges = (tf[("phase", "setup")] + tf[("phase", "teardown")]) / tf[("process", "main")]
seen = []
for r in d["rows"]:
    if alloc.search(r["name"]) and r["module"] and "libc" in r["module"]:
        seen.append("%s %.1f%% -> %.1f%%" % (r["name"], r["before_total_pct"], r["after_total_pct"]))
        check_share("fused: %s total" % r["name"], r["after_total_pct"], na, 0, edges, 0)
if not seen: fail("no allocator frame in lists")
print("allocator frames:", "; ".join(seen))

# The run time: the verdict follows the durations hpprof recorded (a change
# of 5% or more with one run a side); that fused does less work is the
# kernels' own CPU time. Whether the wall time fell on a loaded machine is
# not a truth, so it is printed, not asserted.
b, a = d["before"]["duration_s"]["mean"], d["after"]["duration_s"]["mean"]
rel = (a - b) / b
want = "same" if abs(rel) < 0.05 else "faster" if rel < 0 else "slower"
if d["verdict"] != want: fail("verdict", d["verdict"], "for run time %.3f -> %.3f s" % (b, a))
cl, cf = tl[("process", "main")], tf[("process", "main")]
if not cf < cl: fail("the kernels' CPU time did not fall: lists %.3f s, fused %.3f s" % (cl, cf))
print("run time %.3f -> %.3f s (%s); kernels' CPU time %.3f -> %.3f s" % (b, a, d["verdict"], cl, cf))
PY

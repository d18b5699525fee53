#!/bin/sh
# The book's first diff (HPP ch. 6): diffusion `temporaries` -> `inplace`,
# the same work (same grid, same steps). Reusing the temporaries instead of
# mmap'ing fresh ones every step makes the page faults fall; compared as
# totals for the same work (--norm run: per second would mix in how long
# each run took). The truth is the kernels' own count (getrusage, their
# truth lines, kernels/README.md): hpprof's page-faults counter, and the
# page-fault sampler, must report those totals on both sides.
# usage: diff_pagefaults.sh     env: HPPROF, HP_BUILD
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
k=$HP_BUILD/kernels/hp-diffusion
[ -x "$k" ] || { echo "SKIP: the diffusion kernel is not built ($k)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# the same work on both sides: the 512 grid, 50 steps
for v in temporaries inplace; do
	"$HPPROF" run -q -o "$tmp/$v.db" "$k" --variant $v --size 512 --steps 50 >"$tmp/$v.out" \
		2>"$tmp/run.err" || { echo "FAIL: hpprof run diffusion $v"; cat "$tmp/run.err"; exit 1; }
done
"$HPPROF" diff -n 8 --norm run "$tmp/temporaries.db" "$tmp/inplace.db" || { echo "FAIL: hpprof diff"; exit 1; }
"$HPPROF" diff -f json --norm run "$tmp/temporaries.db" "$tmp/inplace.db" >"$tmp/run.json" ||
	{ echo "FAIL: hpprof diff --norm run"; exit 1; }
python3 - "$tmp/run.json" "$tmp/temporaries.out" "$tmp/inplace.out" <<'PY'
import json, sys

def kernel_faults(path):
    """The kernel's own count: minflt + majflt of its process line."""
    for line in open(path):
        f = dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)
        if line.startswith("truth ") and f["scope"] == "process" and f["name"] == "main":
            return int(f["minflt"]) + int(f["majflt"])
    sys.exit("FAIL: %s has no truth line of the process" % path)

d = json.load(open(sys.argv[1]))
def fail(*a):
    print("FAIL:", *a); sys.exit(1)
if d["norm"] != "per run": fail("norm is", d["norm"])
ev = {c["name"]: c for c in d["counters"]}
if "page-faults" not in ev: fail("page-faults was not measured by both runs")
truth = {"before": kernel_faults(sys.argv[2]), "after": kernel_faults(sys.argv[3])}
# The kernel's getrusage count starts at the launcher's fork, hpprof's
# counter at exec: the faults in between (the launcher touching its
# copy-on-write pages, exec itself; ~40 here) are the kernel's alone, and
# the exit after its last truth line is hpprof's alone. 250 faults allow
# for both; the sampler (one fault in 32 with its stack, times 32) may also
# miss up to 32 per thread at the end.
for name, slack in (("page-faults", 250), ("page-faults:sampled", 250 + 32)):
    if name not in ev:
        continue
    for side in ("before", "after"):
        got, want = ev[name][side]["mean"], truth[side]
        print("%s %s: hpprof %d, kernel %d" % (name, side, got, want))
        if abs(got - want) > slack:
            fail(name, side, "hpprof", got, "kernel", want, "(allowed +-%d)" % slack)
print("page faults for the same work: %d -> %d (%.1fx fewer; kernels: %d -> %d)" % (
      ev["page-faults"]["before"]["mean"], ev["page-faults"]["after"]["mean"],
      ev["page-faults"]["before"]["mean"] / max(ev["page-faults"]["after"]["mean"], 1),
      truth["before"], truth["after"]))
# the direction the book shows, as the kernels measured it
if not truth["after"] < truth["before"]:
    fail("the kernels' own counts did not fall:", truth)
# where the faults were: the stencil passes of temporaries, by the
# page-fault sampler; the page-faults counter (a software counter) is a
# whole-run total with no value per function: null, never 0
rows = [r for r in d["rows"]
        if (r["counters"].get("page-faults:sampled", {}).get("before_total") or 0) > 0]
if not rows: fail("no function carries sampled page faults before")
per_row = [r["counters"]["page-faults"]["before_total"] for r in d["rows"]
           if "page-faults" in r["counters"]]
if any(v is not None for v in per_row):
    fail("per-function values of the whole-run page-faults counter:", per_row[:5])
PY

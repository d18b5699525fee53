#!/bin/sh
# The book's first diff (HPP ch. 6): diffusion `temporaries` -> `inplace`.
# Reusing the temporaries instead of mmap'ing fresh ones every step must
# show page faults falling at least 10x, per second of run (the default
# normalization) and per sample, both in the page-faults counter and,
# when recorded, the page-fault sampler.
# usage: diff_pagefaults.sh     env: HPPROF, HP_BUILD
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
k=$HP_BUILD/kernels/hp-diffusion
[ -x "$k" ] || { echo "SKIP: the diffusion kernel is not built ($k)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# the kernel's default steps per variant, on the 512 grid the tests use
for v in temporaries inplace; do
	"$HPPROF" run -q -o "$tmp/$v.db" "$k" --variant $v --size 512 >/dev/null 2>"$tmp/run.err" ||
		{ echo "FAIL: hpprof run diffusion $v"; cat "$tmp/run.err"; exit 1; }
done
"$HPPROF" diff -n 8 "$tmp/temporaries.db" "$tmp/inplace.db" || { echo "FAIL: hpprof diff"; exit 1; }
for norm in second sample; do
	"$HPPROF" diff -f json --norm $norm "$tmp/temporaries.db" "$tmp/inplace.db" \
		>"$tmp/$norm.json" || { echo "FAIL: hpprof diff --norm $norm"; exit 1; }
done
python3 - "$tmp/second.json" "$tmp/sample.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    d = json.load(open(path))
    ev = {c["name"]: c for c in d["counters"]}
    def fail(*a):
        print("FAIL (%s):" % d["norm"], *a); sys.exit(1)
    if "page-faults" not in ev: fail("page-faults was not measured by both runs")
    for name in ("page-faults", "page-faults:sampled"):
        if name not in ev:
            continue
        c = ev[name]
        if not c["after"]["mean"] * 10 <= c["before"]["mean"]:
            fail(name, "fell from", c["before"]["mean"], "to", c["after"]["mean"], "- not 10x")
        print("%s %s: %.0f -> %.0f (%.1fx fewer)" % (name, d["norm"], c["before"]["mean"],
              c["after"]["mean"], c["before"]["mean"] / max(c["after"]["mean"], 1e-9)))
    # where the faults were: the stencil passes of temporaries
    rows = [r for r in d["rows"] if r["counters"].get("page-faults", {}).get("before_total", 0) > 0]
    if not rows: fail("no function carries page faults before")
PY

#!/bin/sh
# hpprof stat -r 3 agrees with perf stat -r 3 on the software counts of a
# fixture that touches 64 MiB of fresh pages (16384 faults) and sleeps 20
# times (at least 20 context switches). Page faults are deterministic and
# must agree within 3%; context switches also count preemptions, which
# depend on the machine's load, so they get a wider margin.
# usage: stat_vs_perf.sh STAT_TOUCH     env: HPPROF
set -u
fixture=$1
command -v perf >/dev/null 2>&1 || { echo "SKIP: perf is not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! perf stat -r 3 -e page-faults,context-switches -x, -o "$tmp/perf.csv" \
		-- "$fixture" 64 20; then
	echo "SKIP: perf stat cannot count here"
	exit 77
fi
"$HPPROF" stat -r 3 -e page-faults,context-switches --json -o "$tmp/hp.json" \
	-- "$fixture" 64 20 || { echo "FAIL: hpprof stat exited $?"; exit 1; }

python3 - "$tmp/perf.csv" "$tmp/hp.json" <<'PY'
import json, sys
perf = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    if len(f) > 2 and f[0].replace(".", "").isdigit():
        perf[f[2]] = float(f[0])
hp = {e["name"]: e["value"] for e in json.load(open(sys.argv[2]))["events"]}
print("perf:", perf, "hpprof:", hp)
ok = True
pf_perf, pf_hp = perf["page-faults"], hp["page-faults"]
if pf_hp < 16384 or abs(pf_hp - pf_perf) > 0.03 * pf_perf:
    print("FAIL: page-faults differ: hpprof %g, perf %g (3%% allowed)" % (pf_hp, pf_perf))
    ok = False
cs_perf, cs_hp = perf["context-switches"], hp["context-switches"]
if cs_hp < 20 or abs(cs_hp - cs_perf) > max(10, 0.3 * cs_perf):
    print("FAIL: context-switches differ: hpprof %g, perf %g" % (cs_hp, cs_perf))
    ok = False
sys.exit(0 if ok else 1)
PY

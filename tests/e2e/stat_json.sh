#!/bin/sh
# hpprof stat --json prints one JSON object that jq and python parse: runs,
# per-run values, units, ratios, and unmeasured events as null with a reason.
# usage: stat_json.sh STAT_TOUCH     env: HPPROF
set -u
fixture=$1
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$HPPROF" stat --json -o "$tmp/out.json" -r 2 -e task-clock,page-faults,cycles,cs -- "$fixture" 8 2>"$tmp/err" ||
	{ echo "FAIL: hpprof stat exited $?"; exit 1; }
if command -v jq >/dev/null 2>&1; then
	jq -e '.runs == 2 and (.events | length) == 4' "$tmp/out.json" >/dev/null ||
		{ echo "FAIL: jq rejects the output"; cat "$tmp/out.json"; exit 1; }
fi
python3 - "$tmp/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["name"]: e for e in d["events"]}
def check(cond, what):
    if not cond:
        print("FAIL:", what); print(json.dumps(d, indent=1)); sys.exit(1)
check(d["runs"] == 2 and d["runs_requested"] == 2 and not d["interrupted"], "runs")
check(d["exit_status"] == 0, "exit_status")
check(d["command"][1] == "8", "command")
for k in ("elapsed_s", "user_s", "sys_s", "max_rss_kib"):
    check(isinstance(d[k], (int, float)) and d[k] >= 0, k)
check(d["max_rss_kib"] >= 8 * 1024, "max_rss_kib covers the 8 MiB touched")
tc = ev["task-clock"]
check(tc["unit"] == "msec" and tc["measured"] and tc["value"] > 0, "task-clock")
check(tc["ratio_unit"] == "CPUs utilized" and 0 < tc["ratio"] <= 2.5, "CPUs utilized")
pf = ev["page-faults"]
check(pf["measured"] and pf["value"] >= 2048 and len(pf["per_run"]) == 2, "page-faults")
check(ev["cs"]["measured"], "cs")
cy = ev["cycles"]
if not cy["measured"]:
    check(cy["value"] is None and cy["reason"] and cy["errno"], "cycles n/a with a reason")
else:
    check(cy["value"] > 0, "cycles counted")
PY

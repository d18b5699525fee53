#!/bin/sh
# hpprof stat -r 3 against two other measurements of a fixture that
# touches 64 MiB of fresh pages (16384 faults) and sleeps 20 times:
# - perf stat -r 3 on the same command (an independent tool, separate
#   runs): page faults are deterministic, so the means agree within 3%;
# - the fixture's own getrusage counts in the very runs hpprof counted
#   (printed on stderr): page faults and context switches. Context switches
#   include preemptions, which depend on the machine's load, so only a
#   count taken in the same run can be compared with them, and only over
#   windows that contain each other: hpprof's counter runs from exec to
#   exit, which contains the fixture's count from the start of main to its
#   end and is contained in its count from the launcher's fork (the
#   launcher's child before exec, preempted more the more loaded the
#   machine: 13-16 switches per run at load 15-20) plus the exit path.
# usage: stat_vs_perf.sh STAT_TOUCH     env: HPPROF
set -u
fixture=$1
command -v perf >/dev/null 2>&1 || { echo "SKIP: perf is not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! perf stat -r 3 -e page-faults,context-switches -x, -o "$tmp/perf.csv" \
		-- "$fixture" 64 20 2>/dev/null; then
	echo "SKIP: perf stat cannot count here"
	exit 77
fi
"$HPPROF" stat -r 3 -e page-faults,context-switches --json -o "$tmp/hp.json" \
	-- "$fixture" 64 20 2>"$tmp/self.txt" || { echo "FAIL: hpprof stat exited $?"; exit 1; }

python3 - "$tmp/perf.csv" "$tmp/hp.json" "$tmp/self.txt" <<'PY'
import json, sys
perf = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    if len(f) > 2 and f[0].replace(".", "").isdigit():
        perf[f[2]] = float(f[0])
hp = {e["name"]: e for e in json.load(open(sys.argv[2]))["events"]}
runs = [dict((k, int(v)) for k, v in (x.split("=") for x in line.split()[1:]))
        for line in open(sys.argv[3]) if line.startswith("touch: ")]
if len(runs) != 3:
    print("FAIL: expected the fixture's counts of 3 runs, got", len(runs)); sys.exit(1)
def mean(k):
    return sum(r[k] for r in runs) / 3
self_pf = mean("minflt") + mean("majflt")
self_cs = mean("nvcsw") + mean("nivcsw")             # from the fork
main_cs = mean("main_nvcsw") + mean("main_nivcsw")   # from the start of main
ok = True
pf_hp, cs_hp = hp["page-faults"]["value"], hp["context-switches"]["value"]
print("page-faults: hpprof %g, perf %g, the fixture itself %g" % (pf_hp, perf["page-faults"], self_pf))
print("context-switches: hpprof %g, the fixture itself %g from main, %g from the fork"
      " (perf, separate runs: %g)" % (cs_hp, main_cs, self_cs, perf["context-switches"]))
if pf_hp < 16384 or abs(pf_hp - perf["page-faults"]) > 0.03 * perf["page-faults"]:
    print("FAIL: page-faults differ from perf's by more than 3%"); ok = False
# the fixture's getrusage starts at the launcher's fork: up to ~250 faults
# of the launcher's copy-on-write pages before exec (as lib.sh's check_faults)
if abs(pf_hp - self_pf) > 250:
    print("FAIL: page-faults differ from the fixture's own count by more than 250"); ok = False
# The counter (enabled at exec, read at exit) sees every switch of main's
# window and none of the launcher's before exec: main's count <= hpprof's
# <= the count from the fork, plus the exit path after the fixture's last
# getrusage (a write to a file and the exit of a process that unmapped its
# pages before it: at most 2 per run allowed). The same kernel path counts
# both (a switch out of the task increments nvcsw or nivcsw and the
# software counter), so the bounds hold at any load.
# compared as the 3 runs' totals (integers): the means are thirds, and
# hpprof's mean and the sum of this script's two means may round apart
# (CI run 104: 35.3333 < 35.3333 failed)
cs3, main3, self3 = round(cs_hp * 3), round(main_cs * 3), round(self_cs * 3)
if cs_hp < 20 or cs3 < main3 or cs3 > self3 + 3 * 2:
    print("FAIL: context-switches outside the fixture's own counts [from main, from the fork"
          " + 2]: [%g, %g]" % (main_cs, self_cs + 2)); ok = False
sys.exit(0 if ok else 1)
PY

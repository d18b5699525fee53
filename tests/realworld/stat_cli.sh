#!/bin/sh
# hpprof stat as a new user meets it on a Debian program, beside perf stat
# and the program alone (docs/realworld.md, "Wave 18"): a failing program's
# own message and exit status, a program killed by a signal, a program not
# found, Ctrl-C during the first of three runs.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need perf linux-perf
rw_need xz xz-utils
perf stat -e task-clock -o /dev/null -- true >/dev/null 2>&1 ||
	skip "perf stat cannot count here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
SW=task-clock,context-switches,cpu-migrations,page-faults

# -e given twice: both lists, as perf stat counts them
"$HPPROF" stat -x, -o two.csv -e page-faults -e task-clock,cs -- xz -V >/dev/null ||
	fail "hpprof stat -e page-faults -e task-clock,cs failed"
perf stat -x, -o ptwo.csv -e page-faults -e task-clock,cs -- xz -V >/dev/null ||
	fail "perf stat -e page-faults -e task-clock,cs failed"
hp=$(cut -d, -f3 two.csv | head -3 | tr '\n' ' ')
pf=$(grep -v '^#' ptwo.csv | grep . | cut -d, -f3 | tr '\n' ' ')
note "-e page-faults -e task-clock,cs: hpprof counts '$hp', perf '$pf'"
[ "$hp" = "$pf" ] || fail "hpprof stat counted '$hp' for two -e, perf stat '$pf'"

# a failing program: its message as it prints it alone (argv[0] as given,
# not the path hpprof found), its exit status
xz -d missing.xz >bare.out 2>bare.err
bare=$?
"$HPPROF" stat -e "$SW" -- xz -d missing.xz >hp.out 2>hp.err
rc=$?
perf stat -e "$SW" -- xz -d missing.xz >perf.out 2>perf.err
prc=$?
note "xz -d missing.xz: alone $bare '$(cat bare.err)'; hpprof stat $rc; perf stat $prc"
[ "$rc" = "$bare" ] || fail "hpprof stat exited $rc, xz alone $bare"
[ "$(head -1 hp.err)" = "$(cat bare.err)" ] ||
	fail "xz's message under hpprof stat is '$(head -1 hp.err)', alone '$(cat bare.err)'"
[ "$(head -1 perf.err)" = "$(cat bare.err)" ] || note "perf's differs: '$(head -1 perf.err)'"
grep -q "command exited with status $bare in run 1" hp.err || fail "the table does not say xz failed"

# killed by a signal: 128+N as a shell says (perf stat exits 0)
sh -c 'sh -c "kill -9 \$\$"; echo $?' >bare.out 2>/dev/null
"$HPPROF" stat -e "$SW" -- sh -c 'kill -9 $$' 2>hp.err
rc=$?
note "killed by SIGKILL: the shell says $(cat bare.out), hpprof stat $rc"
[ "$rc" = "$(cat bare.out)" ] || fail "hpprof stat exited $rc for a program killed by SIGKILL"
grep -q "command was killed by signal 9" hp.err || fail "the table does not say the program was killed"
grep -Eq "^ +[0-9]+ +page-faults" hp.err || fail "no page-fault count for the killed program"

# not found: 127 as a shell says, and why
"$HPPROF" stat -- no-such-program-here 2>hp.err
rc=$?
[ "$rc" = 127 ] || fail "hpprof stat exited $rc for a program not found (a shell: 127)"
grep -q "no-such-program-here" hp.err || fail "the message does not name the program: $(cat hp.err)"

# Ctrl-C (SIGINT to the process group, as a terminal sends it) in the
# first of 3 runs, after xz has finished: the counts so far are printed,
# its page faults with them, and hpprof exits 128+2
rw_gen text input.txt 1
perf stat -x, -e page-faults -o xz.csv -- xz -6 -T1 -c input.txt >/dev/null || fail "perf stat xz failed"
"$PY" "$RW/stat_check.py" ctrlc started "$HPPROF" stat --json -o ctrlc.json -r 3 -e "$SW" -- \
	sh -c 'xz -6 -T1 -c input.txt >o.xz; touch started; exec sleep 60' >ctrlc.txt 2>ctrlc.err
cat ctrlc.txt
grep -q "exit status 130" ctrlc.txt || fail "hpprof stat after Ctrl-C: $(cat ctrlc.txt), not 130"
"$PY" - <<'PYEOF' || fail "the counts after Ctrl-C (above)"
import json, sys
j = json.load(open("ctrlc.json"))
xz = float(open("xz.csv").read().strip().splitlines()[-1].split(",")[0])
ev = {e["name"]: e for e in j["events"]}
pf = ev["page-faults"]["value"]
print("# interrupted %s after %d of %d runs; page-faults %s (xz alone under perf stat: %d)"
      % (j["interrupted"], j["runs"], j["runs_requested"], pf, xz))
# the interrupted run holds xz's faults (inherited from the child) and
# the shell's and sleep's: at least xz's, less its run-to-run spread (4)
ok = j["interrupted"] and j["runs"] == 1 and pf is not None and pf >= xz - 4
sys.exit(0 if ok else 1)
PYEOF
echo "PASS"

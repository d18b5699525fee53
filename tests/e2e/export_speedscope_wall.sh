#!/bin/sh
# `hpprof export --format speedscope -w off-cpu|wall` (docs/man/hpprof-export.md)
# against the wall_profile view of the same database, exactly (both count the
# same samples and intervals):
#   - every profile is a "sampled" one in nanoseconds, one weight per
#     sample, frame indices in range, its span (endValue - startValue) its
#     weights; the document's name says which time it weighs;
#   - -w wall: per function, the weights of the samples whose stack holds it
#     (once per sample) = wall_profile.total_ns; all the weights together =
#     the run's wall time (samples x cpu_sample_ns + the off-CPU event's total);
#   - -w off-cpu: per function = wall_profile.total_ns - its total samples x
#     cpu_sample_ns (its off-CPU time); all together = the off-CPU total;
#   - without -w: the weights are samples x the period, as before;
#   - another weight, or -w wall on a run without off-CPU time: exit 2 / 1
#     with the reason.
# usage: export_speedscope_wall.sh fixture|run   env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"
case ${1:-} in
fixture)
	sh "$HP_SRC/tests/golden/fixture.sh" load offcpu w.db || fail "cannot load the offcpu fixture"
	;;
run)
	F="$HP_BUILD/tests/offcpu_fixture"
	[ -x "$F" ] || fail "offcpu_fixture is not built"
	"$HPPROF" run -q --off-cpu -o w.db -- "$F" mutex 10 >out.txt 2>err.txt ||
		{ cat err.txt; fail "run --off-cpu failed"; }
	off=$(q w.db "SELECT value FROM run_info WHERE key = 'off_cpu'")
	case "$off" in
	yes*) ;;
	*) skip "off-CPU recording unavailable here: $off" ;;
	esac
	;;
*) fail "usage: export_speedscope_wall.sh fixture|run" ;;
esac

for w in wall off-cpu; do
	"$HPPROF" export -f speedscope -w $w -o $w.json w.db || fail "export -f speedscope -w $w"
done
"$HPPROF" export -f speedscope -o cpu.json w.db || fail "export -f speedscope"
q w.db "SELECT function || '|' || COALESCE(file, '') || '|' || total_ns FROM wall_profile" >wall.txt
q w.db "SELECT function || '|' || COALESCE(file, '') || '|' || total_samples FROM function_profile" >fp.txt
cpu_ns=$(q w.db "SELECT value FROM meta WHERE key = 'cpu_sample_ns'")
samples=$(q w.db "SELECT COUNT(*) FROM samples WHERE event = 0")
off_total=$(q w.db "SELECT total FROM events WHERE role = 'offcpu' AND measured ORDER BY id LIMIT 1")
freq=$(q w.db "SELECT value FROM meta WHERE key = 'frequency'")
python3 - "$cpu_ns" "$samples" "$off_total" "$freq" <<'PY' || fail "speedscope weights differ from wall_profile"
import json, sys
cpu_ns, samples, off_total, freq = (int(x) for x in sys.argv[1:])
def rows(path):
    d, dup = {}, set()
    for line in open(path):
        name, file, v = line.rstrip("\n").rsplit("|", 2)
        key = (name, file)
        if key in d:
            dup.add(key)
        d[key] = int(v)
    for k in dup:
        del d[k]
    return d
wall = rows("wall.txt")
tot_samples = rows("fp.txt")
bad = 0
def totals(path):
    ss = json.load(open(path))
    frames = [(f["name"], f.get("file", "")) for f in ss["shared"]["frames"]]
    seen = {}
    for f in frames:
        seen[f] = seen.get(f, 0) + 1
    per, whole = {}, 0
    for p in ss["profiles"]:
        if p["unit"] != "nanoseconds" or p["type"] != "sampled" or \
           len(p["samples"]) != len(p["weights"]) or \
           any(i < 0 or i >= len(frames) for st in p["samples"] for i in st) or \
           p["endValue"] - p["startValue"] != sum(p["weights"]):
            print("FAIL: %s: profile %s is not a sampled profile in nanoseconds with one"
                  " weight per sample, frames in range, its span its weights" % (path, p["name"]))
            return None, None, None
        for st, w in zip(p["samples"], p["weights"]):
            whole += w
            for key in set(frames[i] for i in st):
                per[key] = per.get(key, 0) + w
    return per, whole, {f for f, n in seen.items() if n > 1}
for weight in ("wall", "off-cpu"):
    per, whole, dup = totals(weight + ".json")
    if per is None:
        sys.exit(1)
    want_whole = samples * cpu_ns + off_total if weight == "wall" else off_total
    if whole != want_whole:
        print("FAIL: -w %s: weights sum to %d ns, the run's %s time is %d ns" % (weight, whole, weight, want_whole))
        bad += 1
    checked = 0
    for key, total_ns in wall.items():
        if key in dup or key not in tot_samples:
            continue
        want = total_ns if weight == "wall" else total_ns - tot_samples[key] * cpu_ns
        if per.get(key, 0) != want:
            print("FAIL: -w %s: %s: %d ns in speedscope, %d in wall_profile" % (weight, key[0], per.get(key, 0), want))
            bad += 1
        checked += 1
    print("# -w %s: %d functions equal wall_profile; %d ns in all" % (weight, checked, whole))
    if checked < 5:
        print("FAIL: -w %s: only %d functions compared" % (weight, checked))
        bad += 1
per, whole, dup = totals("cpu.json")
period = 1000000000 // freq
if whole != samples * period:
    print("FAIL: without -w: %d ns, %d samples x %d ns" % (whole, samples, period))
    bad += 1
sys.exit(1 if bad else 0)
PY

for w in wall off-cpu; do
	python3 -c 'import json, sys; n = json.load(open(sys.argv[1]))["name"]; sys.exit(not n.endswith(sys.argv[2]))' \
		$w.json "$([ $w = wall ] && echo "(wall time)" || echo "(off-CPU time)")" ||
		fail "-w $w: the document's name does not say what it weighs"
done
"$HPPROF" export -f speedscope -w page-faults w.db >/dev/null 2>err.txt
assert_eq "speedscope -w page-faults: exit status" $? 2
assert_contains "speedscope -w page-faults: the message" err.txt "speedscope weighs CPU time (the default), off-cpu or wall"
if [ "$1" = fixture ]; then
	sh "$HP_SRC/tests/golden/fixture.sh" load export n.db || fail "cannot load the export fixture"
	"$HPPROF" export -f speedscope -w wall n.db >/dev/null 2>err.txt
	assert_eq "speedscope -w wall without off-CPU time: exit status" $? 1
	assert_contains "speedscope -w wall without off-CPU time: the message" err.txt "has no off-CPU time"
fi
note "PASS"

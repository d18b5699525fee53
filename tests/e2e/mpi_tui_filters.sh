#!/bin/sh
# The TUI's rank comparison of two MPI jobs (docs/mpi.md, hpprof-tui(1))
# with --alpha/--threshold, under a rank and a time filter, and on one
# time axis: two real 4-rank jobs of hp-mpi-pi under Open MPI's mpirun,
# `--skew 2` before (rank 0 throws twice the darts of each other rank) and
# `--skew 1` after, each merged; `hpprof tui b.db --diff a.db --dump ranks`
# (the screen as text, no terminal needed).
#   1. --threshold 50 --alpha 0.01: the head (imbalances, change, interval,
#      verdict, the options in effect) against `hpprof diff --ranks -f json`
#      with the same options; the interval is the default's times
#      z(0.995)/z(0.975) (both from the JSONs), and the verdict is "same
#      (under the threshold of 50%)" (an imbalance of ~1.6 cannot fall by
#      50%: it is never under 1).
#   2. --rank 1: rank 1 of each job: its row against `report --ranks --rank
#      1 -f json` of each job and against the whole-job diff's rank 1 row;
#      every function row (min = mean = max on one rank, max rank 1) against
#      the reports' functions; the imbalance is said not compared.
#      --from/--to (the middle half of the after job): the same window of
#      both jobs against `report --ranks --from --to -f json` of each job
#      (every rank row, imbalance, MPI share, function rows). Where nothing
#      can be compared the screen says why: a rank the before job lacks (a
#      before job merged without rank 3), a window past both jobs' ends, a
#      thread filter (t).
#   3. The timelines on one axis: for each rank row and job, the column of
#      its last bar is the column its last sample falls in on the common
#      axis (time since each job's start; the span is the longer job's,
#      computed here from the samples' times read with sqlite): a job that
#      ended sooner ends in an earlier column; both axes are labelled alike.
# Printed figures are compared within the rounding of the two printings
# (the screen has 2 decimals, the JSON 4): |screen - json| <= 0.005 + 0.00005.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/mpi_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"

mpi_two_jobs 4e7 8
"$HPPROF" merge -o a3.db a.0.db a.1.db a.2.db 2>/dev/null ||
	fail "merge of the before job without rank 3"

dump() { "$HPPROF" tui --no-color --dump ranks --width 140 --height 60 "$@"; }

# --- 1. --threshold and --alpha -----------------------------------------
"$HPPROF" diff --ranks -n 0 -f json a.db b.db >def.json || fail "diff --ranks -f json"
"$HPPROF" diff --ranks -n 0 -f json --threshold 50 --alpha 0.01 a.db b.db >opt.json ||
	fail "diff --ranks -f json --threshold 50 --alpha 0.01"
dump --threshold 50 --alpha 0.01 b.db --diff a.db >opt.txt || fail "tui --threshold --alpha"
python3 - opt.txt opt.json def.json <<'EOF' || { cat opt.txt >&2; fail "tui --threshold 50 --alpha 0.01 differs from diff's JSON"; }
import json, os, re, sys
sys.path.insert(0, os.path.join(os.environ["HP_SRC"], "tests", "e2e"))
from screencheck import TOL, bad, near
screen = open(sys.argv[1]).read()
d, dd = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
imb, dimb = d["imbalance"], dd["imbalance"]
if "--alpha 0.01 --threshold 50%: counts beyond \u00b1, 99% interval" not in screen:
    bad.append("the options in effect are not on the screen")
m = re.search(r"load imbalance \(compute max/mean\) ([\d.]+), max on rank (\d+) -> ([\d.]+), max on rank (\d+)", screen)
if not m:
    bad.append("no imbalance line")
else:
    near("imbalance before", m[1], imb["before"]); near("imbalance after", m[3], imb["after"])
m = re.search(r"change ([+-][\d.]+) \(([+-][\d.]+)%\) \u00b1([\d.]+): (.*)", screen)
if not m:
    bad.append("no change line")
else:
    near("change", m[1], imb["change"]); near("interval", m[3], imb["ci"])
    want = {"better": "better balanced", "worse": "worse balanced"}.get(imb["verdict"],
            "same (within the noise)" if imb["p"] >= imb["alpha"] else
            "same (under the threshold of %g%%)" % imb["threshold_pct"])
    if m[4].strip() != want:
        bad.append("verdict: screen %r, json %r" % (m[4].strip(), want))
    print("# screen: change %s +-%s: %s; json (alpha %g, threshold %g%%): ci %.4f, p %.3g, %s; "
          "default options: ci %.4f, %s" % (m[1], m[3], m[4].strip(), imb["alpha"],
          imb["threshold_pct"], imb["ci"], imb["p"], imb["verdict"], dimb["ci"], dimb["verdict"]))
if imb["alpha"] != 0.01 or imb["threshold_pct"] != 50:
    bad.append("diff's JSON did not take the options: %s" % imb)
# the interval scales with the normal quantile: z(0.995)/z(0.975) =
# 2.575829/1.959964; both JSON intervals are rounded to 4 decimals, so the
# check allows 0.00005 + ratio x 0.00005
R = 2.575829 / 1.959964
if abs(imb["ci"] - R * dimb["ci"]) > 0.00005 * (1 + R) + 1e-9:
    bad.append("interval %.4f at alpha 0.01 is not %.4f x %.6f" % (imb["ci"], dimb["ci"], R))
if imb["p"] < 0.01 and imb["verdict"] != "same":
    bad.append("a fall of %.1f%% judged %s at threshold 50%%" % (imb["change_pct"], imb["verdict"]))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF

# --- 2. rank and time filters --------------------------------------------
# check.py SCREEN BEFORE.json AFTER.json MODE: the screen's comparison
# against each job's `report --ranks -f json` under the same filter (MODE
# rank: one rank, imbalance not compared; window: imbalance compared).
cat >check.py <<'EOF'
import json, os, re, sys
sys.path.insert(0, os.path.join(os.environ["HP_SRC"], "tests", "e2e"))
import screencheck
from screencheck import TOL, bad, find, near, same
screen = screencheck.screen = open(sys.argv[1]).read().split("\n")
rep = [json.load(open(sys.argv[2]))["ranks"], json.load(open(sys.argv[3]))["ranks"]]
mode = sys.argv[4]

rows = [{r["rank"]: r for r in side["rows"]} for side in rep]
m = find(r"(\d+) ranks? before, (\d+) after   MPI time ([\d.]+)% -> ([\d.]+)% of all samples")
if m:
    same("ranks before", m[1], rep[0]["count"]); same("ranks after", m[2], rep[1]["count"])
    near("MPI % before", m[3], rep[0]["mpi_pct"]); near("MPI % after", m[4], rep[1]["mpi_pct"])
if mode == "rank":
    find(r"^load imbalance: not compared: one rank in each job")
else:
    m = find(r"^load imbalance \(compute max/mean\) ([\d.]+), max on rank (\d+) -> ([\d.]+), max on rank (\d+)")
    if m:
        near("imbalance before", m[1], rep[0]["imbalance"]); near("imbalance after", m[3], rep[1]["imbalance"])
        same("max rank before", m[2], rep[0]["imbalance_rank"]); same("max rank after", m[4], rep[1]["imbalance_rank"])
m = find(r"compute per rank: min (\d+) -> (\d+), mean ([\d.]+) -> ([\d.]+), max (\d+) -> (\d+)$")
if m:
    for k, side in enumerate(rows):
        c = [r["compute_samples"] for r in side.values()]
        same("compute min", m[1 + k], min(c)); near("compute mean", m[3 + k], sum(c) / len(c))
        same("compute max", m[5 + k], max(c))
start = [i for i, l in enumerate(screen) if re.match(r"\s+Rank\s+Compute\s+after", l)]
seen = 0
for line in screen[start[0] + 1:] if start else []:
    t = line.split()
    if len(t) < 7 or not t[0].isdigit():
        break
    for k in (0, 1):
        x = rows[k].get(int(t[0]))
        want = [str(x["compute_samples"]), str(x["mpi_samples"]),
                "%.2f" % (100.0 * x["mpi_samples"] / x["samples"] if x["samples"] else 0)] if x else ["-"] * 3
        same("rank %s compute %d" % (t[0], k), t[1 + k], want[0])
        same("rank %s MPI %d" % (t[0], k), t[3 + k], want[1])
        same("rank %s MPI%% %d" % (t[0], k), t[5 + k], want[2])
    seen += 1
same("rank rows", seen, max(len(rows[0]), len(rows[1])))

# functions joined as the diff joins them: name and module basename
def funcs(side):
    out, dup = {}, set()
    for f in side["functions"]:
        key = f["function"] + (" (%s)" % os.path.basename(f["module"]) if f["module"] else "")
        if key in out:
            dup.add(key)
        out[key] = f
    return out, dup
fs = [funcs(side) for side in rep]
start = [i for i, l in enumerate(screen) if "Function (module)" in l]
checked = 0
for line in screen[start[0] + 1:] if start else []:
    if not line.strip() or line.startswith(" MPI ranks"):
        break
    t = line.split(None, 10)
    if len(line) >= 139 and t[10] not in fs[0][0] and t[10] not in fs[1][0]:
        full = {k for side in fs for k in side[0] if k.startswith(t[10])}
        if len(full) != 1:            # a long name cut at the edge: its one completion
            bad.append("row %r: no one function of the reports" % t[10])
            continue
        t[10] = full.pop()
    if t[10] in fs[0][1] or t[10] in fs[1][1]:
        continue                      # two functions of one job share the key: summed
    for k in (0, 1):
        f = fs[k][0].get(t[10])
        mx = f["self_max"] if f else 0
        want = [f["self_min"], f["self_mean"], mx, f["self_max_rank"] if mx else "-"] if f else [0, 0, 0, "-"]
        same("%s min %d" % (t[10], k), t[0 + k], want[0]); near("%s mean %d" % (t[10], k), t[2 + k], want[1])
        same("%s max %d" % (t[10], k), t[4 + k], want[2]); same("%s max rank %d" % (t[10], k), t[6 + k], want[3])
        if mode == "rank" and f and mx:
            same("%s one rank: min = max %d" % (t[10], k), f["self_min"], mx)
    checked += 1
if checked < 10:
    bad.append("only %d function rows checked" % checked)
print("# %s: %d rank rows, %d function rows checked" % (mode, seen, checked))
for b in bad[:20]:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF

dump --rank 1 b.db --diff a.db >rank.txt || fail "tui --rank 1 --diff"
grep -q "^compared: rank 1 of each job" rank.txt || { cat rank.txt >&2; fail "--rank 1: no 'compared: rank 1'"; }
"$HPPROF" report --ranks -n 0 --rank 1 -f json a.db >rank-a.json || fail "report --rank 1 a.db"
"$HPPROF" report --ranks -n 0 --rank 1 -f json b.db >rank-b.json || fail "report --rank 1 b.db"
python3 check.py rank.txt rank-a.json rank-b.json rank ||
	{ cat rank.txt >&2; fail "--rank 1: the comparison differs from report --rank 1"; }
# the rank's row is also the whole-job diff's rank 1 row
python3 - rank.txt def.json <<'EOF' || fail "--rank 1: rank 1's row differs from the diff's"
import json, sys
rows = {s: {r["rank"]: r for r in json.load(open(sys.argv[2]))[s]["rows"]} for s in ("before", "after")}
for line in open(sys.argv[1]):
    t = line.split()
    if len(t) >= 7 and t[0] == "1" and t[1].isdigit():
        want = [str(rows[s][1][k]) for k in ("compute_samples", "mpi_samples") for s in ("before", "after")]
        sys.exit(0 if t[1:5] == want else print("screen %s, diff %s" % (t[1:5], want)) or 1)
sys.exit(1)
EOF

# the middle half of the after job (its duration from run_info), the same
# window of both jobs from each job's start
dur=$(python3 -c 'import sqlite3; print(sqlite3.connect("b.db").execute("SELECT value FROM meta WHERE key = \"duration_ns\"").fetchone()[0])')
from=$(awk -v d="$dur" 'BEGIN { printf "%.3f", d / 4e9 }')
to=$(awk -v d="$dur" 'BEGIN { printf "%.3f", 3 * d / 4e9 }')
note "window: $from s to $to s of each job (after job: $dur ns)"
dump --from "$from" --to "$to" b.db --diff a.db >win.txt || fail "tui --from --to --diff"
grep -q "^compared: samples $from-$to s after each job's start (the same window of both)" win.txt ||
	{ cat win.txt >&2; fail "--from/--to: the window is not said"; }
grep -q '▔' win.txt || fail "--from/--to: the window is not marked under the time axis"
"$HPPROF" report --ranks -n 0 --from "$from" --to "$to" -f json a.db >win-a.json || fail "report --from a.db"
"$HPPROF" report --ranks -n 0 --from "$from" --to "$to" -f json b.db >win-b.json || fail "report --from b.db"
python3 check.py win.txt win-a.json win-b.json window ||
	{ cat win.txt >&2; fail "--from/--to: the comparison differs from report --from/--to"; }

# nothing to compare: the screen says why
dump --rank 3 b.db --diff a3.db >why.txt || fail "tui --rank 3 --diff a3.db"
grep -q "no comparison: the before job has no rank 3 (its ranks: 0 1 2;" why.txt ||
	{ cat why.txt >&2; fail "a rank the before job lacks: no reason on the screen"; }
dump --from 1000 b.db --diff a.db >why.txt || fail "tui --from 1000 --diff"
grep -q "no comparison: the before job has no sample at or after 1000.000 s from its start" why.txt ||
	{ cat why.txt >&2; fail "an empty window: no reason on the screen"; }
"$HPPROF" tui --no-color --dump summary --width 140 --height 30 --keys tr b.db --diff a.db >why.txt ||
	fail "tui --keys tr --diff"
grep -q "no comparison under a thread filter: thread [0-9]* is one" why.txt ||
	{ cat why.txt >&2; fail "a thread filter: no reason on the screen"; }
"$HPPROF" tui --dump ranks --threshold 5 b.db 2>err.txt && fail "--threshold without --diff accepted"
grep -q "need --diff" err.txt || fail "--threshold without --diff: $(cat err.txt)"
for bad in "--alpha 0.6 --diff a.db" "--threshold -1 --diff a.db" "--from 2 --to 1" "--to 0" "--from x"; do
	# shellcheck disable=SC2086
	"$HPPROF" tui --dump ranks $bad b.db >/dev/null 2>err.txt
	[ $? = 2 ] || fail "tui $bad: not a usage error (exit 2)"
	grep -q "invalid value\|must be after" err.txt || fail "tui $bad: $(cat err.txt)"
done

# --- 3. one time axis ------------------------------------------------------
dump b.db --diff a.db >axis.txt || fail "tui --diff"
python3 - axis.txt a.db b.db <<'EOF' || { cat axis.txt >&2; fail "the timelines are not on one time axis"; }
import sqlite3, sys
screen = open(sys.argv[1]).read().split("\n")
NB, W, TABLE = 2048, 140, 65           # buckets per job (app_priv.h), dump width, table columns
w = (W - TABLE - 1 - 3) // 2
x = [TABLE + 1, TABLE + 1 + w + 3]
jobs = []
for db in sys.argv[2:]:
    c = sqlite3.connect(db)
    # each rank's last main-sampler sample, in its own clock (from its start)
    last = dict(c.execute("SELECT r.value, MAX(s.t_ns) FROM samples s JOIN threads t ON t.tid = s.tid"
                          " JOIN run_meta r ON r.run = t.run AND r.key = 'mpi_rank'"
                          " WHERE s.event = 0 GROUP BY t.run"))
    end = c.execute("SELECT MAX(t_ns) FROM samples WHERE event = 0").fetchone()[0] + 1
    bns = end // NB + 1
    jobs.append({int(k): v for k, v in last.items()} | {"bns": bns, "t_end": bns * NB})
span = max(j["t_end"] for j in jobs)
def col(job, t):                      # the column whose buckets hold time t
    b = t // job["bns"]
    for c in range(w):
        t0, t1 = span * c // w, span * (c + 1) // w
        if -(-t0 // job["bns"]) <= b < -(-t1 // job["bns"]):
            return c
    return None
bad, seen = [], 0
head = [i for i, l in enumerate(screen) if l.lstrip().startswith("Rank    Compute")]
for line in screen[head[0] + 1:] if head else []:
    t = line.split()
    if len(t) < 7 or not t[0].isdigit():
        break
    rank = int(t[0])
    for k in (0, 1):
        cells = line[x[k]:x[k] + w]
        bars = [i for i, ch in enumerate(cells) if "\u2581" <= ch <= "\u2588"]
        want = col(jobs[k], jobs[k][rank])
        got = bars[-1] if bars else None
        if got != want:
            bad.append("rank %d %s: last bar in column %s, its last sample (%.3f s) is in column %s"
                       % (rank, ("before", "after")[k], got, jobs[k][rank] / 1e9, want))
        seen += 1
ends = [max(v for k, v in j.items() if isinstance(k, int)) for j in jobs]
print("# span %.3f s over %d columns; last samples: before %.3f s (column %s), after %.3f s (column %s)"
      % (span / 1e9, w, ends[0] / 1e9, col(jobs[0], ends[0]), ends[1] / 1e9, col(jobs[1], ends[1])))
if seen != 8:
    bad.append("%d rank timelines seen, 8 expected" % seen)
axis = [l for l in screen if "time since each job's start" in l]
if not axis or axis[0][x[0]:x[0] + w].strip() != axis[0][x[1]:x[1] + w].strip():
    bad.append("the two jobs' axes are not labelled alike: %r" % axis)
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
note "PASS"

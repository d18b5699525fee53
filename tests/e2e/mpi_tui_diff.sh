#!/bin/sh
# The TUI's rank comparison of two MPI jobs (docs/tui.md, docs/mpi.md):
# two 4-rank jobs of hp-mpi-pi under Open MPI's mpirun, `--skew 2` (rank 0
# throws twice the darts of each other rank) before and `--skew 1` after,
# each merged from its per-rank files; `hpprof tui after.db --diff
# before.db` under tmux, then r. Every figure on the screen is checked
# against `hpprof diff --ranks -n 0 -f json` of the same two files (the
# figures e2e_mpi_diff checks against the per-rank files and the ranks' own
# truth):
#   - the imbalance of each job and the rank of its max, the change (and in
#     percent) with the half-width of its interval, the verdict; compute per
#     rank (min, mean, max) and the MPI share, before and after;
#   - each rank's compute and MPI samples and MPI% before and after, and
#     each job's timeline of it beside them;
#   - every function row shown: min, mean, max, the rank of the max and
#     max/mean, before and after, in the JSON's order (self), then by total
#     (Space) with the same figures, PgDn (the next page is the JSON's next
#     rows), / (a function found becomes the first row);
#   - d shows the after job alone (its imbalance) and back; under a rank
#     filter (Enter on rank 1) r compares rank 1 of both jobs (its row the
#     JSON's rank 1 row, the imbalance said not compared); under a thread
#     filter (t) the screen says why there is no comparison; a time range
#     set in the timeline is compared as the same window of both; x restores it;
#     ? lists d; q exits 0 (e2e_mpi_tui_filters checks the filters further).
# Printed figures are compared within the rounding of the two printings
# (the screen has 2 decimals, the JSON 4): |screen - json| <= 0.005 + 0.00005.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/mpi_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed (scripts/install-deps.sh)"
TUI_TMP="$T/tui"
mkdir "$TUI_TMP"
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_stop; rm -rf "$T"' EXIT

# As e2e_mpi_views: a small job (a few hundred samples per rank) with
# busy-polling waits, so that MPI time is CPU time the samples see.
mpi_two_jobs 4e7 8
"$HPPROF" diff --ranks -n 0 -f json a.db b.db >diff.json || fail "diff --ranks -f json"
"$HPPROF" diff --ranks -n 5 a.db b.db | sed 's/^/# /'

# check.py SCREEN MODE: the screen's figures against diff.json (MODE: head
# and self rows, total rows, or page: the rows after PgDn).
cat >check.py <<'EOF'
import json, os, re, sys
sys.path.insert(0, os.path.join(os.environ["HP_SRC"], "tests", "e2e"))
import screencheck
from screencheck import TOL, bad, find, near, same
screen = screencheck.screen = open(sys.argv[1]).read().split("\n")
mode = sys.argv[2]
d = json.load(open("diff.json"))

def head():
    b, a, imb = d["before"], d["after"], d["imbalance"]
    m = find(r"(\d+) ranks before, (\d+) after   MPI time ([\d.]+)% -> ([\d.]+)% of all samples")
    if m:
        same("ranks before", m[1], b["count"]); same("ranks after", m[2], a["count"])
        same("MPI % before", m[3], "%.2f" % b["mpi_pct"]); same("MPI % after", m[4], "%.2f" % a["mpi_pct"])
    m = find(r"^load imbalance \(compute max/mean\) ([\d.]+), max on rank (\d+) -> ([\d.]+), "
             r"max on rank (\d+)")
    if m:
        near("imbalance before", m[1], imb["before"]); near("imbalance after", m[3], imb["after"])
        same("max rank before", m[2], b["imbalance_rank"]); same("max rank after", m[4], a["imbalance_rank"])
    m = find(r"change ([+-][\d.]+) \(([+-][\d.]+)%\) \u00b1([\d.]+): (.*)$")
    if m:
        near("change", m[1], imb["change"]); near("change %", m[2], imb["change_pct"], 0.05 + 0.005)
        near("interval", m[3], imb["ci"])
        words = {"better": "better balanced", "worse": "worse balanced"}.get(imb["verdict"],
                 "same (within the noise)" if imb["p"] >= imb["alpha"] else "same (under the threshold of %g%%)" % imb["threshold_pct"])
        same("verdict", m[4].strip(), words)
        print("# screen: change %s (%s%%) +-%s: %s; json: %.4f -> %.4f, change %.4f +-%.4f, %s" % (
            m[1], m[2], m[3], m[4].strip(), imb["before"], imb["after"], imb["change"], imb["ci"],
            imb["verdict"]))
    m = find(r"compute per rank: min (\d+) -> (\d+), mean ([\d.]+) -> ([\d.]+), max (\d+) -> (\d+)$")
    if m:
        same("compute min before", m[1], b["compute_min"]); same("compute min after", m[2], a["compute_min"])
        near("compute mean before", m[3], b["compute_mean"]); near("compute mean after", m[4], a["compute_mean"])
        same("compute max before", m[5], b["compute_max"]); same("compute max after", m[6], a["compute_max"])
    rows = {}
    for side in ("before", "after"):
        for r in d[side]["rows"]:
            rows.setdefault(r["rank"], {})[side] = r
    start = [i for i, l in enumerate(screen) if re.match(r"\s+Rank\s+Compute\s+after", l)]
    seen = 0
    for line in screen[start[0] + 1:] if start else []:
        t = line.split()               # 7 columns, then each job's timeline of the rank
        if len(t) < 7 or not t[0].isdigit():
            break
        r = rows.get(int(t[0]), {})
        for k, side in enumerate(("before", "after")):
            x = r.get(side)
            want = [str(x["compute_samples"]), str(x["mpi_samples"]),
                    "%.2f" % (100.0 * x["mpi_samples"] / x["samples"]) if x["samples"] else "0.00"] if x else ["-"] * 3
            same("rank %s compute %s" % (t[0], side), t[1 + k], want[0])
            same("rank %s MPI %s" % (t[0], side), t[3 + k], want[1])
            same("rank %s MPI%% %s" % (t[0], side), t[5 + k], want[2])
        seen += 1
    same("rank rows", seen, len(rows))

def cells(f, side, kind):
    s = f[side]
    mx = s[kind + "_max"]
    return [s[kind + "_min"], s[kind + "_mean"], mx, "-" if mx == 0 else s[kind + "_max_rank"],
            None if mx == 0 else mx / s[kind + "_mean"]]

def label(f):
    return f["function"] + (" (%s)" % f["module"] if f["module"] else "")

def check_row(line, f, kind):
    t = line.split(None, 10)
    if len(t) < 11:
        bad.append("a short function row: " + line)
        return
    full = label(f)
    # a long name is cut at the pane's edge (120 columns)
    if not (t[10] == full or (len(line) >= 119 and full.startswith(t[10]))):
        bad.append("row %r: function %r, json %r" % (line[:60], t[10], full))
        return
    for k, side in enumerate(("before", "after")):
        mn, mean, mx, rank, ratio = cells(f, side, kind)
        what = "%s %s %s" % (full, kind, side)
        same(what + " min", t[0 + k], mn); near(what + " mean", t[2 + k], mean)
        same(what + " max", t[4 + k], mx); same(what + " max rank", t[6 + k], rank)
        if ratio is None:
            same(what + " max/mean", t[8 + k], "-")
        else:
            near(what + " max/mean", t[8 + k], ratio, 0.005 + 0.001)

def func_lines():
    start = [i for i, l in enumerate(screen) if "Function (module)" in l]
    if not start:
        bad.append("no function table")
        return []
    out = []
    for line in screen[start[0] + 1:]:
        if not line.strip() or line.startswith(" MPI ranks"):
            break
        out.append(line)
    return out

def status():
    m = find(r"fn (\d+)/(\d+)")
    return (int(m[1]), int(m[2])) if m else (0, 0)

funcs = d["functions"]
kind = "total" if mode == "total" else "self"
want = [f for f in funcs if f["before"][kind + "_max"] or f["after"][kind + "_max"]]
lines = func_lines()
top, n = status()
same("function rows in all (status)", n, len(want))
if mode == "self":
    head()
if mode in ("self", "page"):
    for k, line in enumerate(lines):
        check_row(line, want[top - 1 + k], kind)
else:                                 # total: by the larger max of the two jobs
    by_key = {label(f): f for f in want}
    peaks = []
    for line in lines:
        name = line.split(None, 10)[-1]
        f = by_key.get(name) or next((g for k, g in by_key.items() if k.startswith(name) and len(line) >= 119), None)
        if not f:
            bad.append("total row %r is no function of the JSON" % name)
            continue
        check_row(line, f, kind)
        peaks.append(max(f["before"]["total_max"], f["after"]["total_max"]))
    if peaks != sorted(peaks, reverse=True):
        bad.append("total rows not by the larger max: %s" % peaks)
if len(lines) < 10:
    bad.append("only %d function rows on the screen" % len(lines))
print("# %s: %d function rows checked (rows %d.. of %d)" % (mode, len(lines), top, n))
for b in bad[:20]:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF

tui_start "$HPPROF" tui "$T/b.db" --diff "$T/a.db"
tui_wait_for "9 Diff"
tui_keys r
tui_wait_for "ranks before"
tui_screen >cmp.txt
python3 check.py cmp.txt self || { cat cmp.txt >&2; fail "the comparison on the screen differs from hpprof diff --ranks -f json"; }
# GAIN or REGRESSION colors on a better or worse verdict: the change line is
# colored then. The job is small (a few hundred samples per rank), so the
# verdict may be "same (within the noise)", which is drawn in the normal
# color; the JSON's verdict says which to expect.
verdict=$(python3 -c 'import json; print(json.load(open("diff.json"))["imbalance"]["verdict"])')
if [ "$verdict" != same ]; then
	tui_screen -e | grep "change [+-]" | grep -q "$(printf '\033')\[" ||
		fail "the verdict line ($verdict) has no color"
fi

# each rank's samples over time in both jobs (the rank 0 row: U+2581-U+2588)
tui_screen | grep -q "before: over time.*after: over time" || fail "no timelines beside the ranks"
n=$(tui_screen | awk '$1 == 0 && NF >= 7' | grep -o '[▁▂▃▄▅▆▇█]' | wc -l)
[ "$n" -gt 20 ] || { tui_screen >&2; fail "rank 0's timelines hold $n bars"; }

tui_keys PgDn
tui_wait_for "fn [2-9][0-9]*/"
tui_screen >page.txt
python3 check.py page.txt page || { cat page.txt >&2; fail "PgDn: the next functions differ from the JSON's"; }

tui_keys Space
tui_wait_for "Call paths across ranks"
tui_screen >total.txt
python3 check.py total.txt total || { cat total.txt >&2; fail "Space: the call paths differ from the JSON's"; }

# / finds a function: the first row after the top whose name holds the
# needle becomes the top row (a plain identifier from the JSON's rows)
tui_keys Space
tui_wait_for "Functions across ranks"
needle=$(python3 -c '
import json, re
fs = [f for f in json.load(open("diff.json"))["functions"] if f["before"]["self_max"] or f["after"]["self_max"]]
names = [f["function"] for f in fs]
for i in range(3, len(names)):
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{3,}", names[i]):
        at = next(k for k in range(1, len(names)) if names[i] in names[k])
        print(names[i], at + 1)
        break')
[ -n "$needle" ] || fail "no plain function name to search for in diff.json"
set -- $needle
tui_keys "/$1" Enter
tui_wait_for "fn $2/"
tui_screen >found.txt
python3 check.py found.txt page || { cat found.txt >&2; fail "/$1: the rows shown differ from the JSON's"; }
note "/$1: row $2 is the first row shown"

# d: the after job alone, and back
tui_keys d
tui_wait_for "of 4 ranks   load imbalance"
got=$(tui_screen | sed -n 's/.* of 4 ranks   load imbalance \([0-9.]*\) .*/\1/p')
want=$(python3 -c 'import json; print(json.load(open("diff.json"))["imbalance"]["after"])')
awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d <= 0.00505 && -d <= 0.00505) }' ||
	fail "d: the after job's imbalance $got is not the diff's $want"
tui_keys d
tui_wait_for "ranks before"

# a rank filter (Enter on rank 1): r compares rank 1 of both jobs, its row
# the diff's rank 1 row; d shows the after job's rank alone
tui_keys Down Enter
tui_wait_for "showing rank 1"
tui_keys r
tui_wait_for "compared: rank 1 of each job"
tui_screen >rank1.txt
python3 - rank1.txt <<'PY' || { cat rank1.txt >&2; fail "the comparison of rank 1 differs from the diff's rank 1 row"; }
import json, sys
d = json.load(open("diff.json"))
rows = {s: {r["rank"]: r for r in d[s]["rows"]} for s in ("before", "after")}
want = [str(rows[s][1][k]) for k in ("compute_samples", "mpi_samples") for s in ("before", "after")]
for line in open(sys.argv[1]):
    t = line.split()
    if len(t) >= 7 and t[0] == "1" and t[1].isdigit():
        sys.exit(0 if t[1:5] == want else print("screen %s, json %s" % (t[1:5], want)) or 1)
sys.exit(1)
PY
grep -q "load imbalance: not compared: one rank in each job" rank1.txt ||
	fail "the comparison of one rank does not say the imbalance is not compared"
tui_keys d
tui_wait_for "MPI ranks: compute and MPI time"
# a thread filter: no comparison, and the screen says why
tui_keys x
tui_wait_for "showing everything"
tui_keys t
tui_wait_for "showing thread"
tui_keys r
tui_wait_for "no comparison under a thread filter"
tui_keys x
tui_wait_for "showing everything"
tui_keys r
tui_wait_for "ranks before"
# a time range chosen in the timeline (8): r compares that window of both
# jobs, the one the status line shows, marked under the time axis
tui_keys 8
tui_wait_for "Timeline: before and after on one time axis"
# both jobs on the timeline, each with the threads of its 4 ranks (r0..r3)
ranks=$(tui_screen | awk '/^before /{s="b"} /^after /{s="a"} s && /^r[0-3] /{print s substr($1, 2)}' |
	sort -u | tr '\n' ' ')
[ "$ranks" = "a0 a1 a2 a3 b0 b1 b2 b3 " ] ||
	{ tui_screen >&2; fail "the timeline does not show the 4 ranks of both jobs: '$ranks'"; }
note "the timeline shows the ranks of both jobs on one axis: $ranks"
tui_keys Home Space PgDn PgDn PgDn Enter
tui_wait_for "showing [0-9.]*-[0-9.]* s (x clears)"
win=$(tui_screen | sed -n 's/.*showing \([0-9.]*-[0-9.]*\) s (x clears).*/\1/p')
tui_keys r
tui_wait_for "compared: samples $win s after each job's start (the same window of both)"
tui_screen | grep -q '▔' || { tui_screen >&2; fail "the window $win s is not marked under the time axis"; }
note "the timeline's range $win s: compared in both jobs"
tui_keys x
tui_wait_for "showing everything"
tui_keys r
tui_wait_for "ranks before"
tui_keys '?'
tui_wait_for "with --diff: the two jobs side by side"
tui_keys Escape
tui_keys q
assert_eq "tui exit status" "$(tui_wait_exit)" 0
note "PASS"

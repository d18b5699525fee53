#!/bin/sh
# The rank dimension in the TUI, report --rank and diff (docs/mpi.md): a
# small 4-rank job of hp-mpi-pi under mpirun, merged whole (job.db) and
# without rank 2 (three.db). Checked against the merged file's own
# rank_profile view (the figures the other MPI tests check against truth):
#   - tui under tmux: r opens the ranks view with the imbalance and one row
#     per rank (its samples, compute and MPI), each with its compute/MPI
#     over time; Enter on rank 1 shows only rank 1 in every view, x shows
#     all ranks again, q quits with status 0; --rank 2 starts on rank 2 and
#     a rank the job lacks is an error naming the ranks it has;
#   - report --rank N holds exactly rank N's samples;
#   - diff --ranks of the two merges: before has 3 ranks, after 4, and each
#     rank's compute and MPI samples are its rank_profile row.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/mpi_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed (scripts/install-deps.sh)"
TUI_TMP="$T/tui"
mkdir "$TUI_TMP"
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_stop; rm -rf "$T"' EXIT

OMPI_MCA_mpi_yield_when_idle=0
export OMPI_MCA_mpi_yield_when_idle
mpirun_np 4 "$HPPROF" run -q -o 'prof.%r.db' "$KDIR/hp-mpi-pi" --skew 2 --samples 4e7 \
	--rounds 8 >out.txt 2>err.txt || { cat err.txt out.txt >&2; fail "mpirun of 4 ranks"; }
"$HPPROF" merge -o job.db prof.0.db prof.1.db prof.2.db prof.3.db 2>/dev/null || fail "merge"
"$HPPROF" merge -o three.db prof.0.db prof.1.db prof.3.db 2>/dev/null || fail "merge of 3 ranks"
row() { q job.db "SELECT $2 FROM rank_profile WHERE rank = $1"; }

# --- report --rank N ------------------------------------------------------
for r in 0 2; do
	got=$("$HPPROF" report --rank $r -n 1 -f json job.db |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["samples"])') ||
		fail "report --rank $r"
	assert_eq "report --rank $r: samples" "$got" "$(row $r samples)"
done
"$HPPROF" report --rank 9 job.db >/dev/null 2>err.txt && fail "report --rank 9 succeeded"
assert_contains "report --rank 9: the ranks there are" err.txt "its ranks: 0 1 2 3"

# --- diff --ranks ---------------------------------------------------------
"$HPPROF" diff --ranks -f json three.db job.db >diff.json || fail "diff --ranks -f json"
for r in 0 1 2 3; do row $r "compute_samples || ' ' || mpi_samples"; done >want_after.txt
python3 - <<'PY' || fail "diff --ranks rows differ from rank_profile"
import json
d = json.load(open("diff.json"))
want = [l.split() for l in open("want_after.txt")]
after = [[str(x["compute_samples"]), str(x["mpi_samples"])] for x in d["after"]["rows"]]
before = {x["rank"] for x in d["before"]["rows"]}
print("# diff --ranks: before ranks %s, after %d ranks" % (sorted(before), d["after"]["count"]))
ok = d["before"]["count"] == 3 and before == {0, 1, 3} and d["after"]["count"] == 4 and after == want
raise SystemExit(0 if ok else 1)
PY
"$HPPROF" diff --ranks three.db job.db >diff.txt || fail "diff --ranks"
assert_contains "diff --ranks: the rank counts" diff.txt "MPI ranks: 3 before, 4 after"

# --- the TUI's ranks view under tmux --------------------------------------
tui_start "$HPPROF" tui "$T/job.db"
tui_wait_for "Summary"
tui_keys r
tui_wait_for "load imbalance"
tui_wait_for "over time: compute"
tui_screen >ranks.txt
for r in 0 1 2 3; do
	# "  Rank Host PID Samples Compute MPI MPI% Exit  <sparkline>"
	got=$(awk -v r=$r -v h="$(uname -n)" '$1 == r && $2 == h { print $4, $5, $6; exit }' ranks.txt)
	assert_eq "ranks view: rank $r's samples, compute, MPI" "$got" \
		"$(row $r "samples || ' ' || compute_samples || ' ' || mpi_samples")"
done
grep -q "every rank of the job is here" ranks.txt || { cat ranks.txt >&2; fail "ranks view: the job's state"; }
tui_keys Down
tui_keys Enter
tui_wait_for "showing rank 1"
tui_keys 2
tui_wait_for "| rank 1"
tui_keys x
i=0
while tui_screen | grep -q "rank 1"; do
	i=$((i + 1))
	[ $i -gt 300 ] && { tui_screen >&2; fail "x did not clear the rank filter"; }
	sleep 0.1
done
tui_keys q
assert_eq "tui exit status" "$(tui_wait_exit)" 0
tui_stop

tui_start "$HPPROF" tui --rank 2 "$T/job.db"
tui_wait_for "Summary"
tui_keys 2
tui_wait_for "| rank 2"
tui_keys q
assert_eq "tui --rank 2 exit status" "$(tui_wait_exit)" 0
tui_stop
"$HPPROF" tui --rank 7 job.db 2>err.txt && fail "tui --rank 7 succeeded"
assert_contains "tui --rank 7: the ranks there are" err.txt "its ranks: 0 1 2 3"
note "PASS"

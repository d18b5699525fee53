#!/bin/sh
# A rank whose hpprof is killed with it (docs/mpi.md, "When a rank fails"):
# when a launcher aborts a job it sends SIGTERM and soon after SIGKILL
# (mpirun: 1 s later by default), which may stop `hpprof run` before it has
# finished its file. No launcher here: the variables srun sets for a rank
# are set by hand, rank 0 runs to its end and rank 1's hpprof is killed
# (SIGKILL) once its file holds samples.
#   - merge finishes the unfinished file (symbolizes it), keeps every one
#     of its samples and warns that rank 1's profile stops early;
#   - report --ranks shows its exit as "?" (not measured) and the same note.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib
need_kernel julia

rank() {  # rank R PROGRAM ARGS...: run as rank R of a 2-rank job 4242
	r=$1
	shift
	env -u OMPI_COMM_WORLD_RANK -u PMI_RANK -u PMIX_RANK SLURM_PROCID="$r" SLURM_NTASKS=2 \
		SLURM_JOB_ID=4242 SLURM_STEP_ID=0 "$HPPROF" run -q -o 'prof.%r.db' "$@"
}
rank 0 "$KDIR/hp-calib" >out0.txt 2>err0.txt || { cat err0.txt >&2; fail "rank 0"; }

# Rank 1: a long julia (about 10 s of CPU) that is killed long before its end.
rank 1 "$KDIR/hp-julia" --repeat 100 >out1.txt 2>err1.txt &
hp=$!
prog=
for i in $(seq 1 240); do
	prog=$(pgrep -P "$hp" 2>/dev/null | head -n 1)
	n=0    # (sqlite3 would create the file before hpprof does: CI run of 2026-12-04)
	[ -s prof.1.db ] && n=$(sqlite3 -readonly prof.1.db \
		"SELECT COUNT(*) FROM samples WHERE event = 0" 2>/dev/null || echo 0)
	[ -n "$prog" ] && [ "${n:-0}" -gt 200 ] && break
	kill -0 "$hp" 2>/dev/null || { cat err1.txt >&2; fail "rank 1's hpprof ended on its own"; }
	sleep 0.5
done
[ -n "$prog" ] && [ "${n:-0}" -gt 200 ] || { kill "$hp"; fail "rank 1 never wrote 200 samples"; }
note "killing rank 1's hpprof (pid $hp) and then its program (pid $prog)"
kill -KILL "$hp"
wait "$hp" 2>/dev/null
kill -KILL "$prog" 2>/dev/null
own=$(q prof.1.db "SELECT COUNT(*) FROM samples WHERE event = 0")
assert_eq "rank 1's run_info has no exit_status" \
	"$(q prof.1.db "SELECT COUNT(*) FROM run_info WHERE key = 'exit_status'")" 0

"$HPPROF" merge -o job.db prof.0.db prof.1.db 2>merge.err || { cat merge.err >&2; fail "merge"; }
cat merge.err
assert_contains "merge: the unfinished file" merge.err "did not finish: symbolizing it now"
assert_contains "merge: rank 1 stops early" merge.err "rank 1: its profile stops early"
if grep -q "rank 0" merge.err; then fail "merge warned about rank 0, which ended well"; fi
assert_eq "rank 1: merged samples" "$(q job.db "SELECT samples FROM rank_profile WHERE rank = 1")" "$own"
assert_eq "rank 0: merged samples" "$(q job.db "SELECT samples FROM rank_profile WHERE rank = 0")" \
	"$(q prof.0.db "SELECT COUNT(*) FROM samples WHERE event = 0")"

"$HPPROF" report --ranks job.db >ranks.txt || fail "report --ranks"
assert_contains "report --ranks: the note" ranks.txt "rank 1: its profile stops early"
# The Exit column of rank 1: not measured, so "?" (never 0).
assert_eq "report --ranks: rank 1's exit" \
	"$(awk '$1 == "1" && $2 == "'"$(uname -n)"'" { print $NF }' ranks.txt)" "?"
"$HPPROF" report -n 3 prof.1.db >r1.txt || fail "report of the unfinished rank"
assert_contains "rank 1's report: its hot function" r1.txt calculate_z
note "PASS"

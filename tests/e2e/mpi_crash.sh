#!/bin/sh
# A rank that crashes (docs/mpi.md): 4 ranks of hp-mpi-pi under
# `hpprof run -o prof.%r.db`; once every rank computes, rank 2's program is
# killed (SIGKILL). Open MPI then aborts the job: it stops the other ranks'
# hpprof with SIGTERM, which stop their programs and finish their files.
#   - the crashed rank leaves its own database: finished, its samples up to
#     the crash, exit status 137 and signal Killed in run_info;
#   - the other ranks' databases say they were interrupted;
#   - merging all four names rank 2 as the one that failed (137, Killed)
#     and the others as interrupted;
#   - merging without prof.2.db says rank 2 of 4 is missing (run_info
#     mpi_ranks_missing = 2, and report --ranks says so too).
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/mpi_lib.sh"

# When it aborts a job, mpirun sends SIGTERM and, 1 s later by default,
# SIGKILL: too soon for hpprof to finish a file on a loaded machine. Give
# the ranks 30 s (docs/mpi.md says the same to users).
OMPI_MCA_odls_base_sigkill_timeout=30
export OMPI_MCA_odls_base_sigkill_timeout
# Enough darts that the job runs for many seconds: it is killed long before
# it ends (the test never waits for the end; see the deadline below).
mpirun_np 4 env HP_TEST_JOB="$T" "$HPPROF" run -q -o 'prof.%r.db' "$KDIR/hp-mpi-pi" --skew 2 \
	--samples 1e11 --rounds 1000 >out.txt 2>err.txt &
job=$!

# The rank 2 program of this job: its environment has this test's tag and
# its rank (hpprof passes its environment to the program it runs).
rank_pid() {
	for p in $(pgrep -x hp-mpi-pi); do
		e=$(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null) || continue
		echo "$e" | grep -qx "HP_TEST_JOB=$T" && echo "$e" | grep -qx "OMPI_COMM_WORLD_RANK=$1" &&
			echo "$p"
	done
}
# Wait until all 4 ranks run and rank 2 computes (at most 120 s on a
# loaded machine): by construction, rank 2 prints its "setup" phase's truth
# line (flushed) once MPI_Init has returned, before it computes; then 300
# more CPU samples (event 0, what rank_profile counts) in its file, taken
# while it computes (count_in_circle) - its report must show the compute.
# Counting samples alone was not enough: a rank waiting in MPI_Init on a
# loaded machine took 233 CPU samples there (the chroot run of wave 17).
cpu_samples() {
	sqlite3 -readonly prof.2.db "SELECT COUNT(*) FROM samples WHERE event = 0" 2>/dev/null || echo 0
}
victim= base=
for i in $(seq 1 240); do
	victim=$(rank_pid 2)
	if [ -n "$victim" ] && [ -n "$(rank_pid 0)" ] && [ -n "$(rank_pid 1)" ] && [ -n "$(rank_pid 3)" ] &&
	   [ -s prof.2.db ] && grep -q "scope=phase name=setup pid=$victim " out.txt; then
		[ -n "$base" ] || base=$(cpu_samples)
		[ "$(cpu_samples)" -gt $((base + 300)) ] && break
	fi
	victim=
	kill -0 $job 2>/dev/null || break
	sleep 0.5
done
if [ -z "$victim" ]; then
	kill $job 2>/dev/null
	cat err.txt >&2
	fail "rank 2 of the job never got going"
fi
note "killing rank 2 (pid $victim)"
kill -KILL "$victim"
# mpirun aborts the job; give it a minute at most.
for i in $(seq 1 120); do
	kill -0 $job 2>/dev/null || break
	sleep 0.5
done
if kill -0 $job 2>/dev/null; then
	kill $job
	fail "mpirun did not end after rank 2 was killed"
fi
wait $job
note "mpirun exited with status $?"

# --- the crashed rank's own database --------------------------------------
[ -f prof.2.db ] || fail "the crashed rank left no database"
fact() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
assert_eq "rank 2: exit_status" "$(fact prof.2.db exit_status)" 137
assert_eq "rank 2: signal" "$(fact prof.2.db signal)" Killed
assert_eq "rank 2: mpi_rank" "$(fact prof.2.db mpi_rank)" 2
n2=$(q prof.2.db "SELECT samples FROM rank_profile")
[ -n "$n2" ] && [ "$n2" -gt 200 ] || fail "rank 2's rank_profile has '$n2' samples"
"$HPPROF" report -n 3 prof.2.db >r2.txt || fail "report of the crashed rank"
assert_contains "rank 2's report: its kernel function" r2.txt count_in_circle
for r in 0 1 3; do
	[ -f "prof.$r.db" ] || fail "rank $r left no database"
	assert_eq "rank $r: interrupted" "$(fact "prof.$r.db" interrupted)" 1
done

# --- merging the whole job names the rank that failed ---------------------
"$HPPROF" merge -o all.db prof.0.db prof.1.db prof.2.db prof.3.db 2>merge.err ||
	{ cat merge.err >&2; fail "merge of the 4 ranks"; }
cat merge.err
assert_contains "merge: the failed rank" merge.err "rank 2 (prof.2.db) ended with exit status 137 (Killed)"
assert_contains "merge: the aborted rest" merge.err "3 of 4 ranks were interrupted"
assert_eq "merged samples" "$(q all.db "SELECT SUM(samples) FROM rank_profile")" \
	"$(for r in 0 1 2 3; do q prof.$r.db "SELECT COUNT(*) FROM samples WHERE event = 0"; done | awk '{ s += $1 } END { print s }')"

# --- merging without it says which rank is missing ------------------------
"$HPPROF" merge -o three.db prof.0.db prof.1.db prof.3.db 2>merge3.err ||
	{ cat merge3.err >&2; fail "merge of 3 ranks"; }
cat merge3.err
assert_contains "merge: the missing rank" merge3.err "rank 2 of 4 is missing"
assert_eq "run_info mpi_ranks_missing" "$(fact three.db mpi_ranks_missing)" 2
"$HPPROF" report --ranks three.db >ranks.txt || fail "report --ranks"
assert_contains "report --ranks: the missing rank" ranks.txt "rank 2 of 4 is missing"
note "PASS"

#!/bin/sh
# hpprof under Slurm's srun (docs/mpi.md, "Under Slurm"), with the
# variables srun gives each task set by hand: Slurm is not installed on the
# machine hpprof is tested on, so this is not a run under a real srun. Two
# tasks of job 4242, step 3, on a node Slurm calls "slurm-node-7", started
# together as srun starts them:
#   - each task's file is named by -o 'prof.%h.%r.db' with its rank and the
#     host name the kernel gives (uname -n; SLURMD_NODENAME is not read);
#   - run_info: mpi_rank = SLURM_PROCID, mpi_size = SLURM_NTASKS, mpi_job =
#     SLURM_JOB_ID.SLURM_STEP_ID, mpi_rank_from, hostname;
#   - merged, the two files are 2 of 2 ranks of job 4242.3, without a warning;
#   - without SLURM_STEP_ID the job is SLURM_JOB_ID; SLURM_NPROCS stands in
#     for SLURM_NTASKS (older Slurm);
#   - srun --mpi=pmix also gives its tasks PMIX_RANK and PMIX_NAMESPACE,
#     which come first: the rank is the same, the size SLURM_NTASKS.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"

# Only the variables each case sets: a test run under a launcher must not
# leak its own rank into the cases.
clean() {
	env -u OMPI_COMM_WORLD_RANK -u OMPI_COMM_WORLD_SIZE -u OMPI_MCA_ess_base_jobid \
	    -u PMI_RANK -u PMI_SIZE -u PMIX_RANK -u PMIX_NAMESPACE -u SLURM_PROCID \
	    -u SLURM_NTASKS -u SLURM_NPROCS -u SLURM_JOB_ID -u SLURM_STEP_ID \
	    -u SLURMD_NODENAME "$@"
}
fact() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
host=$(uname -n)
# A program with some CPU time, so that each rank has samples to merge.
PROG=$KDIR/hp-julia
[ -x "$PROG" ] || skip "hp-julia is not built"

# --- two tasks of one job step, started together --------------------------
for r in 0 1; do
	clean env SLURM_PROCID=$r SLURM_NTASKS=2 SLURM_JOB_ID=4242 SLURM_STEP_ID=3 \
		SLURMD_NODENAME=slurm-node-7 \
		"$HPPROF" run -q -o 'prof.%h.%r.db' "$PROG" --small >"task$r.out" 2>"task$r.err" &
	eval "pid$r=\$!"
done
wait "$pid0" || { cat task0.err >&2; fail "task 0"; }
wait "$pid1" || { cat task1.err >&2; fail "task 1"; }
ls prof.slurm-node-7.* 2>/dev/null && fail "%h expanded to SLURMD_NODENAME"
for r in 0 1; do
	db=prof.$host.$r.db
	[ -f "$db" ] || { ls >&2; fail "task $r: no $db (-o 'prof.%h.%r.db')"; }
	assert_eq "task $r: mpi_rank" "$(fact "$db" mpi_rank)" $r
	assert_eq "task $r: mpi_size" "$(fact "$db" mpi_size)" 2
	assert_eq "task $r: mpi_job" "$(fact "$db" mpi_job)" 4242.3
	assert_eq "task $r: mpi_rank_from" "$(fact "$db" mpi_rank_from)" SLURM_PROCID
	assert_eq "task $r: hostname" "$(fact "$db" hostname)" "$host"
	assert_eq "task $r: rank_profile" "$(q "$db" "SELECT rank || ' ' || host FROM rank_profile")" "$r $host"
	grep -q warning "task$r.err" && { cat "task$r.err" >&2; fail "task $r warned"; }
done

"$HPPROF" merge -o job.db "prof.$host.0.db" "prof.$host.1.db" 2>merge.err ||
	{ cat merge.err >&2; fail "merge"; }
if grep -q warning merge.err; then cat merge.err >&2; fail "merge of both tasks warned"; fi
"$HPPROF" report --ranks job.db >ranks.txt || fail "report --ranks"
assert_contains "report --ranks: the job" ranks.txt "MPI ranks: 2 of 2 (job 4242.3)"
for r in 0 1; do
	assert_eq "merged rank $r: its samples" "$(q job.db "SELECT samples FROM rank_profile WHERE rank = $r")" \
		"$(q "prof.$host.$r.db" "SELECT samples FROM rank_profile")"
done

# --- older and other srun environments ------------------------------------
TRUE=$(command -v true)
clean env SLURM_PROCID=1 SLURM_NPROCS=2 SLURM_JOB_ID=77 "$HPPROF" run -q -o 'old.%r.db' "$TRUE" ||
	fail "run with SLURM_NPROCS"
assert_eq "SLURM_NPROCS: mpi_size" "$(fact old.1.db mpi_size)" 2
assert_eq "no SLURM_STEP_ID: mpi_job" "$(fact old.1.db mpi_job)" 77
clean env SLURM_PROCID=1 SLURM_NTASKS=2 SLURM_JOB_ID=4242 SLURM_STEP_ID=3 PMIX_RANK=1 \
	PMIX_NAMESPACE=slurm.pmix.4242.3 "$HPPROF" run -q -o 'pmix.%r.db' "$TRUE" ||
	fail "run with srun --mpi=pmix's variables"
assert_eq "srun --mpi=pmix: mpi_rank" "$(fact pmix.1.db mpi_rank)" 1
assert_eq "srun --mpi=pmix: mpi_rank_from" "$(fact pmix.1.db mpi_rank_from)" PMIX_RANK
assert_eq "srun --mpi=pmix: mpi_size from SLURM_NTASKS" "$(fact pmix.1.db mpi_size)" 2
assert_eq "srun --mpi=pmix: mpi_job" "$(fact pmix.1.db mpi_job)" slurm.pmix.4242.3
note "PASS"

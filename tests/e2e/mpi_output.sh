#!/bin/sh
# `hpprof run -o` patterns and the facts of an MPI rank, without a launcher:
# the variables mpirun (OMPI_COMM_WORLD_*), Hydra (PMI_*), PMIx (PMIX_*) and
# srun (SLURM_*) set for each rank are set here by hand, as srun would (srun
# is not installed here; docs/mpi.md). The program is /bin/true.
#   %r the rank, %h the host, %p hpprof's pid, %% a '%'; an unknown %x, a
#   lone %, and %r outside a job are usage errors (exit 2, nothing written);
#   as a rank without -o the file is hpprof.RANK.db; a pattern every rank
#   shares is warned about; run_info has mpi_rank, mpi_size, mpi_job,
#   mpi_rank_from, and no mpi_* key outside a job.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"

# Only the variables each case sets: a test run under a launcher must not
# leak its own rank into the cases.
clean() {
	env -u OMPI_COMM_WORLD_RANK -u OMPI_COMM_WORLD_SIZE -u OMPI_MCA_ess_base_jobid \
	    -u PMI_RANK -u PMI_SIZE -u PMIX_RANK -u PMIX_NAMESPACE -u SLURM_PROCID \
	    -u SLURM_NTASKS -u SLURM_NPROCS -u SLURM_JOB_ID -u SLURM_STEP_ID "$@"
}
fact() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
TRUE=$(command -v true)

# Outside a job: no mpi_* facts, %r is an error, %h %p %% expand.
clean "$HPPROF" run -q -o 'plain.%h.%%.db' "$TRUE" || fail "run -o plain.%h.%%.db"
[ -f "plain.$(uname -n).%.db" ] || { ls >&2; fail "%h and %% did not expand"; }
assert_eq "mpi_* facts outside a job" "$(q "plain.$(uname -n).%.db" \
	"SELECT COUNT(*) FROM run_info WHERE key LIKE 'mpi%'")" 0
assert_eq "rank_profile outside a job: one row, no rank" \
	"$(q "plain.$(uname -n).%.db" "SELECT COALESCE(rank, 'none') || ' ' || samples FROM rank_profile" | cut -d' ' -f1)" none
clean "$HPPROF" run -q -o 'p.%r.db' "$TRUE" 2>err.txt
assert_eq "%r outside a job: exit status" $? 2
assert_contains "%r outside a job: the message" err.txt "no launcher set one"
[ ! -e p.%r.db ] && [ ! -e p..db ] || fail "%r outside a job wrote a file"
for bad in 'x.%q.db' 'x.%'; do
	clean "$HPPROF" run -q -o "$bad" "$TRUE" 2>err.txt
	assert_eq "-o '$bad': exit status" $? 2
done
assert_contains "a lone %" err.txt "lone '%'"
ls x.* 2>/dev/null && fail "a bad -o pattern wrote a file"

# %p: hpprof's own pid (the file is named before the program starts).
clean "$HPPROF" run -q -o 'pid.%p.db' "$TRUE" || fail "run -o pid.%p.db"
n=$(ls pid.*.db | wc -l)
assert_eq "%p files" "$n" 1
p=$(ls pid.*.db | sed 's/^pid\.\([0-9]*\)\.db$/\1/')
[ -n "$p" ] && [ "$p" -gt 1 ] || fail "%p expanded to '$p'"

# Each launcher's variables.
check_rank() {  # check_rank NAME RANK SIZE JOB FROM -- ENV...
	name=$1 rank=$2 size=$3 job=$4 from=$5
	shift 6
	clean env "$@" "$HPPROF" run -q -o "$name.%r.db" "$TRUE" || fail "$name: run"
	db="$name.$rank.db"
	[ -f "$db" ] || { ls >&2; fail "$name: no $db"; }
	assert_eq "$name: mpi_rank" "$(fact "$db" mpi_rank)" "$rank"
	assert_eq "$name: mpi_size" "$(fact "$db" mpi_size)" "$size"
	assert_eq "$name: mpi_job" "$(fact "$db" mpi_job)" "$job"
	assert_eq "$name: mpi_rank_from" "$(fact "$db" mpi_rank_from)" "$from"
	assert_eq "$name: rank_profile" "$(q "$db" "SELECT rank FROM rank_profile")" "$rank"
}
check_rank ompi 3 4 77 OMPI_COMM_WORLD_RANK -- OMPI_COMM_WORLD_RANK=3 OMPI_COMM_WORLD_SIZE=4 \
	OMPI_MCA_ess_base_jobid=77 PMIX_RANK=3 PMIX_NAMESPACE=ns
check_rank hydra 5 8 "" PMI_RANK -- PMI_RANK=5 PMI_SIZE=8
check_rank pmix 2 "" ns7 PMIX_RANK -- PMIX_RANK=2 PMIX_NAMESPACE=ns7
check_rank srun 11 16 4242.0 SLURM_PROCID -- SLURM_PROCID=11 SLURM_NTASKS=16 SLURM_JOB_ID=4242 \
	SLURM_STEP_ID=0
# A rank that is not a number is no rank: the next variable decides.
check_rank skip 6 "" "" PMI_RANK -- OMPI_COMM_WORLD_RANK=x PMI_RANK=6

# A rank without -o writes hpprof.RANK.db; -o without %r or %p is warned about.
clean env SLURM_PROCID=1 SLURM_NTASKS=2 "$HPPROF" run -q "$TRUE" || fail "rank without -o"
[ -f hpprof.1.db ] || { ls >&2; fail "a rank without -o did not write hpprof.1.db"; }
clean env SLURM_PROCID=1 SLURM_NTASKS=2 "$HPPROF" run -q -o same.db "$TRUE" 2>err.txt ||
	fail "rank with -o same.db"
assert_contains "one file for every rank" err.txt "names the same file for every rank"
note "PASS"

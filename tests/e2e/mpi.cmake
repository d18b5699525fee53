# MPI jobs profiled rank by rank (issue 18, docs/mpi.md): -o patterns and
# the rank's run_info without a launcher, a 4-rank job of hp-mpi-pi under
# Open MPI's mpirun (imbalance, MPI time, merge, per-function min/mean/max,
# pprof labels, report/tui/diff), a rank that crashes, and a rank whose
# hpprof is killed with it (no launcher needed), and the rank dimension
# of the TUI (under tmux), report --rank and diff --ranks. The mpirun tests
# exit 77 when mpirun or the MPI kernel is missing.
hp_script_test(e2e_mpi_output e2e e2e/mpi_output.sh)
hp_script_test(e2e_mpi_imbalance e2e e2e/mpi_imbalance.sh)
hp_script_test(e2e_mpi_crash e2e e2e/mpi_crash.sh)
hp_script_test(e2e_mpi_killed e2e e2e/mpi_killed.sh)
hp_script_test(e2e_mpi_views e2e e2e/mpi_views.sh)
# diff of two jobs (--skew 2 before, --skew 1 after): per-function
# min/mean/max across ranks against the per-rank files, the imbalance and
# its fall against the ranks' own truth.
hp_script_test(e2e_mpi_diff e2e e2e/mpi_diff.sh)
# the TUI's ranks view comparing the two jobs of a --diff session (under
# tmux), its figures against `hpprof diff --ranks -f json` of the same files.
hp_script_test(e2e_mpi_tui_diff e2e e2e/mpi_tui_diff.sh)
# the same comparison with --threshold/--alpha (against diff's JSON with the
# same options), under a rank and a time filter (against report --rank and
# --from/--to of each job), the reasons where nothing compares, and the two
# jobs' timelines on one time axis (against the samples' times).
hp_script_test(e2e_mpi_tui_filters e2e e2e/mpi_tui_filters.sh)
# the timeline (8) of the two jobs under a rank, thread or process filter:
# each run's header samples against `report --rank/--tid/--pid -f json`.
hp_script_test(e2e_mpi_tui_timeline e2e e2e/mpi_tui_timeline.sh)
# srun's variables (SLURM_*) set by hand for the two tasks of a job step:
# run_info, -o %r/%h, merge (no Slurm here; docs/mpi.md).
hp_script_test(e2e_mpi_srun e2e e2e/mpi_srun.sh)
if(TARGET hp-mpi-pi)
  # The kernel alone (a singleton rank) and its variant list.
  hp_script_test(kernel_mpi-pi_allreduce e2e e2e/kernels_run.sh mpi-pi --variant allreduce --small)
  hp_script_test(kernel_variants_covered_mpi e2e e2e/kernels_variants.sh mpi-pi:allreduce)
endif()
# Two busy-polling MPI jobs at once (ctest -j2) slow each other's waits in
# ways their truths then record (e2e_mpi_imbalance says so when it happens):
# the mpirun tests take turns.
set_tests_properties(e2e_mpi_imbalance e2e_mpi_crash e2e_mpi_views e2e_mpi_diff e2e_mpi_tui_diff
  e2e_mpi_tui_filters e2e_mpi_tui_timeline
  PROPERTIES
  RESOURCE_LOCK mpirun)

# e2e tests of `hpprof run` / `report` (issue 2): real runs on the kernels.
foreach(t run_julia run_julia_variants run_processes run_bad_input run_lifecycle)
  hp_script_test(e2e_${t} e2e e2e/${t}.sh)
endforeach()
hp_script_test(e2e_install_layout e2e e2e/install_layout.sh)
add_executable(noperf ${CMAKE_SOURCE_DIR}/tests/fixtures/noperf/noperf.c)
hp_script_test(e2e_run_noperf e2e e2e/run_noperf.sh)
hp_script_test(e2e_run_diskfull e2e e2e/run_diskfull.sh)
# Issue 15: outputs never destroy what hpprof did not write; messages say what failed.
hp_script_test(e2e_run_outputs e2e e2e/run_outputs.sh)
# Issue 15: a static binary (no .eh_frame_hdr) unwinds from its .eh_frame.
hp_script_test(e2e_run_static e2e e2e/run_static.sh)
# Issue 12: the perf rings grow with -F (no samples lost at a high rate).
hp_script_test(e2e_run_rings e2e e2e/run_rings.sh)
hp_script_test(e2e_run_rings_budget e2e e2e/run_rings_budget.sh)
# Wave 24: a program whose exec raises its privileges is said, not an empty profile.
add_executable(setid_spin ${CMAKE_SOURCE_DIR}/tests/fixtures/setid/setid_spin.c)
hp_script_test(e2e_run_privileged e2e e2e/run_privileged.sh)
# Wave 24: a program in a chroot: its files read through its root.
# Static (a chroot without libraries), so without the sanitizers, which
# cannot link statically.
foreach(t chroot_prog chroot_decoy)
  add_executable(${t} ${CMAKE_SOURCE_DIR}/tests/fixtures/chroot/chroot_prog.c)
  get_target_property(_o ${t} COMPILE_OPTIONS)
  list(FILTER _o EXCLUDE REGEX "^-fsanitize|^-fno-omit-frame-pointer")
  set_target_properties(${t} PROPERTIES COMPILE_OPTIONS "${_o}" LINK_OPTIONS "-static")
endforeach()
target_compile_definitions(chroot_decoy PRIVATE HP_DECOY=1)
hp_script_test(e2e_run_chroot e2e e2e/run_chroot.sh)
# wave 25: a program in another mount namespace: its files through /proc/PID/root
hp_script_test(e2e_run_mountns e2e e2e/run_mountns.sh)
# wave 25: a profile being written is the run's alone (its writer lock)
hp_script_test(e2e_run_concurrent e2e e2e/run_concurrent.sh)
# wave 25: a low soft descriptor limit: hpprof raises its own, not the program's
hp_script_test(e2e_run_fd_limit e2e e2e/run_fd_limit.sh)
# wave 26: a program or library gone from its name (deleted, replaced, a
# memfd) is read through its process. Without the sanitizers: the program
# execs copies of itself.
add_executable(gone_prog ${CMAKE_SOURCE_DIR}/tests/fixtures/gone/gone_prog.c)
add_library(gone_lib SHARED ${CMAKE_SOURCE_DIR}/tests/fixtures/gone/gone_lib.c)
target_link_libraries(gone_prog PRIVATE ${CMAKE_DL_LIBS})
foreach(t gone_prog gone_lib)
  get_target_property(_o ${t} COMPILE_OPTIONS)
  list(FILTER _o EXCLUDE REGEX "^-fsanitize|^-fno-omit-frame-pointer")
  set_target_properties(${t} PROPERTIES COMPILE_OPTIONS "${_o}" LINK_OPTIONS "")
endforeach()
hp_script_test(e2e_run_gone e2e e2e/run_gone.sh)
# The phases of a run and their times with --debug=run:1 (docs/performance.md).
hp_script_test(e2e_run_phases e2e e2e/run_phases.sh)
# Issue 12: the database opened once the program runs; when that fails, the program runs on.
hp_script_test(e2e_run_latestore e2e e2e/run_latestore.sh)
# Issue 12 (wave 14): the profile is one closed, finished file when run returns.
hp_script_test(e2e_run_closed e2e e2e/run_closed.sh)
# Wave 19: whole-run counters are inherited once a child, not once a CPU.
hp_script_test(e2e_run_fork_events e2e e2e/run_fork_events.sh)
# Wave 15: a killed run finished by a reader says what it lacks, and how long it ran.
hp_script_test(e2e_run_unfinished e2e e2e/run_unfinished.sh)
# Wave 20: run into a closed stdout and stderr records to the end, with the program's status.
hp_script_test(e2e_run_closed_pipe e2e e2e/run_closed_pipe.sh)
# Issue 15: every database readable after a SIGKILL at a random moment (50 trials).
hp_script_test(e2e_run_kill9 e2e e2e/run_kill9.sh)
set_tests_properties(e2e_run_kill9 PROPERTIES TIMEOUT 1200)
# bench tier (docs/reliability.md): what the store's crash safety costs.
add_executable(bench_store_durability ${CMAKE_SOURCE_DIR}/bench/store_durability.c)
target_link_libraries(bench_store_durability PRIVATE hp_common)
add_test(NAME bench_store_durability COMMAND bench_store_durability ${CMAKE_BINARY_DIR} 1000000 20000 5)
set_tests_properties(bench_store_durability PROPERTIES LABELS bench TIMEOUT 1800)

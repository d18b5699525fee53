# e2e tests of off-CPU recording, wall-clock views and attach (issue 16).
add_executable(offcpu_fixture ${CMAKE_SOURCE_DIR}/tests/fixtures/offcpu/offcpu_fixture.c)
target_link_libraries(offcpu_fixture PRIVATE Threads::Threads)
target_compile_options(offcpu_fixture PRIVATE -O1 -g)
add_executable(offcpu_asleep ${CMAKE_SOURCE_DIR}/tests/fixtures/offcpu/asleep.c)
target_link_libraries(offcpu_asleep PRIVATE Threads::Threads)
target_compile_options(offcpu_asleep PRIVATE -O1 -g)
foreach(t offcpu_sleep offcpu_mutex offcpu_flood offcpu_events)
  hp_script_test(e2e_${t} e2e e2e/${t}.sh)
endforeach()
hp_script_test(e2e_run_attach e2e e2e/run_attach.sh)
hp_script_test(e2e_offcpu_io e2e e2e/offcpu_io.sh)
# Attached to a switch flood: every wait without a stack is a lost record.
hp_script_test(e2e_offcpu_attach e2e e2e/offcpu_attach.sh)
# wave 16: a thread asleep when an attach begins has its wait from the attach on
hp_script_test(e2e_offcpu_attach_asleep e2e e2e/offcpu_attach_asleep.sh)
# wave 20: records lost at a run's end, counted from the events (PERF_FORMAT_LOST)
add_executable(offcpu_held ${CMAKE_SOURCE_DIR}/tests/fixtures/offcpu/held.c)
target_link_libraries(offcpu_held PRIVATE Threads::Threads)
target_compile_options(offcpu_held PRIVATE -O1 -g)
hp_script_test(e2e_run_lost_end e2e e2e/run_lost_end.sh)
# wave 20: the first attach of a boot writes the kernel symbol table
hp_script_test(e2e_kstack_cache e2e e2e/kstack_cache.sh)

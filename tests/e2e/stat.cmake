# hpprof stat and hpprof list, end to end (label e2e). The fixture touches a
# known number of pages and sleeps a known number of times, so its software
# counts can be checked against perf stat.
add_executable(stat_touch ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/stat/touch.c)

hp_script_test(stat_vs_perf e2e e2e/stat_vs_perf.sh $<TARGET_FILE:stat_touch>)
hp_script_test(stat_json    e2e e2e/stat_json.sh $<TARGET_FILE:stat_touch>)
hp_script_test(stat_nopmu   e2e e2e/stat_nopmu.sh)
hp_script_test(stat_exit    e2e e2e/stat_exit.sh)
hp_script_test(stat_sigint  e2e e2e/stat_sigint.sh)
hp_script_test(stat_list    e2e e2e/stat_list.sh)
hp_script_test(stat_help    e2e e2e/stat_help.sh)
# stat_vs_perf compares context switches (preemptions included) only with
# the fixture's own count of the same runs, so it may run beside other tests.
hp_script_test(stat_output  e2e e2e/stat_output.sh)

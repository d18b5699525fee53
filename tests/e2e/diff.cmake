# hpprof diff and merge, end to end (label e2e): the book's pairs of
# diffusion variants with the directions they must show, line pairing on a
# program built twice, repeated runs with the t-test, merge totals, and the
# command lines. Tests that need the kernels skip (77) until they are built.
add_executable(diff_shift_a ${CMAKE_SOURCE_DIR}/tests/fixtures/diff/shift.c)
add_executable(diff_shift_b ${CMAKE_SOURCE_DIR}/tests/fixtures/diff/shift.c)
target_compile_definitions(diff_shift_b PRIVATE SHIFT)
# The calibration program of the time verdicts, in two versions: with
# FAST, work_a does a third of its work and the others keep theirs.
add_executable(diff_speedup ${CMAKE_SOURCE_DIR}/tests/fixtures/diff/speedup.c)
add_executable(diff_speedup_fast ${CMAKE_SOURCE_DIR}/tests/fixtures/diff/speedup.c)
target_compile_definitions(diff_speedup_fast PRIVATE FAST)
foreach(t diff_shift_a diff_shift_b diff_speedup diff_speedup_fast)
  target_compile_options(${t} PRIVATE -O2 -g)
endforeach()

hp_script_test(diff_lines      e2e e2e/diff_lines.sh $<TARGET_FILE:diff_shift_a>
               $<TARGET_FILE:diff_shift_b>)
hp_script_test(diff_pagefaults e2e e2e/diff_pagefaults.sh)
hp_script_test(diff_alloc      e2e e2e/diff_alloc.sh)
hp_script_test(diff_repeated   e2e e2e/diff_repeated.sh)
hp_script_test(diff_merge      e2e e2e/diff_merge.sh)
hp_script_test(merge_counters  e2e e2e/merge_counters.sh)
hp_script_test(merge_facts     e2e e2e/merge_facts.sh)
hp_script_test(merge_rates     e2e e2e/merge_rates.sh)
hp_script_test(merge_where     e2e e2e/merge_where.sh)
hp_script_test(diff_merge_rates e2e e2e/diff_merge_rates.sh)
hp_script_test(merge_of_merges e2e e2e/merge_of_merges.sh)
hp_script_test(merge_shares    e2e e2e/merge_shares.sh $<TARGET_FILE:first_touch>)
hp_script_test(diff_cli        e2e e2e/diff_cli.sh)
hp_script_test(diff_time       e2e e2e/diff_time.sh $<TARGET_FILE:diff_speedup>
               $<TARGET_FILE:diff_speedup_fast>)
hp_script_test(diff_gate       e2e e2e/diff_gate.sh $<TARGET_FILE:diff_speedup>)
# A stripped program under two names: its unnamed functions (MODULE+0x...)
# join as the program's (wave 17, second round).
hp_script_test(diff_stripped   e2e e2e/diff_stripped.sh $<TARGET_FILE:diff_speedup>)
# Three runs per side: the pooled run-to-run spread finds work_c's +30%
# and flags nothing else, nor anything between runs of one build (wave 18).
hp_script_test(diff_few_runs   e2e e2e/diff_few_runs.sh $<TARGET_FILE:diff_speedup>)

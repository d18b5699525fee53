# Issue 12: the run loop's wake-ups, counted against truths of the run
# (docs/performance.md, "Wave 12: during the run").
add_executable(loop_fixture ${CMAKE_SOURCE_DIR}/tests/fixtures/loop/loop_fixture.c)
target_compile_options(loop_fixture PRIVATE -O1 -g)
set_target_properties(loop_fixture PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
hp_script_test(e2e_run_loop e2e e2e/run_loop.sh)

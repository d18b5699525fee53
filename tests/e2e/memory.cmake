# e2e tests of memory growth and allocation tracking (issue 5).
hp_script_test(e2e_memory_growth e2e e2e/memory_growth.sh)
hp_script_test(e2e_memory_alloc e2e e2e/memory_alloc.sh)
set_tests_properties(e2e_memory_growth PROPERTIES RUN_SERIAL TRUE)
# Issue 15: a fork storm under --alloc loses no process and no allocation stack.
add_executable(forkstorm ${CMAKE_SOURCE_DIR}/tests/fixtures/forkstorm/forkstorm.c)
target_compile_options(forkstorm PRIVATE -O1 -g -fno-omit-frame-pointer)
set_target_properties(forkstorm PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
hp_script_test(e2e_memory_forkstorm e2e e2e/memory_forkstorm.sh)

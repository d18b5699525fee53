# e2e tests of memory growth and allocation tracking (issue 5).
hp_script_test(e2e_memory_growth e2e e2e/memory_growth.sh)
hp_script_test(e2e_memory_alloc e2e e2e/memory_alloc.sh)
set_tests_properties(e2e_memory_growth PROPERTIES RUN_SERIAL TRUE)
# issue 13: per-process peaks, callers of allocation sites, the tracker's own memory
hp_script_test(e2e_memory_procs e2e e2e/memory_procs.sh)
hp_script_test(e2e_memory_callers e2e e2e/memory_callers.sh)
hp_script_test(e2e_memory_overhead e2e e2e/memory_overhead.sh)
# the --alloc stream's writer waits, made by stopping hpprof for a second
hp_script_test(e2e_memory_waits e2e e2e/memory_waits.sh)
# the benchmark of issue 13 (label bench: make bench, not make test on a tree
# whose make test leaves the bench label out): bench/memory_bench.sh
hp_script_test(bench_memory bench ../bench/memory_bench.sh)
set_tests_properties(bench_memory PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)
# Issue 15: a fork storm under --alloc loses no process and no allocation stack.
add_executable(forkstorm ${CMAKE_SOURCE_DIR}/tests/fixtures/forkstorm/forkstorm.c)
target_compile_options(forkstorm PRIVATE -O1 -g -fno-omit-frame-pointer)
set_target_properties(forkstorm PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
hp_script_test(e2e_memory_forkstorm e2e e2e/memory_forkstorm.sh)
# wave 16: C++ operator new's frames are left out of allocation stacks (as heaptrack)
hp_script_test(e2e_memory_cxx e2e e2e/memory_cxx.sh)
# wave 24: process images the preload library never reached are said
hp_script_test(e2e_memory_untracked e2e e2e/memory_untracked.sh)
# wave 25: how an image ended (exit, _exit, exec, a kill) under --alloc
hp_script_test(e2e_memory_ends e2e e2e/memory_ends.sh)

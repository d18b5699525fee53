# Timing benchmarks as CTest tests with the label `bench`: `make bench` runs
# them (ctest -L bench), `make test` does not (ctest -LE bench). Each prints
# its figures and its budget; a figure over budget is reported, and fails
# the test only with HP_BENCH_STRICT=1 in the environment, because a shared
# or loaded machine is slow for reasons that are not hpprof's.
# Included from tests/CMakeLists.txt (hp_script_test paths are relative to
# tests/).
hp_script_test(bench_export_perf bench ../bench/export_perf.sh $<TARGET_FILE:hp_synth>)
hp_script_test(bench_tui_perf    bench ../bench/tui_perf.sh $<TARGET_FILE:tui_gen_big>)
hp_script_test(bench_kernels     bench ../bench/kernels.sh)
hp_script_test(bench_mpi         bench ../bench/mpi.sh)
hp_script_test(bench_offcpu      bench ../bench/offcpu.sh)
# The book's chapter 6 table with simulated caches (valgrind; exit 77 without).
hp_script_test(bench_cachesim_book bench ../bench/cachesim_book.sh)
# Benchmarks run alone: their figures are times.
set_tests_properties(bench_export_perf bench_tui_perf bench_kernels bench_offcpu bench_cachesim_book
                     bench_mpi
                     PROPERTIES RUN_SERIAL TRUE)

# The kernel's stack copy by size (bench/stackcopy.sh): a sampler that drops
# its records, so only the cost in the sampled program is measured.
add_executable(hp_stackcopy ${CMAKE_SOURCE_DIR}/bench/stackcopy.c)
set_target_properties(hp_stackcopy PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
hp_script_test(bench_stackcopy bench ../bench/stackcopy.sh ${CMAKE_BINARY_DIR} 5)
# Issue 12's fixed cost: `hpprof run /bin/true` with a warm symbol cache
# <= 30 ms of CPU, beside perf record (bench/symcache.sh; wave 17).
hp_script_test(bench_fixed_cost bench ../bench/symcache.sh ${CMAKE_BINARY_DIR} 11 --check 30)
set_tests_properties(bench_fixed_cost PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)
hp_script_test(bench_overhead  bench ../bench/overhead.sh ${CMAKE_BINARY_DIR} 11)
set_tests_properties(bench_stackcopy bench_overhead PROPERTIES RUN_SERIAL TRUE TIMEOUT 1200)
hp_script_test(bench_python_overhead bench ../bench/python_overhead.sh)
set_tests_properties(bench_python_overhead PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)
# hpprof top's own CPU time at 1 Hz on a 16-thread program (issue 16).
hp_script_test(bench_top_overhead bench ../bench/top_overhead.sh)
set_tests_properties(bench_top_overhead PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)
# The agent's cost with pyenv's CPython 3.11 (a libpython build) and Debian's.
hp_script_test(bench_python_pyenv bench ../bench/python_pyenv.sh)
set_tests_properties(bench_python_pyenv PROPERTIES RUN_SERIAL TRUE TIMEOUT 1800)
hp_script_test(bench_python_attach bench ../bench/python_attach.sh)
# An attached Python ping-pong, bare / --no-off-cpu / --off-cpu / perf (issue 16).
hp_script_test(bench_python_pingpong bench ../bench/python_pingpong.sh)
set_tests_properties(bench_python_pingpong PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)
set_tests_properties(bench_python_attach PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)
# Off-CPU recording of a launched CPython under the preload agent: hpprof's
# and the target's CPU, on / --no-off-cpu (docs/offcpu.md).
hp_script_test(bench_python_offcpu bench ../bench/python_offcpu.sh)
set_tests_properties(bench_python_offcpu PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)

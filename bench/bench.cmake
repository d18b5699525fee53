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
# Benchmarks run alone: their figures are times.
set_tests_properties(bench_export_perf bench_tui_perf bench_kernels bench_mpi bench_offcpu
                     PROPERTIES RUN_SERIAL TRUE)

# Kernel frames against perf (issue 12): the kernel functions hpprof names on
# a real workload, and their shares, against `perf report --sort sym`.
hp_script_test(kernel_vs_perf realworld realworld/kernel_vs_perf.sh)
# Two profilers' runs compared: keep other tests' load away from them.
set_tests_properties(kernel_vs_perf PROPERTIES RUN_SERIAL TRUE)

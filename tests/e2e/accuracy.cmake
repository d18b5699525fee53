# Issue 3: the accuracy suite - hpprof's output against the kernels' ground truth.
hp_script_test(e2e_accuracy_calib e2e e2e/accuracy_calib.sh)
hp_script_test(e2e_accuracy_kernels e2e e2e/accuracy_kernels.sh)
# The truths are the kernels' own CPU-time figures of the same run, which
# other load does not change: these tests may run beside others.

# Issue 3: the accuracy suite - hpprof's output against the kernels' ground truth.
hp_script_test(e2e_accuracy_calib e2e e2e/accuracy_calib.sh)
hp_script_test(e2e_accuracy_kernels e2e e2e/accuracy_kernels.sh)
# Ground truths with timing or balance in them run alone, not beside other tests.
set_tests_properties(e2e_accuracy_calib e2e_accuracy_kernels PROPERTIES RUN_SERIAL TRUE)

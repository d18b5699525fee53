# e2e tests of counters in samples and the no-PMU fallback (issue 4).
hp_script_test(e2e_counters e2e e2e/counters.sh)

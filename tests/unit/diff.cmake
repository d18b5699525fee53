# analyzer/diff*.c: time verdicts, minor rows, normalization, Welch over
# runs and the --fail-if gates, on profiles built by hand.
hp_unit_test(test_diff SOURCES unit/test_diff.c LIBS hp_analyzer m)
# analyzer/diff_judge.c: the run-to-run spread pooled over the rows of a
# diff with 3 runs a side (wave 18).
hp_unit_test(test_diff_pool SOURCES unit/test_diff_pool.c LIBS hp_analyzer m)
# analyzer/ranks_diff.c: the sampling error of a job's load imbalance
# against simulated jobs.
hp_unit_test(test_ranks SOURCES unit/test_ranks.c LIBS hp_analyzer m)

# analyzer/diff*.c: time verdicts, minor rows, normalization, Welch over
# runs and the --fail-if gates, on profiles built by hand.
hp_unit_test(test_diff SOURCES unit/test_diff.c LIBS hp_analyzer m)
# analyzer/ranks_diff.c: the sampling error of a job's load imbalance
# against simulated jobs.
hp_unit_test(test_ranks SOURCES unit/test_ranks.c LIBS hp_analyzer m)

# analyzer/diff*.c: time verdicts, minor rows, normalization, Welch over
# runs and the --fail-if gates, on profiles built by hand.
hp_unit_test(test_diff SOURCES unit/test_diff.c LIBS hp_analyzer m)

# Unit test of the CPU time a run's samples did not see (analyzer/unseen.c).
hp_unit_test(test_unseen SOURCES unit/test_unseen.c LIBS hp_analyzer hp_common)

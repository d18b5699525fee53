# Unit test of the complete-stacks census (issue 12): counts, names, rounding.
hp_unit_test(test_census SOURCES unit/test_census.c LIBS hp_analyzer hp_common)

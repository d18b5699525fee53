# Unit test of the line accumulator (analyzer/lineacc.c): sums per
# (function, file, line), order of rows, saturation, growth.
hp_unit_test(test_lineacc SOURCES unit/test_lineacc.c LIBS hp_analyzer hp_common)

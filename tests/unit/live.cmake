# Unit test of the live table of hpprof top (analyzer/live.c): a real store
# taps its samples, a real symbolizer names this test's own functions.
hp_unit_test(test_live SOURCES unit/test_live.c LIBS hp_analyzer hp_common)
target_compile_options(test_live PRIVATE -O0 -g)

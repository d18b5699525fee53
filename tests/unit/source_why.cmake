# Unit test of annotate_source_why (analyzer/annotate.c): the one reason,
# with its remedy, why annotate and the TUI show no source.
hp_unit_test(test_source_why SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_source_why.c LIBS hp_analyzer)

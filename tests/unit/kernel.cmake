# analyzer/ksyms.c: kernel addresses to kernel function names, from
# /proc/kallsyms- and /proc/modules-format files written by the test (and
# the running kernel's own, where this process may read its addresses).
hp_unit_test(test_ksyms SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ksyms.c LIBS hp_analyzer hp_common)
# common/kallsyms.c: the one parser of /proc/kallsyms lines, and its two
# users (analyzer/ksyms.c, collector/kstack.c) reading the same lines alike.
hp_unit_test(test_kallsyms SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kallsyms.c
             LIBS hp_analyzer hp_collector hp_common)

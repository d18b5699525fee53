# collector/events: names -> perf_event_attr, probing, reading, suggestions.
hp_unit_test(test_events SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_events.c LIBS hp_collector)

# The same executable in PMU mode: counts hardware events, or skips (77)
# saying why on machines without a hardware PMU.
add_test(NAME test_events_pmu COMMAND test_events --pmu)
set_tests_properties(test_events_pmu PROPERTIES LABELS unit SKIP_RETURN_CODE 77
                     ENVIRONMENT "${HP_TEST_ENV}" TIMEOUT 120)

# Names to perf_event_attr on an Intel Skylake and an AMD Zen 2 this machine
# is not: libpfm4's forced-PMU mode, checked against perf's and the kernel's
# documented encodings.
hp_unit_test(test_events_encoding SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_events_encoding.c
             LIBS hp_collector Pfm::pfm)

# Which counter sets are read with every sample (software only: whole-run
# totals; a hardware counter, also a forced-PMU encoding: per sample).
hp_unit_test(test_counters_read SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_counters_read.c
             LIBS hp_collector Pfm::pfm)

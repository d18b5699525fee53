# analyzer/stats.c and analyzer/metrics.c: statistics over runs and the
# derived-metrics table shared by stat and the report.
hp_unit_test(test_stats SOURCES unit/test_stats.c LIBS hp_analyzer m)

# Unit test of the timeline (analyzer/timeline.c): rows written through a
# real store, off-CPU intervals (sampled ones weighted) spread over buckets.
hp_unit_test(test_timeline SOURCES unit/test_timeline.c LIBS hp_analyzer hp_common)

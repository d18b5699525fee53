# Delta records appended to a symbol cache entry by a warm run's misses
# (analyzer/symcache_delta.c): used, merged, and ignored when torn,
# corrupted or of another base.
hp_unit_test(test_symcache_delta SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_symcache_delta.c
             LIBS hp_analyzer)

# Unit tests of the store and the profile model.
hp_unit_test(test_store SOURCES unit/test_store.c LIBS hp_common)
hp_unit_test(test_store_batch SOURCES unit/test_store_batch.c LIBS hp_common)
hp_unit_test(test_launch SOURCES unit/test_launch.c LIBS hp_collector)
hp_unit_test(test_profile SOURCES unit/test_profile.c LIBS hp_analyzer hp_common)
# Brief forms of long C++ names for narrow columns (analyzer/shortname.c).
hp_unit_test(test_shortname SOURCES unit/test_shortname.c LIBS hp_analyzer hp_common)

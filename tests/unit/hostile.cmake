# Issue 15: a database is untrusted input. Every reader on crafted and
# damaged copies of a real profile (also run by the ASan/UBSan build).
hp_script_test(hostile_db unit unit/hostile_db.sh)
set_tests_properties(hostile_db PROPERTIES TIMEOUT 900)
# Findings 5 and 10 below the readers: hp_grow never wraps a capacity,
# counter sums saturate at the ends of int64.
hp_unit_test(test_hostile_sizes SOURCES unit/test_hostile_sizes.c LIBS hp_common)

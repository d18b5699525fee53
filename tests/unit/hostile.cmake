# Issue 15: a database is untrusted input. Every reader on crafted and
# damaged copies of a real profile (also run by the ASan/UBSan build).
hp_script_test(hostile_db unit unit/hostile_db.sh)
set_tests_properties(hostile_db PROPERTIES TIMEOUT 900)

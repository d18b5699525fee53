# Golden tests of the text/CSV/JSON report and annotate on a fixture profile.
hp_script_test(golden_report golden golden/report_golden.sh)

# The fixtures are rows only; tests/golden/fixture.sh load builds their
# databases with this tool from common/schema.sql (store_create) and the
# store's own views.
add_executable(hp_fixture_db ${CMAKE_CURRENT_LIST_DIR}/fixture_db.c)
target_link_libraries(hp_fixture_db PRIVATE hp_common)
set_target_properties(hp_fixture_db PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
hp_script_test(golden_merge_inputs golden golden/merge_inputs.sh)

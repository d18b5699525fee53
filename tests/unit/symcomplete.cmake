# A small module resolved whole into the symbol cache (analyzer/symcomplete.c),
# on the fixtures of symbolize.cmake.
hp_unit_test(test_symcomplete SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_symcomplete.c
             LIBS hp_analyzer)
add_dependencies(test_symcomplete symfix_pie)
target_compile_definitions(test_symcomplete PRIVATE SYMFIX_PIE="$<TARGET_FILE:symfix_pie>")

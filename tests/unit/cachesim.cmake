# --cache-sim: the fixtures valgrind runs (tests/fixtures/cachesim), and the
# unit test of the Cachegrind runner, parser and attach (test_cachegrind).
# The fixtures are built as users build (-O2 -g), never with the sanitizers
# of an ASan build: valgrind cannot run ASan code.
set(CACHESIM_SRC ${CMAKE_SOURCE_DIR}/tests/fixtures/cachesim)

add_executable(cachesim_matrix ${CACHESIM_SRC}/matrix.c)
add_executable(cachesim_avx512 ${CACHESIM_SRC}/avx512.c)
foreach(t cachesim_matrix cachesim_avx512)
  set_target_properties(${t} PROPERTIES COMPILE_OPTIONS "-O2;-g" LINK_OPTIONS ""
                        RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/cachesim)
endforeach()

hp_unit_test(test_cachegrind SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cachegrind.c
             LIBS hp_analyzer hp_collector hp_common)
add_dependencies(test_cachegrind cachesim_matrix)
target_compile_definitions(test_cachegrind PRIVATE
  MATRIX_FIXTURE="$<TARGET_FILE:cachesim_matrix>"
  MATRIX_SOURCE="${CACHESIM_SRC}/matrix.c")

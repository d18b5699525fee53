# Allocation tracking: libhpprof_alloc.so and collector/allocstream.
# The fixtures run with the shim preloaded, so like the shim they are built
# without sanitizers (an ASan runtime must be the first library loaded).
set(_fx ${CMAKE_SOURCE_DIR}/tests/fixtures/alloc)
foreach(fx alloc_pattern alloc_bulk alloc_bench alloc_threads)
  add_executable(${fx} ${_fx}/${fx}.c)
  get_target_property(_o ${fx} COMPILE_OPTIONS)
  list(FILTER _o EXCLUDE REGEX "^-fsanitize")
  set_target_properties(${fx} PROPERTIES COMPILE_OPTIONS "${_o}" LINK_OPTIONS ""
                        RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/fixtures/alloc)
  target_compile_options(${fx} PRIVATE -O2 -g)
endforeach()
target_link_libraries(alloc_pattern PRIVATE Threads::Threads)
target_link_libraries(alloc_threads PRIVATE Threads::Threads)

hp_unit_test(test_alloc SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_alloc.c LIBS hp_collector)
target_compile_definitions(test_alloc PRIVATE
  ALLOC_FIXTURE_DIR="${CMAKE_BINARY_DIR}/tests/fixtures/alloc"
  ALLOC_SHIM="$<TARGET_FILE:hpprof_alloc>")
add_dependencies(test_alloc hpprof_alloc alloc_pattern alloc_bulk alloc_bench alloc_threads)
hp_unit_test(test_alloctrack SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_alloctrack.c LIBS hp_collector)
# The preload library's ring reservation, its stream.c compiled into the
# test (as a target would run it, but driven with chosen cursor views).
hp_unit_test(test_allocring SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_allocring.c LIBS hp_collector)

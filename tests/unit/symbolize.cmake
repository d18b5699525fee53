# Unit tests of analyzer/symbolize.c and analyzer/symtab.c.
#
# Fixtures (tests/fixtures/symbolize): an executable built -O2 -g as PIE and
# as ET_EXEC, a shared library, and stripped copies (--strip-debug,
# --strip-all). Their paths reach the tests as compile definitions.

set(SYMFIX_SRC ${CMAKE_SOURCE_DIR}/tests/fixtures/symbolize)
set(SYMFIX_OUT ${CMAKE_CURRENT_BINARY_DIR}/symfix)

add_library(symfix_lib SHARED ${SYMFIX_SRC}/fixture_lib.c)
target_compile_options(symfix_lib PRIVATE -O2 -g)
set_target_properties(symfix_lib PROPERTIES OUTPUT_NAME symfix
                      LIBRARY_OUTPUT_DIRECTORY ${SYMFIX_OUT})

# An ET_DYN whose first PT_LOAD is not at 0 (as prelink leaves them): its
# vaddrs must still be what the symbolizer takes.
add_library(symfix_lib_based SHARED ${SYMFIX_SRC}/fixture_lib.c)
target_compile_options(symfix_lib_based PRIVATE -O2 -g)
target_link_options(symfix_lib_based PRIVATE -Wl,-Ttext-segment=0x20000000)
set_target_properties(symfix_lib_based PROPERTIES OUTPUT_NAME symfix_based
                      LIBRARY_OUTPUT_DIRECTORY ${SYMFIX_OUT})

add_executable(symfix_pie ${SYMFIX_SRC}/fixture_main.c)
target_compile_options(symfix_pie PRIVATE -O2 -g -fPIE)
target_link_options(symfix_pie PRIVATE -pie)
target_link_libraries(symfix_pie PRIVATE symfix_lib)
set_target_properties(symfix_pie PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${SYMFIX_OUT})

add_executable(symfix_exec ${SYMFIX_SRC}/fixture_main.c)
target_compile_options(symfix_exec PRIVATE -O2 -g -fno-pie)
target_link_options(symfix_exec PRIVATE -no-pie)
target_link_libraries(symfix_exec PRIVATE symfix_lib)
set_target_properties(symfix_exec PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${SYMFIX_OUT})

set(SYMFIX_NODEBUG  ${SYMFIX_OUT}/symfix_pie.nodebug)
set(SYMFIX_STRIPPED ${SYMFIX_OUT}/symfix_pie.stripped)
set(SYMFIX_LIB_STRIPPED ${SYMFIX_OUT}/libsymfix.so.stripped)
add_custom_command(
  OUTPUT ${SYMFIX_NODEBUG} ${SYMFIX_STRIPPED} ${SYMFIX_LIB_STRIPPED}
  COMMAND ${CMAKE_OBJCOPY} --strip-debug $<TARGET_FILE:symfix_pie> ${SYMFIX_NODEBUG}
  COMMAND ${CMAKE_OBJCOPY} --strip-all $<TARGET_FILE:symfix_pie> ${SYMFIX_STRIPPED}
  COMMAND ${CMAKE_OBJCOPY} --strip-all $<TARGET_FILE:symfix_lib> ${SYMFIX_LIB_STRIPPED}
  DEPENDS symfix_pie symfix_lib
  COMMENT "Stripping symbolization fixtures")
add_custom_target(symfix_stripped DEPENDS ${SYMFIX_NODEBUG} ${SYMFIX_STRIPPED}
                  ${SYMFIX_LIB_STRIPPED})

hp_unit_test(test_symbolize SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_symbolize.c
             LIBS hp_analyzer)
add_dependencies(test_symbolize symfix_pie symfix_exec symfix_lib symfix_lib_based
                 symfix_stripped)
target_compile_definitions(test_symbolize PRIVATE
  SYMFIX_PIE="$<TARGET_FILE:symfix_pie>"
  SYMFIX_EXEC="$<TARGET_FILE:symfix_exec>"
  SYMFIX_LIB="$<TARGET_FILE:symfix_lib>"
  SYMFIX_LIB_BASED="$<TARGET_FILE:symfix_lib_based>"
  SYMFIX_NODEBUG="${SYMFIX_NODEBUG}"
  SYMFIX_STRIPPED="${SYMFIX_STRIPPED}"
  SYMFIX_LIB_STRIPPED="${SYMFIX_LIB_STRIPPED}"
  SYMFIX_MAIN_SRC="${SYMFIX_SRC}/fixture_main.c"
  SYMFIX_LIB_SRC="${SYMFIX_SRC}/fixture_lib.c")

hp_unit_test(test_symbolize_symtab SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_symbolize_symtab.c
             LIBS hp_analyzer)

hp_unit_test(test_symbolize_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_symbolize_store.c
             LIBS hp_analyzer hp_common)
add_dependencies(test_symbolize_store symfix_pie symfix_stripped)
target_compile_definitions(test_symbolize_store PRIVATE
  SYMFIX_PIE="$<TARGET_FILE:symfix_pie>"
  SYMFIX_NODEBUG="${SYMFIX_NODEBUG}"
  SYMFIX_MAIN_SRC="${SYMFIX_SRC}/fixture_main.c")

# Segments (answers for ranges of addresses) against per-address answers,
# and the symbol cache on disk (analyzer/symfill.c, analyzer/symcache.c).
hp_unit_test(test_symbolize_segments
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_symbolize_segments.c LIBS hp_analyzer)
add_dependencies(test_symbolize_segments symfix_pie symfix_exec symfix_lib symfix_stripped)
target_compile_definitions(test_symbolize_segments PRIVATE
  SYMFIX_PIE="$<TARGET_FILE:symfix_pie>"
  SYMFIX_EXEC="$<TARGET_FILE:symfix_exec>"
  SYMFIX_LIB="$<TARGET_FILE:symfix_lib>"
  SYMFIX_NODEBUG="${SYMFIX_NODEBUG}"
  SYMFIX_STRIPPED="${SYMFIX_STRIPPED}")

# PLT entry names on the test's own executable (analyzer/plt.c).
hp_unit_test(test_plt SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_plt.c LIBS hp_analyzer)

# The symbol cache entry checksum (analyzer/checksum.c).
hp_unit_test(test_checksum SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_checksum.c LIBS hp_analyzer)

# Demangling of names from real binaries (analyzer/demangle.c).
hp_unit_test(test_demangle SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_demangle.c LIBS hp_analyzer)

# Unit and line lookups without libdwfl's address-range table, and the
# module index kept in the cache entry (analyzer/symunits.c, symcache.c).
hp_unit_test(test_symunits SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_symunits.c LIBS hp_analyzer)
add_dependencies(test_symunits symfix_pie symfix_exec symfix_lib)
target_compile_definitions(test_symunits PRIVATE
  SYMFIX_PIE="$<TARGET_FILE:symfix_pie>"
  SYMFIX_EXEC="$<TARGET_FILE:symfix_exec>"
  SYMFIX_LIB="$<TARGET_FILE:symfix_lib>")

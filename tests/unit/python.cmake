# Python frames (collector/py*.c, perfmap.c) and the Python kernels: unit
# tests against real python3.11 and node processes. Each skips (77) with its
# reason when the interpreter it needs is missing.
set(HP_PY_DEFS HP_SOURCE_DIR="${CMAKE_SOURCE_DIR}")

# The libraries loaded into python3.11 compile collector sources themselves:
# they need the include root of the collector layer (cmake/Layers.cmake
# where it exists; the source root otherwise).
function(hp_py_module_includes target)
  if(COMMAND hp_layer_root)
    hp_layer_root(${target} PRIVATE common collector)
  else()
    target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR})
  endif()
endfunction()

# Code that runs inside python3.11 is never sanitized (an ASan runtime
# must come first in a process; ASan also owns SIGSEGV).
function(hp_no_sanitize target)
  foreach(prop COMPILE_OPTIONS LINK_OPTIONS)
    get_target_property(_opts ${target} ${prop})
    if(_opts)
      list(FILTER _opts EXCLUDE REGEX "^-fsanitize")
      set_target_properties(${target} PROPERTIES ${prop} "${_opts}")
    endif()
  endforeach()
endfunction()

hp_unit_test(test_pycode SOURCES unit/test_pycode.c LIBS hp_collector)
target_compile_definitions(test_pycode PRIVATE ${HP_PY_DEFS})

# The offset table against the 3.11 headers (python3.11-dev), when installed.
find_path(HP_PY311_INCLUDE internal/pycore_frame.h PATHS /usr/include/python3.11 NO_DEFAULT_PATH)
hp_unit_test(test_pyoffsets SOURCES unit/test_pyoffsets.c LIBS hp_collector)
if(HP_PY311_INCLUDE)
  target_include_directories(test_pyoffsets PRIVATE ${HP_PY311_INCLUDE})
  target_compile_definitions(test_pyoffsets PRIVATE HP_PY311_HEADERS)
  # CPython's headers are not written for -Wstrict-prototypes and friends.
  target_compile_options(test_pyoffsets PRIVATE -Wno-strict-prototypes -Wno-missing-prototypes
                         -Wno-unused-function)
endif()

# Frames of real python3.11 processes, their native stacks through ptrace.
hp_unit_test(test_pyframes SOURCES unit/test_pyframes.c LIBS hp_collector)
target_compile_definitions(test_pyframes PRIVATE ${HP_PY_DEFS})

# /tmp/perf-PID.map: hand-written maps, node --perf-basic-prof, and perf.
hp_unit_test(test_perfmap SOURCES unit/test_perfmap.c LIBS hp_collector)

# The Python kernels: validation, the same results as the C kernels, run -k.
hp_script_test(kernel_python e2e fixtures/python/check_kernels.sh)

# The Python test programs for the profile tests print their truths.
hp_script_test(python_fixtures unit fixtures/python/check_fixtures.sh)

# Measurement prototypes of the two ways to read Python frames (docs/python.md):
# in the collector when a sample is processed, and inside the target from a
# signal handler. They report figures; bench label only.
hp_unit_test(test_pyproto_remote SOURCES unit/test_pyproto_remote.c LIBS hp_collector)
target_compile_definitions(test_pyproto_remote PRIVATE ${HP_PY_DEFS})
set_tests_properties(test_pyproto_remote PROPERTIES LABELS bench TIMEOUT 600)

# The in-target prototype: a library preloaded into python3.11, with the
# frame walk compiled in; never sanitized (it runs inside the target).
pkg_check_modules(HP_PYPROTO_UNWIND REQUIRED IMPORTED_TARGET libunwind)
add_library(pyproto_agent MODULE unit/test_pyproto_agent.c ${CMAKE_SOURCE_DIR}/collector/pysample.c
            ${CMAKE_SOURCE_DIR}/collector/faultguard.c
            ${CMAKE_SOURCE_DIR}/collector/pywalk.c ${CMAKE_SOURCE_DIR}/collector/pyoffsets.c)
target_link_libraries(pyproto_agent PRIVATE PkgConfig::HP_PYPROTO_UNWIND ${CMAKE_DL_LIBS})
hp_py_module_includes(pyproto_agent)
target_compile_options(pyproto_agent PRIVATE -O2 -ftls-model=initial-exec)
hp_no_sanitize(pyproto_agent)
set_target_properties(pyproto_agent PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
hp_script_test(test_pyproto_agent bench fixtures/python/pyproto_agent.sh)
set_tests_properties(test_pyproto_agent PROPERTIES TIMEOUT 900)

# collector/pysample.c inside python3.11 (ctypes): frames as Python sees
# them, and the merge check at 1 kHz in a signal handler.
add_library(pysample_test MODULE unit/test_pysample_lib.c ${CMAKE_SOURCE_DIR}/collector/pysample.c
            ${CMAKE_SOURCE_DIR}/collector/faultguard.c
            ${CMAKE_SOURCE_DIR}/collector/pywalk.c ${CMAKE_SOURCE_DIR}/collector/pyoffsets.c)
target_link_libraries(pysample_test PRIVATE PkgConfig::HP_PYPROTO_UNWIND ${CMAKE_DL_LIBS})
hp_py_module_includes(pysample_test)
target_compile_options(pysample_test PRIVATE -O2 -ftls-model=initial-exec)
hp_no_sanitize(pysample_test)
set_target_properties(pysample_test PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_dependencies(test_pyframes pysample_test)
hp_script_test(test_pysample unit fixtures/python/check_pysample.sh)

# The merge rule on hand-made stacks.
hp_unit_test(test_pymerge SOURCES unit/test_pymerge.c LIBS hp_collector)
hp_unit_test(test_pybpfq SOURCES unit/test_pybpfq.c LIBS hp_collector)

# The PYSAMPLE and PYCODE stream records through the collector's decoder.
hp_unit_test(test_pydecode SOURCES unit/test_pydecode.c LIBS hp_collector)

# collector/faultguard.c: pysample_take's reads of an unmapped frame fail
# instead of killing the process; every other fault keeps its disposition.
# Built from the in-target sources, never sanitized (ASan owns SIGSEGV).
hp_unit_test(test_faultguard SOURCES unit/test_faultguard.c ${CMAKE_SOURCE_DIR}/collector/faultguard.c
             ${CMAKE_SOURCE_DIR}/collector/pysample.c ${CMAKE_SOURCE_DIR}/collector/pywalk.c
             ${CMAKE_SOURCE_DIR}/collector/pyoffsets.c LIBS ${CMAKE_DL_LIBS})
hp_py_module_includes(test_faultguard)
hp_no_sanitize(test_faultguard)

# Fuzzing (issue 15; docs/reliability.md). Three targets in tests/fuzz:
#   db_file      a database file, byte for byte, through every reader
#   db_sql       SQL run on a real profile, then every reader
#   perf_record  the perf ring record parser (collector/perf_record.c)
#   ehframe      the .eh_frame indexer of static binaries (collector/ehframe.c)
# unit tier: replay_TARGET runs the minimized corpus tests/fuzz/corpus/TARGET
#   once (also under ASan/UBSan in the sanitizer build: make test-asan).
# bench tier (a build with -DHPPROF_FUZZ=ON and clang: make fuzz): fuzz_TARGET
#   is the libFuzzer binary, run by tests/fuzz/run.sh for a fixed budget.
set(HP_FUZZ_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz)
set(HP_FUZZ_READERS ${HP_FUZZ_DIR}/fuzz_readers.c)

function(hp_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(replay_${name} ${F_SOURCES} ${HP_FUZZ_DIR}/replay.c)
  target_link_libraries(replay_${name} PRIVATE ${F_LIBS})
  target_compile_definitions(replay_${name} PRIVATE
    HP_FUZZ_FIXTURE="${CMAKE_SOURCE_DIR}/tests/golden/fixtures/export.sql")
  set(corpus ${HP_FUZZ_DIR}/corpus/${name})
  if(EXISTS ${corpus}.tar.xz)
    set(corpus ${corpus}.tar.xz)              # packed: see tests/fuzz/replay.sh
  endif()
  add_test(NAME fuzz_corpus_${name}
           COMMAND sh ${HP_FUZZ_DIR}/replay.sh $<TARGET_FILE:replay_${name}> ${corpus})
  set_tests_properties(fuzz_corpus_${name} PROPERTIES LABELS unit TIMEOUT 600
                       ENVIRONMENT "${HP_TEST_ENV}")
  if(HPPROF_FUZZ)
    add_executable(fuzz_${name} ${F_SOURCES})
    target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer-no-link
                           -fno-sanitize-recover=undefined)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_compile_definitions(fuzz_${name} PRIVATE
      HP_FUZZ_FIXTURE="${CMAKE_SOURCE_DIR}/tests/golden/fixtures/export.sql")
    add_test(NAME fuzz_${name} COMMAND sh ${HP_FUZZ_DIR}/run.sh ${name} $<TARGET_FILE:fuzz_${name}>
             WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
    set_tests_properties(fuzz_${name} PROPERTIES LABELS bench TIMEOUT 7200
                         ENVIRONMENT "${HP_TEST_ENV}")
  endif()
endfunction()

hp_fuzz_target(perf_record SOURCES ${HP_FUZZ_DIR}/fuzz_perf_record.c LIBS hp_collector)
hp_fuzz_target(ehframe SOURCES ${HP_FUZZ_DIR}/fuzz_ehframe.c LIBS hp_collector)
hp_fuzz_target(db_file SOURCES ${HP_FUZZ_DIR}/fuzz_db_file.c ${HP_FUZZ_READERS}
               LIBS hp_analyzer hp_common)
hp_fuzz_target(db_sql SOURCES ${HP_FUZZ_DIR}/fuzz_db_sql.c ${HP_FUZZ_READERS}
               LIBS hp_analyzer hp_common)
if(HPPROF_FUZZ)
  add_dependencies(fuzz_db_file hp_fixture_db hp-julia-static)   # run.sh makes seeds with them
endif()
foreach(t perf_record ehframe db_file db_sql)
  target_include_directories(replay_${t} PRIVATE ${HP_FUZZ_DIR})
  if(HPPROF_FUZZ)
    target_include_directories(fuzz_${t} PRIVATE ${HP_FUZZ_DIR})
  endif()
endforeach()

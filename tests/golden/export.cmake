# hpprof export: golden outputs on a fixture database (label golden), and each
# format read back by a real consumer where one is installed.
add_executable(hp_synth ${CMAKE_CURRENT_LIST_DIR}/export/hp_synth.c)
target_link_libraries(hp_synth PRIVATE hp_analyzer hp_common)

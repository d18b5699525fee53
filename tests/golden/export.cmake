# hpprof export: every format on the fixture database compared with its
# golden output (label golden; HP_REGEN=1 regenerates), every format read
# back by a real consumer - callgrind_annotate, protoc, python3, jq - on the
# fixture (golden) and on fresh kernel runs (e2e). The speed on a synthetic
# 1M-sample database made by hp_synth is a benchmark (bench/bench.cmake).
add_executable(hp_synth ${CMAKE_CURRENT_LIST_DIR}/export/hp_synth.c)
target_link_libraries(hp_synth PRIVATE hp_analyzer hp_common)

hp_script_test(export_golden           golden golden/export/golden.sh)
hp_script_test(export_readback_fixture golden e2e/export_readback.sh fixture)
hp_script_test(export_readback_kernel  e2e    e2e/export_readback.sh kernel)
hp_script_test(export_diskfull         e2e    e2e/export_diskfull.sh)
hp_script_test(export_signal           e2e    e2e/export_signal.sh $<TARGET_FILE:hp_synth>)
hp_script_test(export_counts          e2e    e2e/export_counts.sh)
hp_script_test(export_memsvg_runs      e2e    e2e/export_memsvg_runs.sh)

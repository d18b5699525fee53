# hpprof run/stat --cache-sim end to end (label e2e): real valgrind on the
# matrix fixture and the diffusion kernel, the messages when valgrind is
# missing or cannot run the program, and the TUI's label. The fixtures are
# built in tests/unit/cachesim.cmake. Each test exits 77 when valgrind is
# not installed.
hp_script_test(cachesim_matrix    e2e e2e/cachesim_matrix.sh $<TARGET_FILE:cachesim_matrix>)
hp_script_test(cachesim_diffusion e2e e2e/cachesim_diffusion.sh)
hp_script_test(cachesim_novalgrind e2e e2e/cachesim_novalgrind.sh $<TARGET_FILE:cachesim_matrix>)
hp_script_test(cachesim_avx512    e2e e2e/cachesim_avx512.sh $<TARGET_FILE:cachesim_avx512>)
hp_script_test(cachesim_stat      e2e e2e/cachesim_stat.sh $<TARGET_FILE:cachesim_matrix>)
hp_script_test(cachesim_tui       e2e e2e/cachesim_tui.sh $<TARGET_FILE:cachesim_matrix>)

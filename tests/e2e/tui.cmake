# hpprof tui in a real terminal: tmux creates the pty, send-keys drives the
# browser and capture-pane reads the screen (skipped when tmux is missing).
hp_script_test(tui_tmux e2e e2e/tui_tmux.sh)
hp_script_test(tui_signals e2e e2e/tui_signals.sh)
hp_script_test(tui_cycle e2e e2e/tui_cycle.sh)
hp_script_test(tui_bad_database e2e e2e/tui_bad_database.sh)
hp_script_test(tui_timeline_diff e2e e2e/tui_timeline_diff.sh)
hp_script_test(tui_source_why e2e e2e/tui_source_why.sh)
hp_script_test(tui_memory_real e2e e2e/tui_memory_real.sh)
# tui_cycle starts 40 tmux servers back to back: beside another tmux test
# (any of them, e.g. tui_source_why) 2-4 of its starts fail with "server
# exited unexpectedly" (wave 17, ctest -j2, 3 of 5 runs): alone, it checks
# what it is for.
set_tests_properties(tui_cycle PROPERTIES RUN_SERIAL TRUE)

# The realworld tier (label realworld, docs/realworld.md): hpprof against
# perf on Debian programs nobody here wrote, inputs generated from a fixed
# seed (allocations against heaptrack: memory.cmake). Tests whose program or
# perf is missing skip (77).
foreach(t xz sqlite3 python3 gcc make git bzip2 perl)
  hp_script_test(realworld_${t} realworld realworld/${t}.sh)
endforeach()
# Programs built here from tests/fixtures/rwlang with the toolchains a
# user has (docs/realworld.md, "Other languages"): each skips when its
# compiler is missing.
hp_script_test(realworld_rust_legacy realworld realworld/rust.sh legacy)
hp_script_test(realworld_rust_v0 realworld realworld/rust.sh v0)
hp_script_test(realworld_rust_src realworld realworld/rust_src.sh)
hp_script_test(realworld_cxx realworld realworld/cxx.sh debug)
hp_script_test(realworld_cxx_stripped realworld realworld/cxx.sh stripped)
hp_script_test(realworld_java realworld realworld/java.sh)
hp_script_test(realworld_fortran realworld realworld/fortran.sh)
# wave 26: a Go program (.debug_frame, no .eh_frame): whole stacks
hp_script_test(realworld_go realworld realworld/go.sh)
hp_script_test(realworld_d realworld realworld/d.sh)
# The why columns (wave 17): page faults per function against perf record
# -e page-faults -c 1, simulated caches against valgrind's cg_annotate.
foreach(t faults_sort faults_xz cachesim_bzip2 cachesim_cxx)
  hp_script_test(realworld_${t} realworld realworld/${t}.sh)
endforeach()
# The TUI on real programs (wave 17): its screens against the database,
# heaptrack and perf (skipped without tmux).
hp_script_test(realworld_tui_xz realworld realworld/tui_xz.sh)
# hpprof diff on real changes of known direction (wave 17, second round):
# a compressor at two levels, sqlite3 without and with an index, against
# perf stat and perf record; no change (diff_same).
hp_script_test(realworld_diff_xz realworld realworld/diff_levels.sh xz 1 6 1)
hp_script_test(realworld_diff_gzip realworld realworld/diff_levels.sh gzip 1 9 2)
hp_script_test(realworld_diff_bzip2 realworld realworld/diff_levels.sh bzip2 1 9 2)
hp_script_test(realworld_diff_sqlite3 realworld realworld/diff_sqlite3.sh)
hp_script_test(realworld_diff_same realworld realworld/diff_same.sh)
# Two programs built by gcc one after the other under one name, each run
# after its build (wave 29): each process named with its own file's
# functions.
hp_script_test(realworld_same_name realworld realworld/same_name.sh)
# Each test keeps both cores busy (the target, hpprof, perf): one at a time.
get_property(_rw DIRECTORY PROPERTY TESTS)
list(FILTER _rw INCLUDE REGEX "^realworld_")
set_tests_properties(${_rw} PROPERTIES RESOURCE_LOCK realworld)
# Multi-threaded programs (wave 20): per thread against perf's samples and
# its sched_switch tracepoint (docs/realworld.md, "Wave 20: multi-threaded programs").
foreach(t xz zstd sort)
  hp_script_test(realworld_threads_${t} realworld realworld/threads.sh ${t})
endforeach()
set_tests_properties(realworld_threads_xz realworld_threads_zstd realworld_threads_sort
  PROPERTIES RESOURCE_LOCK realworld)

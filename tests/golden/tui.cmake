# hpprof tui --dump: golden renderings of every view on a fixture database
# (tests/golden/fixtures/tui.sql, loaded and recorded by tests/golden/fixture.sh).
# Regenerate the expected text with: HP_REGEN=1 ctest -L golden -R tui_golden
#
# Each entry: NAME|VIEW|WIDTHxHEIGHT|KEYS[|OPTION...]; the expected output
# is tests/golden/tui/NAME.txt.
set(HP_TUI_GOLDEN
  "summary|summary|100x30|"
  "help|help|100x40|"
  "functions|functions|100x30|"
  "functions_80x24|functions|80x24|"
  "functions_sorted_by_total|functions|100x30|s"
  "functions_wide|functions|200x20|"
  "lines|lines|100x30|"
  "line_callers|lines|100x30|<enter>"
  "source|source|100x30|"
  "source_narrow|source|44x12|"
  "source_missing|functions|100x30|/lib_work<enter><enter>"
  "tree|tree|100x30|"
  "tree_bottom_up|tree|100x30|i"
  "tree_collapsed|tree|100x30|-"
  "callers|functions|100x30|c"
  "flame|flame|100x30|"
  "flame_zoom|flame|100x30|<down><down><down><down><down><enter>"
  "memory|memory|100x30|"
  "memory_80x24|memory|80x24|"
  "threads|threads|100x30|"
  "thread_filter|threads|100x30|<down><enter>"
  "timeline|timeline|100x30|"
  "diff_self|diff|100x30||--diff|fixture.db"
  "diff_self_lines|diff|100x30|<space>|--diff|fixture.db"
  "diff_time|diff|100x30||--diff|fixture-base.db"
  "diff_flame|flame|100x30||--diff|fixture-base.db"
  "diff_flame_self|flame|100x30|<down><down><down><down><down>|--diff|fixture.db"
  "timeline_range|timeline|100x30|<right><right><right><space><right><right><right><right><right><right><enter>2"
  "timeline_diff|timeline|100x30||--diff|fixture-short.db"
  "summary_diff|summary|100x30||--diff|fixture-short.db"
  "threads_diff|threads|100x30||--diff|fixture-short.db"
  "memory_diff|memory|100x30||--diff|fixture-short.db"
  "timeline_diff_range|timeline|100x30|<pgdn><pgdn><space><pgdn><pgdn><enter>8|--diff|fixture-short.db"
  # a thread, process or rank filter applies to both runs of the diff timeline
  # (and the thread filter to the timeline alone)
  "timeline_thread|timeline|100x30|tt"
  "timeline_diff_thread|timeline|100x30|t|--diff|fixture-short.db"
  "timeline_diff_thread_range|timeline|100x30|t<pgdn><pgdn><space><pgdn><pgdn><enter>8|--diff|fixture-short.db"
  "timeline_diff_process|timeline|100x30|7p8|--diff|fixture-short.db"
  "timeline_diff_thread_unpaired|timeline|100x30|tt|--diff|fixture-other.db"
  # the summary under a thread filter: that thread's complete stacks (wave 20)
  "summary_thread|threads|100x30|<down><enter>1"
)
foreach(entry ${HP_TUI_GOLDEN})
  string(REPLACE "|" ";" f "${entry}")
  list(GET f 0 name)
  list(GET f 1 view)
  list(GET f 2 size)
  list(LENGTH f n)
  set(keys "-")                       # "-": no keys (CMake drops empty arguments)
  set(extra "")
  if(n GREATER 3)
    list(GET f 3 k)
    if(NOT k STREQUAL "")
      set(keys "${k}")
    endif()
  endif()
  if(n GREATER 4)
    list(SUBLIST f 4 -1 extra)
  endif()
  hp_script_test(tui_golden_${name} golden golden/tui/golden.sh ${name} ${view} ${size}
                 "${keys}" ${extra})
endforeach()

# The diff timeline on the off-CPU fixture (blocked columns of both runs).
hp_script_test(tui_golden_timeline_diff_offcpu golden golden/tui/timeline_diff_offcpu.sh)
# The diff timeline of two merged two-rank jobs under a rank filter.
hp_script_test(tui_golden_timeline_diff_rank golden golden/tui/timeline_diff_rank.sh)

# A synthetic database of a million samples, for the benchmark of how long
# opening and keys take (bench/bench.cmake, label bench).
add_executable(tui_gen_big golden/tui/gen_big.c)
target_link_libraries(tui_gen_big PRIVATE hp_analyzer hp_common)

# Counters counted for the whole run only (no value per row): no column of 0s.
hp_script_test(tui_golden_whole_run_counters golden golden/tui/whole_run_counters.sh)

# Times (task-clock, off-CPU, wall) in ms in every TUI view that shows them.
hp_script_test(tui_golden_offcpu_times golden golden/tui/offcpu_times.sh)

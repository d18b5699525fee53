# hpprof stat against perf stat on Debian programs (wave 18, docs/realworld.md
# "Wave 18: stat and annotate on real programs"): counters measured or not,
# page faults, one execution counted by both; the command line's behaviour
# (a failing program, signals, Ctrl-C); a user who may not count the kernel.
foreach(t sort xz gzip sqlite3 sh)
  hp_script_test(realworld_stat_${t} realworld realworld/stat.sh ${t})
  set_tests_properties(realworld_stat_${t} PROPERTIES RESOURCE_LOCK realworld)
endforeach()
foreach(t cli user)
  hp_script_test(realworld_stat_${t} realworld realworld/stat_${t}.sh)
  set_tests_properties(realworld_stat_${t} PROPERTIES RESOURCE_LOCK realworld)
endforeach()

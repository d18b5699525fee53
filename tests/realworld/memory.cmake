# Memory against heaptrack on programs nobody here wrote (issue 13): calls,
# leaks, heap peak and temporaries of xz, sqlite3 and python3.11. Skip (77) when
# the program, heaptrack or zstd is missing.
foreach(t xz sqlite3 python3 perl)
  hp_script_test(realworld_memory_${t} realworld realworld/memory_${t}.sh)
  set_tests_properties(realworld_memory_${t} PROPERTIES RESOURCE_LOCK realworld TIMEOUT 900)
endforeach()

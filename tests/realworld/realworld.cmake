# The realworld tier (label realworld, docs/realworld.md): hpprof against
# perf on Debian programs nobody here wrote, inputs generated from a fixed
# seed (allocations against heaptrack: memory.cmake). Tests whose program or
# perf is missing skip (77).
foreach(t xz sqlite3 python3 gcc make git bzip2 perl)
  hp_script_test(realworld_${t} realworld realworld/${t}.sh)
endforeach()
# Each test keeps both cores busy (the target, hpprof, perf): one at a time.
get_property(_rw DIRECTORY PROPERTY TESTS)
list(FILTER _rw INCLUDE REGEX "^realworld_")
set_tests_properties(${_rw} PROPERTIES RESOURCE_LOCK realworld)

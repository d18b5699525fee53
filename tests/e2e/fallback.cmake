# The sampler without perf events: the LD_PRELOAD agent (--sampler preload,
# and the automatic fallback under a seccomp filter, see run.cmake's
# run_noperf). The fixtures run with libhpprof_alloc.so preloaded, so like
# it they are built without sanitizers.
set(_fb ${CMAKE_SOURCE_DIR}/tests/fixtures/fallback)
set(_fb_out ${CMAKE_BINARY_DIR}/tests/fixtures/fallback)
add_library(fb_plugin SHARED ${_fb}/plugin.c)
foreach(fx own_sigprof threads_churn dlopen_main vfork_reset agent_cost noperf_child fb_plugin)
  if(NOT TARGET ${fx})
    add_executable(${fx} ${_fb}/${fx}.c)
  endif()
  get_target_property(_o ${fx} COMPILE_OPTIONS)
  list(FILTER _o EXCLUDE REGEX "^-fsanitize")
  set_target_properties(${fx} PROPERTIES COMPILE_OPTIONS "${_o}" LINK_OPTIONS ""
                        RUNTIME_OUTPUT_DIRECTORY ${_fb_out} LIBRARY_OUTPUT_DIRECTORY ${_fb_out})
  target_compile_options(${fx} PRIVATE -O2 -g)
endforeach()
target_link_libraries(threads_churn PRIVATE Threads::Threads)
target_link_libraries(dlopen_main PRIVATE ${CMAKE_DL_LIBS})

foreach(t fallback_calib fallback_agent)
  hp_script_test(e2e_${t} e2e e2e/${t}.sh)
endforeach()
# The calib truth is a split of CPU time, which other load does not change:
# it may run beside other tests.

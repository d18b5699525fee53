# hpprof's own kernel entries (docs/performance.md, "Wave 15: hpprof's own
# kernel entries"): libunwind's sigprocmask answered without a system call.
# The fixture is built as users build (no sanitizers, no frame pointers).
add_executable(kcost_many_funcs ${CMAKE_SOURCE_DIR}/tests/fixtures/kcost/many_funcs.c)
get_target_property(_o kcost_many_funcs COMPILE_OPTIONS)
list(FILTER _o EXCLUDE REGEX "^-fsanitize|^-fno-omit-frame-pointer")
set_target_properties(kcost_many_funcs PROPERTIES COMPILE_OPTIONS "${_o}" LINK_OPTIONS "")
target_compile_options(kcost_many_funcs PRIVATE -O2 -g -fomit-frame-pointer)
hp_script_test(e2e_kcost_sigprocmask e2e e2e/kcost_sigprocmask.sh $<TARGET_FILE:kcost_many_funcs>)
# hpprof's symbols bound at start (-z now): no GOT writes after the fork
hp_script_test(e2e_kcost_bindnow e2e e2e/kcost_bindnow.sh)

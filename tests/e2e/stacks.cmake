# Complete stacks (issue 12): one figure in run, report and tui; deep
# stacks complete with the default stack copy; a stripped binary's
# function annotated with its instructions.
# The deep-stack fixture is built as users build (no sanitizers, no frame
# pointers, whatever the build type): under ASan its stacks grow and
# LeakSanitizer's exit scan runs on a thread without CFI, which is not what
# the test measures.
add_executable(stacks_deep ${CMAKE_SOURCE_DIR}/tests/fixtures/stacks/deep.c)
get_target_property(_o stacks_deep COMPILE_OPTIONS)
list(FILTER _o EXCLUDE REGEX "^-fsanitize|^-fno-omit-frame-pointer")
set_target_properties(stacks_deep PROPERTIES COMPILE_OPTIONS "${_o}" LINK_OPTIONS "")
target_compile_options(stacks_deep PRIVATE -O2 -g -fomit-frame-pointer)
target_link_libraries(stacks_deep PRIVATE pthread)
hp_script_test(e2e_stacks_census e2e e2e/stacks_census.sh)
hp_script_test(e2e_stacks_deep e2e e2e/stacks_deep.sh $<TARGET_FILE:stacks_deep>)
hp_script_test(e2e_stacks_annotate e2e e2e/stacks_annotate.sh)
# A frame with pages not touched yet (the kernel's stack copy stops there):
# no stack-clash probes, which would touch them.
add_executable(stacks_hole ${CMAKE_SOURCE_DIR}/tests/fixtures/stacks/hole.c)
get_target_property(_o stacks_hole COMPILE_OPTIONS)
list(FILTER _o EXCLUDE REGEX "^-fsanitize|^-fno-omit-frame-pointer")
set_target_properties(stacks_hole PROPERTIES COMPILE_OPTIONS "${_o}" LINK_OPTIONS "")
target_compile_options(stacks_hole PRIVATE -O2 -g -fomit-frame-pointer -fno-stack-clash-protection)
hp_script_test(e2e_stacks_hole e2e e2e/stacks_hole.sh $<TARGET_FILE:stacks_hole>)
# A function whose CFI is in .debug_frame only, between two with .eh_frame
# (wave 29): a position-independent executable, as Debian's gcc builds.
add_executable(stacks_debugframe ${CMAKE_SOURCE_DIR}/tests/fixtures/stacks/debugframe_main.c
  ${CMAKE_SOURCE_DIR}/tests/fixtures/stacks/debugframe_middle.c)
get_target_property(_o stacks_debugframe COMPILE_OPTIONS)
list(FILTER _o EXCLUDE REGEX "^-fsanitize|^-fno-omit-frame-pointer")
set_target_properties(stacks_debugframe PROPERTIES COMPILE_OPTIONS "${_o}" LINK_OPTIONS ""
  POSITION_INDEPENDENT_CODE ON)
target_compile_options(stacks_debugframe PRIVATE -O2 -g -fomit-frame-pointer)
target_link_options(stacks_debugframe PRIVATE -pie)
set_source_files_properties(${CMAKE_SOURCE_DIR}/tests/fixtures/stacks/debugframe_middle.c
  PROPERTIES COMPILE_OPTIONS "-fno-asynchronous-unwind-tables;-fno-unwind-tables")
hp_script_test(e2e_stacks_debugframe e2e e2e/stacks_debugframe.sh $<TARGET_FILE:stacks_debugframe>)

# Kernel frames (issue 12): a first-touch loop whose page faults the program
# counts itself, profiled as root (kernel functions beneath the touching
# line, its page faults on that line, in the exports too) and as `nobody`
# (the note saying what is not permitted, and no counter shown as 0).
add_executable(first_touch ${CMAKE_SOURCE_DIR}/tests/fixtures/kernel/first_touch.c)
target_compile_options(first_touch PRIVATE -O2 -g)
hp_script_test(e2e_kernel_first_touch e2e e2e/kernel_first_touch.sh $<TARGET_FILE:first_touch>)
hp_script_test(e2e_kernel_unprivileged e2e e2e/kernel_unprivileged.sh $<TARGET_FILE:first_touch>)

# Unwinding: collector/module.c, procmap.c, unwind.c (and the RSS thread,
# memwatch.c, at the end).
# The unwind tests are built -O2 without frame pointers (the case DWARF
# unwinding exists for) and -rdynamic so that dladdr names their functions.
hp_unit_test(test_unwind SOURCES unit/test_unwind.c LIBS hp_collector ${CMAKE_DL_LIBS})
target_compile_options(test_unwind PRIVATE -O2 -g -fomit-frame-pointer)
target_link_options(test_unwind PRIVATE -rdynamic)

hp_unit_test(test_unwind_perf SOURCES unit/test_unwind_perf.c LIBS hp_collector ${CMAKE_DL_LIBS})
target_compile_options(test_unwind_perf PRIVATE -O2 -g -fomit-frame-pointer)
target_link_options(test_unwind_perf PRIVATE -rdynamic)

hp_unit_test(test_procmap SOURCES unit/test_procmap.c LIBS hp_collector ${CMAKE_DL_LIBS})
# collector/ehframe.c: .debug_frame in .eh_frame's layout (Go programs), and
# stacks ended at a function that switches stacks (wave 26).
hp_unit_test(test_ehframe SOURCES unit/test_ehframe.c LIBS hp_collector)
# collector/mapfile.c: mapped files gone from their names (deleted,
# replaced, a memfd), read through the process and held (wave 26).
hp_unit_test(test_mapfile SOURCES unit/test_mapfile.c LIBS hp_collector)

# collector/perf_record.c and perf_ring.c on hand-made records and rings:
# truncated and malformed records are refused without reading past them.
hp_unit_test(test_perf_record SOURCES unit/test_perf_record.c LIBS hp_collector)
hp_unit_test(test_offcpu SOURCES unit/test_offcpu.c LIBS hp_collector)
hp_unit_test(test_offcpu_attach SOURCES unit/test_offcpu_attach.c LIBS hp_collector)
hp_unit_test(test_kstack SOURCES unit/test_kstack.c LIBS hp_collector hp_analyzer)
hp_unit_test(test_memwatch SOURCES unit/test_memwatch.c LIBS hp_collector)

# collector/stackjoin.c: stacks cut short, completed from a later sample of
# the same frame, on hand-made samples.
hp_unit_test(test_stackjoin SOURCES unit/test_stackjoin.c LIBS hp_collector)

# collector/sigmask.c: the executable's sigprocmask, real outside the
# unwinder's calls, no system call inside them (libunwind's locks).
hp_unit_test(test_sigmask SOURCES unit/test_sigmask.c LIBS hp_collector)

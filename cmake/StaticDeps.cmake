# StaticDeps: link the hpprof executable with the static archives of its
# libraries where Debian ships them (sqlite3, libdw, libelf, zlib, bzip2,
# ncurses), the libraries and tests with the shared ones as before.
#
# Why: every hpprof command paid the dynamic loader for 13 shared objects
# before main (open, map, relocate, and in this VM a copy-on-write fault
# with a TLB flush per relocated page): `hpprof --version` 8.6 ms of CPU
# against 6.0 with these archives (docs/performance.md, "Fixed cost of a
# run"). Debian's libunwind.a and liblzma.a are not built as
# position-independent code, so a PIE cannot contain them: the executable
# is linked as a fixed-address program instead (-no-pie), which also
# leaves the loader no relocations of its own to apply (5,883 relative
# ones, a copy-on-write fault per page of pointers): `hpprof --version`
# 4.5 -> 2.6 ms of CPU, 6 -> 3 shared objects (libc, libm, the loader).
# The cost: the executable's own code and data are at a fixed address
# (no ASLR for them; its libraries, stack and heap are still randomized).
#
# How: a target with the property HP_STATIC_DEPS set to ON links the
# archives; the choice is a generator expression in each imported
# target's INTERFACE_LINK_LIBRARIES, evaluated for the target being
# linked. A missing archive leaves that library shared.
#   hp_prefer_static(<imported target> <archive name>... [WITH <lib>...])
#     e.g. hp_prefer_static(PkgConfig::DW dw elf bz2 z WITH lzma): libdw.a,
#     then the archives it needs in link order, then the shared libraries
#     that the archives need too (-llzma).
define_property(TARGET PROPERTY HP_STATIC_DEPS
  BRIEF_DOCS "Link the static archives of the imported libraries (StaticDeps.cmake)"
  FULL_DOCS "ON: hp_prefer_static targets give their .a files to this target.")

option(HPPROF_STATIC_DEPS "Link the hpprof executable with static archives of its libraries" ON)

# hp_static_no_pie(<target>): link it as a fixed-address executable when it
# takes the archives (PIE objects link into one unchanged).
function(hp_static_no_pie tgt)
  target_link_options(${tgt} PRIVATE "$<$<BOOL:$<TARGET_PROPERTY:HP_STATIC_DEPS>>:-no-pie>")
endfunction()

function(hp_prefer_static tgt)
  cmake_parse_arguments(PARSE_ARGV 1 HPS "" "" "WITH")
  set(archives)
  foreach(name ${HPS_UNPARSED_ARGUMENTS})
    find_library(HP_STATIC_LIB_${name} NAMES lib${name}.a)
    if(NOT HP_STATIC_LIB_${name})
      message(STATUS "StaticDeps: no lib${name}.a, ${tgt} stays shared")
      return()
    endif()
    list(APPEND archives ${HP_STATIC_LIB_${name}})
  endforeach()
  get_target_property(type ${tgt} TYPE)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    message(FATAL_ERROR "hp_prefer_static: ${tgt} is not an INTERFACE imported target")
  endif()
  get_target_property(shared ${tgt} INTERFACE_LINK_LIBRARIES)
  set(on "$<BOOL:$<TARGET_PROPERTY:HP_STATIC_DEPS>>")
  set(libs)
  foreach(a ${archives} ${HPS_WITH})
    list(APPEND libs "$<${on}:${a}>")
  endforeach()
  foreach(s ${shared})
    list(APPEND libs "$<$<NOT:${on}>:${s}>")
  endforeach()
  set_property(TARGET ${tgt} PROPERTY INTERFACE_LINK_LIBRARIES "${libs}")
endfunction()

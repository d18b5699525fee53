# hpprof annotate against perf annotate / perf report on one execution both
# sample (wave 18, docs/realworld.md "Wave 18: stat and annotate on real
# programs"): stripped liblzma and gzip (machine code), a C program built
# with -g (source lines and --asm); C++ names as report cuts them (cxx).
foreach(t xz gzip c cxx)
  hp_script_test(realworld_annotate_${t} realworld realworld/annotate.sh ${t})
  set_tests_properties(realworld_annotate_${t} PROPERTIES RESOURCE_LOCK realworld)
endforeach()

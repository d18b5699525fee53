#!/bin/sh
# The C++ program of cxx.sh (g++ -O2 -g: templates, lambdas inlined into
# std::sort, libstdc++ and libc) under --cache-sim, one round: C++ names,
# inlined header lines and shared libraries against cg_annotate.
. "$HP_SRC/tests/realworld/lib.sh"
. "$HP_SRC/tests/realworld/cachesim_lib.sh"
rw_need g++ g++
rw_step build g++ -O2 -g -o work "$HP_SRC/tests/fixtures/rwlang/cxx/work.cpp"
rw_cachesim "$T/work" 1

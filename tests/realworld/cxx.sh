#!/bin/sh
# A C++ program (tests/fixtures/rwlang/cxx/work.cpp: templates in a
# namespace, lambdas, std::sort with a comparator, virtual calls,
# exceptions, std::map) built with g++ -O2 -g, profiled by hpprof and perf
# (rw_cpu, lib.sh).
#   $1 = debug (as built) or stripped (strip --strip-all: the program's
#        functions are unnamed code, named by their .eh_frame FDE)
. "$HP_SRC/tests/realworld/lib.sh"
rw_need g++ g++
rw_step build g++ -O2 -g -o work "$HP_SRC/tests/fixtures/rwlang/cxx/work.cpp"
case ${1:-debug} in
debug) ;;
stripped) rw_step strip strip --strip-all work ;;
*) fail "unknown build $1" ;;
esac
RW_NAMES=work rw_cpu "$T/work" 30

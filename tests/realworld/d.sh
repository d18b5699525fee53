#!/bin/sh
# A D program (tests/fixtures/rwlang/d/work.d: a template, a class with a
# virtual method, std.algorithm's sort with a lambda) built with gdc -O2 -g,
# profiled by hpprof and perf (rw_cpu, lib.sh). perf 6.1 shows D names
# mangled, hpprof demangles them (as c++filt -s dlang): peers.demangle maps
# one to the other.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need gdc gdc
rw_step build gdc -O2 -g -o work "$HP_SRC/tests/fixtures/rwlang/d/work.d"
RW_NAMES=work RW_NAMES_TOP=20 rw_cpu "$T/work" 20

#!/bin/sh
# A Fortran program (tests/fixtures/rwlang/fortran/work.f90: module
# procedures, an internal procedure, matmul) built with gfortran -O2 -g,
# profiled by hpprof and perf (rw_cpu, lib.sh). gfortran mangles module
# procedures as __MODULE_MOD_NAME; perf shows that, hpprof MODULE::NAME (as
# gdb does): peers.demangle maps one to the other.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need gfortran gfortran
rw_step build gfortran -O2 -g -o work "$HP_SRC/tests/fixtures/rwlang/fortran/work.f90"
RW_NAMES=work rw_cpu "$T/work" 20

#!/bin/sh
# make -j2 of a generated project of 10 C files: make, sh, gcc, cc1, as,
# collect2 and ld, many short processes.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need make make
rw_need gcc gcc
rw_gen make proj 10
rw_reset() { make -s -C proj clean >/dev/null; }
rw_cpu make -s -j2 -C proj

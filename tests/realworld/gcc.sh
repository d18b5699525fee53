#!/bin/sh
# gcc -O2 -c of one generated C file of 80 functions: the driver, cc1
# (C++, symbols exported for plugins) and as.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need gcc gcc
rw_gen c big.c 80
rw_cpu gcc -O2 -c big.c -o big.o

#!/bin/sh
# bzip2 -9 on 300 KiB of generated text under --cache-sim: libbz2 is
# stripped (its exported BZ2_* functions named by .dynsym, the rest ???),
# libc and ld.so have line tables (libc6-dbg). About 3 s under valgrind.
. "$HP_SRC/tests/realworld/lib.sh"
. "$HP_SRC/tests/realworld/cachesim_lib.sh"
rw_need bzip2 bzip2
rw_gen text input.txt 1
head -c 307200 input.txt >small.txt
rw_cachesim --no-lines BZ2_compressBlock bzip2 -9 -c small.txt

#!/bin/sh
# bzip2 -9 on 300 KiB of generated text, and bzip2 -d of it, in a pipeline
# under --cache-sim (three processes: sh and the two bzip2, a file each):
# libbz2 is stripped (its exported BZ2_* functions named by .dynsym, the
# rest ???), libc and ld.so have line tables (libc6-dbg). About 5 s under
# valgrind.
. "$HP_SRC/tests/realworld/lib.sh"
. "$HP_SRC/tests/realworld/cachesim_lib.sh"
rw_need bzip2 bzip2
rw_gen text input.txt 1
head -c 307200 input.txt >small.txt
rw_cachesim --no-lines BZ2_compressBlock sh -c "bzip2 -9 -c small.txt | bzip2 -d"

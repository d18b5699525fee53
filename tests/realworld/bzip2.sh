#!/bin/sh
# bzip2 -9 on 2 MiB of generated text (Debian's libbz2 is stripped: its
# internal functions, where the time goes, are unnamed code).
. "$HP_SRC/tests/realworld/lib.sh"
rw_need bzip2 bzip2
rw_gen text input.txt 2
rw_cpu bzip2 -9 -c input.txt

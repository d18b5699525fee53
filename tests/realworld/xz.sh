#!/bin/sh
# xz -6 single-threaded on 3 MiB of generated text (liblzma is stripped:
# its internal functions are unnamed code).
. "$HP_SRC/tests/realworld/lib.sh"
rw_need xz xz-utils
rw_gen text input.txt 3
rw_cpu xz -6 -T1 -c input.txt

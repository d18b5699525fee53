#!/bin/sh
# xz -6 single-threaded on 3 MiB of generated text (liblzma is stripped:
# its internal functions are unnamed code). usage: xz.sh cpu|alloc
. "$HP_SRC/tests/realworld/lib.sh"
rw_need xz xz-utils
# allocations: the same program on less input (16 allocations either way)
if [ "${1:-}" = alloc ]; then rw_gen text input.txt 1; else rw_gen text input.txt 3; fi
rw_main "${1:-}" xz -6 -T1 -c input.txt

#!/bin/sh
# Page faults of sort on 8 MiB of generated text: 2/3 of them are taken in
# the kernel, read() copying into fresh buffers (faults_lib.sh).
. "$HP_SRC/tests/realworld/lib.sh"
. "$HP_SRC/tests/realworld/faults_lib.sh"
rw_need sort coreutils
rw_gen text input.txt 8
rw_faults sort -S 64M input.txt -o /dev/null

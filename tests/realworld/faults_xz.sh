#!/bin/sh
# Page faults of xz -9 on 300 KiB of generated text: its match finder's
# hash tables, first touched in liblzma (stripped: unnamed code by FDE).
. "$HP_SRC/tests/realworld/lib.sh"
. "$HP_SRC/tests/realworld/faults_lib.sh"
rw_need xz xz-utils
rw_gen text input.txt 1
head -c 307200 input.txt >small.txt
rw_faults xz -9 -T1 -c small.txt

#!/bin/sh
# xz -6 single-threaded under hpprof --alloc and heaptrack: calls, leaks,
# heap peak and temporaries agree (issue 13). liblzma allocates a few large
# buffers (16 calls, ~97 MB): the peak is all of them.
. "$HP_SRC/tests/realworld/memory_lib.sh"
need xz xz-utils
"$PY" "$HP_SRC/tests/realworld/gen.py" text input.txt 1 ||
	fail "cannot generate the input"
mem_compare ":" xz -6 -T1 -c input.txt

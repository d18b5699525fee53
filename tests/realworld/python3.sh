#!/bin/sh
# Debian's python3.11 on a generated pure-Python script (a binary tree,
# dict counting, repr of a list of dicts). usage: python3.sh cpu|alloc
. "$HP_SRC/tests/realworld/lib.sh"
rw_need /usr/bin/python3.11 python3.11
# allocations: a third of the work (about 900,000 malloc calls)
if [ "${1:-}" = alloc ]; then rw_gen python work.py 20000; else rw_gen python work.py 60000; fi
# For allocations Python's small-object allocator (pymalloc: arenas from
# mmap, invisible to every malloc tracker) is turned off, as heaptrack's
# documentation advises, so that every object is a malloc call for both tools.
[ "${1:-}" = alloc ] && export PYTHONMALLOC=malloc
rw_main "${1:-}" /usr/bin/python3.11 work.py

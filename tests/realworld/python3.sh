#!/bin/sh
# Debian's python3.11 on a generated pure-Python script (a binary tree,
# dict counting, repr of a list of dicts).
. "$HP_SRC/tests/realworld/lib.sh"
rw_need /usr/bin/python3.11 python3.11
rw_gen python work.py 60000
rw_cpu /usr/bin/python3.11 work.py

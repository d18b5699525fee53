#!/bin/sh
# git gc --aggressive on a generated repository of 300 commits (git is
# stripped; gc runs repack/pack-objects with threads). Each run gets a
# fresh copy.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need git git
rw_gen git repo.orig 300
rw_reset() { rm -rf repo && cp -a repo.orig repo; }
rw_cpu git -C repo gc -q --aggressive

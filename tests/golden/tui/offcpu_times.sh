#!/bin/sh
# offcpu_times.sh - every TUI view that shows a time-valued column or
# weight, on the off-CPU fixture (tests/golden/fixture.sh load offcpu: a
# run recorded with --off-cpu whose task-clock was read with each sample):
# the functions and lines tables (task-clock), the call tree top-down and
# bottom-up (task-clock, off-cpu, wall), the source gutter, and the flame
# graph's info line by off-CPU and by wall time. Times are in ms with one
# decimal, as `hpprof report` prints them (its wall and off-CPU tables),
# with "ms" in the header: a column of raw nanoseconds fails the
# comparison with offcpu_times.txt (HP_REGEN=1 rewrites it).
set -eu
here="$HP_SRC/tests/golden/tui"
. "$here/lib.sh"
sh "$HP_SRC/tests/golden/fixture.sh" load offcpu "$tmp/f.db"
mkdir -p "$tmp/src/tests/fixtures/offcpu"
cp "$HP_SRC/tests/fixtures/offcpu/offcpu_fixture.c" "$tmp/src/tests/fixtures/offcpu/"
cd "$tmp"
dump() {
	echo "=== $*"
	NO_COLOR= LANG=C.UTF-8 "$HPPROF" tui --width 160 --height 16 \
		--source-map /src=src "$@" f.db
}
{
	dump --dump functions
	dump --dump lines
	dump --dump tree
	dump --dump tree --keys i
	dump --dump functions --keys c
	dump --dump source
	dump --dump flame --keys w
	dump --dump flame --keys ww
} > out.txt
golden_check offcpu_times out.txt

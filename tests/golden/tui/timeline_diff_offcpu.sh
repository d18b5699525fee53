#!/bin/sh
# timeline_diff_offcpu.sh - the timeline view of `hpprof tui --diff` (one
# time axis for both runs) on the off-CPU fixture (tests/golden/fixture.sh
# load offcpu: five threads that block on a mutex, recorded with
# --off-cpu) against the same run cut at 160 ms (samples, off-CPU intervals
# and memory readings after it dropped, run_info's duration 160 ms): both
# runs' blocked columns (the shaded blocks) drawn on the common axis, the
# before run ending at half the after run's span. Compared with
# timeline_diff_offcpu.txt; HP_REGEN=1 rewrites it.
set -eu
here="$HP_SRC/tests/golden/tui"
. "$here/lib.sh"
sh "$HP_SRC/tests/golden/fixture.sh" load offcpu "$tmp/after.db"
cp "$tmp/after.db" "$tmp/before.db"
golden_cut "$tmp/before.db" 160000000
cd "$tmp"
NO_COLOR= LANG=C.UTF-8 "$HPPROF" tui --dump timeline --width 100 --height 30 \
	--diff before.db after.db > out.txt
golden_check timeline_diff_offcpu out.txt

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
command -v sqlite3 >/dev/null 2>&1 || { echo "skip: the sqlite3 shell is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$HP_SRC/tests/golden/fixture.sh" load offcpu "$tmp/after.db"
cp "$tmp/after.db" "$tmp/before.db"
sqlite3 "$tmp/before.db" "DELETE FROM samples WHERE t_ns >= 160000000;
	DELETE FROM memory WHERE t_ns >= 160000000;
	UPDATE meta SET value = '160000000' WHERE key = 'duration_ns'"
cd "$tmp"
NO_COLOR= LANG=C.UTF-8 "$HPPROF" tui --dump timeline --width 100 --height 30 \
	--diff before.db after.db > out.txt
if [ -n "${HP_REGEN-}" ]; then
	cp out.txt "$here/timeline_diff_offcpu.txt"
	echo "regenerated $here/timeline_diff_offcpu.txt"
	exit 0
fi
if ! diff -u "$here/timeline_diff_offcpu.txt" out.txt; then
	echo "FAIL: differs from tests/golden/tui/timeline_diff_offcpu.txt (HP_REGEN=1 to accept)"
	exit 1
fi

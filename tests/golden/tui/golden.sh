#!/bin/sh
# golden.sh NAME VIEW WxH KEYS [OPTION...] - render one view of the fixture
# database with `hpprof tui --dump` after pressing KEYS ("-": none), with
# the options (e.g. --diff fixture.db), and compare it with NAME.txt;
# HP_REGEN=1 rewrites NAME.txt instead. Runs in a scratch directory holding
# fixture.db and the fixture's source file, so that the source view finds
# it by the relative path the fixture records. fixture-base.db is a
# baseline for the diff views: the fixture with two thirds of the main
# thread's samples dropped, so that thread's functions are faster in it.
# fixture-short.db is a shorter run for the diff timeline: the fixture cut
# at 50 ms (samples and memory readings after it dropped, run_info's
# duration 50 ms). fixture-other.db is that shorter run as if recorded
# again: its second thread has another id (1002), so that a filter on
# thread 1001 has nothing to pair with in it.
set -eu
name=$1 view=$2 size=$3 keys=$4
shift 4
[ "$keys" = - ] && keys=
here="$HP_SRC/tests/golden/tui"
. "$here/lib.sh"
sh "$HP_SRC/tests/golden/fixture.sh" load tui "$tmp/fixture.db"
cp "$tmp/fixture.db" "$tmp/fixture-base.db"
sqlite3 "$tmp/fixture-base.db" "DELETE FROM samples WHERE tid = 1000 AND event = 0 AND rowid % 3 != 0"
cp "$tmp/fixture.db" "$tmp/fixture-short.db"
golden_cut "$tmp/fixture-short.db" 50000000
cp "$tmp/fixture-short.db" "$tmp/fixture-other.db"
sqlite3 "$tmp/fixture-other.db" "UPDATE threads SET tid = 1002 WHERE tid = 1001;
	UPDATE samples SET tid = 1002 WHERE tid = 1001"
cp "$here/fixture_prog.c" "$tmp/"
cd "$tmp"
NO_COLOR= LANG=C.UTF-8 "$HPPROF" tui --dump "$view" --width "${size%x*}" --height "${size#*x}" \
	${keys:+--keys "$keys"} "$@" fixture.db > out.txt
golden_check "$name" out.txt

#!/bin/sh
# whole_run_counters.sh - the views of `hpprof tui` on a run whose software
# counters were counted for the whole run only (role 'total', no value per
# sample: a default run without a PMU records them so): the tui fixture
# with task-clock, context-switches, cpu-migrations and page-faults turned
# into whole-run totals and every sample's counters NULL. No view may show
# a column of 0 for them (they were not measured per node, line or
# function): the call tree (alone and in --diff), the functions and lines
# tables, the source view. Compared with whole_run_counters.txt;
# HP_REGEN=1 rewrites it.
set -eu
here="$HP_SRC/tests/golden/tui"
. "$here/lib.sh"
sh "$HP_SRC/tests/golden/fixture.sh" load tui "$tmp/total.db"
sqlite3 "$tmp/total.db" "UPDATE events SET role = 'total' WHERE id BETWEEN 1 AND 4;
	UPDATE samples SET counters = NULL"
cp "$here/fixture_prog.c" "$tmp/"
cd "$tmp"
dump() {
	echo "### $*"
	NO_COLOR= LANG=C.UTF-8 "$HPPROF" tui --dump "$@" --width 120 --height 12 total.db
}
{
	dump tree
	dump tree --diff total.db
	dump functions
	dump lines
	dump source
} > out.txt
golden_check whole_run_counters out.txt
# Never a counter that was not measured per row as a column.
if grep -E 'task-clock|context-switches|cpu-migrations|page-faults( |$)' out.txt; then
	echo "FAIL: a whole-run counter is shown as a per-row column"
	exit 1
fi

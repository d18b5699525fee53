#!/bin/sh
# Golden tests of the report formats and annotate on a fixed profile
# (fixtures/julia-small.sql, and fixtures/kernel.sql for the kernel
# section). HP_REGEN=1 rewrites the expected files.
. "$HP_SRC/tests/e2e/lib.sh"
G="$HP_SRC/tests/golden"
sh "$HP_SRC/tests/golden/fixture.sh" load julia-small f.db || fail "cannot build the fixture database"

check() {  # check NAME CMD...
	name=$1
	shift
	"$@" >"$name.out" 2>"$name.err" || { cat "$name.err"; fail "$name: command failed"; }
	if [ "${HP_REGEN:-0}" = 1 ]; then
		cp "$name.out" "$G/report/$name.expected"
		note "regenerated $name"
		return
	fi
	diff -u "$G/report/$name.expected" "$name.out" || fail "$name differs from the golden file"
	note "$name matches"
}

check report_text "$HPPROF" report f.db
check report_limit "$HPPROF" report -n 3 --sort total f.db
check report_csv "$HPPROF" report --format csv f.db
check report_json "$HPPROF" report --format json f.db
check annotate "$HPPROF" annotate f.db calculate_z
check views sqlite3 -header f.db "SELECT * FROM function_profile LIMIT 8; SELECT * FROM line_profile LIMIT 8; SELECT * FROM thread_profile;"
# Kernel frames (fixtures/kernel.sql: a first-touch loop recorded as root):
# the kernel section, and the hot lines charging kernel time and page
# faults to the touching line.
sh "$HP_SRC/tests/golden/fixture.sh" load kernel k.db || fail "cannot build the kernel fixture"
check report_kernel "$HPPROF" report --kernel -n 8 k.db
check report_kernel_text "$HPPROF" report -n 6 k.db
# Off-CPU time (fixtures/offcpu.sql: four workers on one mutex, recorded
# with --off-cpu as root): the wall report with its wait classes, and the
# wall views.
sh "$HP_SRC/tests/golden/fixture.sh" load offcpu o.db || fail "cannot build the offcpu fixture"
check report_wall "$HPPROF" report --weight wall -n 6 o.db
check views_wall sqlite3 -header o.db "SELECT * FROM wall_profile LIMIT 10; SELECT * FROM wall_line_profile LIMIT 6;"
echo "PASS"

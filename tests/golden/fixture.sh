#!/bin/sh
# fixture.sh - the golden fixtures: real profiles kept as rows only
# (tests/golden/fixtures/NAME.sql, INSERT statements), made into databases
# with the schema of common/schema.sql, so no fixture carries a schema of
# its own that could go stale.
#
#   fixture.sh load NAME OUT.db
#       build OUT.db: the schema as `hpprof run` creates it, NAME's rows,
#       then the function_profile and line_profile views (hp_fixture_db).
#       env: HP_SRC, HP_BUILD (set by CTest)
#   fixture.sh record BUILD_DIR [NAME...] [--out DIR]
#       record the fixtures again with BUILD_DIR/hpprof (all five, or the
#       NAMEs), normalize what changes from run to run (paths, pids, times,
#       host) and write DIR/NAME.sql (default: tests/golden/fixtures). Run
#       it by hand, rarely: every golden output changes with a fixture
#       (then HP_REGEN=1 ctest -L golden rewrites them).
#
# The fixtures:
#   julia-small  `hpprof run -F 250 -k julia -- --width 300` (report goldens)
#   export       tests/golden/export/fixture_prog.c (export and diff goldens)
#   tui          tests/golden/tui/fixture_prog.c + fixture_lib.c with --alloc
#                (TUI goldens)
#   kernel       tests/fixtures/kernel/first_touch.c as root: kernel frames
#                in [kernel.kallsyms] beneath the touching line (report
#                --kernel golden)
#   offcpu       tests/fixtures/offcpu/offcpu_fixture.c mutex 10 as root with
#                --off-cpu: lock waits with kernel frames (report --weight
#                wall, wall_profile goldens)
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
FIXTURES=$SRC/tests/golden/fixtures

die() { echo "fixture.sh: $*" >&2; exit 1; }

# load NAME OUT.db
load() {
	name=$1 out=$2
	tool=${HP_BUILD:?HP_BUILD is the build directory}/tests/hp_fixture_db
	[ -f "$FIXTURES/$name.sql" ] || die "no fixture '$name' in $FIXTURES"
	rm -f "$out"
	"$tool" create "$out" || die "cannot create '$out'"
	sqlite3 "$out" <"$FIXTURES/$name.sql" || die "cannot load the rows of '$name'"
	"$tool" views "$out" || die "cannot create the views of '$out'"
}

# rows DB: every row of every table as INSERT statements, table by table
# in creation order, rows in storage order (as .dump has them).
rows() {
	echo "BEGIN TRANSACTION;"
	for t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table'
				 AND name NOT LIKE 'sqlite_%' ORDER BY rowid"); do
		sqlite3 "$1" ".mode insert $t" "SELECT * FROM $t"
	done
	echo "COMMIT;"
}

record_julia_small() {
	"$BUILD/hpprof" run -q -F 250 -o "$W/f.db" -k julia -- --width 300 >/dev/null
	sqlite3 "$W/f.db" "UPDATE meta SET value = 'fixture-host' WHERE key = 'hostname';
	  UPDATE meta SET value = '6.0.0' WHERE key = 'kernel';
	  UPDATE meta SET value = '2026-01-01T00:00:00+0000' WHERE key = 'start_time';
	  UPDATE meta SET value = '/work' WHERE key = 'cwd';
	  UPDATE meta SET value = '0' WHERE key IN ('unwind_ns', 'symbolize_ns');"
	rows "$W/f.db" | sed -e "s|$BUILD|/build|g" -e "s|$SRC|/src|g"
}

record_export() {
	here=$SRC/tests/golden/export
	cc -O2 -g -pthread -o "$W/fixture_prog" "$here/fixture_prog.c"
	"$BUILD/hpprof" run -q -o "$W/f.db" "$W/fixture_prog" >/dev/null
	sqlite3 "$W/f.db" <<SQL
UPDATE meta SET value = '/src/fixture_prog' WHERE key IN ('command', 'target');
UPDATE meta SET value = '/src' WHERE key = 'cwd';
UPDATE meta SET value = '2024-01-01T00:00:00+0000' WHERE key = 'start_time';
UPDATE meta SET value = 'host' WHERE key = 'hostname';
UPDATE meta SET value = '6.0.0' WHERE key = 'kernel';
UPDATE meta SET value = '0' WHERE key IN ('symbolize_ns', 'unwind_ns');
UPDATE meta SET value = '0.000' WHERE key IN ('user_s', 'sys_s');
UPDATE modules SET path = '/src/fixture_prog', build_id = 'f1x7' WHERE path = '$W/fixture_prog';
UPDATE files SET path = '/src/fixture_prog.c' WHERE path LIKE '%/fixture_prog.c';
UPDATE processes SET exe = '/src/fixture_prog';
-- the process becomes pid 1000, its threads 1000, 1001, ... in tid order
CREATE TEMP TABLE ids AS
  SELECT tid AS old, 999 + ROW_NUMBER() OVER (ORDER BY tid) AS new FROM threads;
UPDATE samples SET tid = -(SELECT new FROM ids WHERE old = tid);
UPDATE samples SET tid = -tid;
UPDATE threads SET tid = -(SELECT new FROM ids WHERE old = tid), pid = 1000;
UPDATE threads SET tid = -tid;
UPDATE processes SET pid = 1000, ppid = 999;
UPDATE memory SET pid = 1000;
SQL
	rows "$W/f.db"
}

record_tui() {
	here=$SRC/tests/golden/tui
	cp "$here/fixture_prog.c" "$here/fixture_lib.c" "$W/"
	(cd "$W" && cc -O2 -g -pthread -o fixture_prog fixture_prog.c fixture_lib.c &&
	 "$BUILD/hpprof" run -q --alloc -o f.db ./fixture_prog >/dev/null)
	sqlite3 "$W/f.db" <<'SQL'
CREATE TEMP TABLE tmap AS
  SELECT tid AS old, 1000 + ROW_NUMBER() OVER (ORDER BY tid) - 1 AS new FROM threads;
UPDATE samples SET tid = (SELECT new FROM tmap WHERE old = samples.tid);
UPDATE memory SET pid = (SELECT new FROM tmap WHERE old = memory.pid);
UPDATE processes SET pid = (SELECT new FROM tmap WHERE old = processes.pid), ppid = 1,
  exe = '/opt/fixture/fixture_prog';
UPDATE threads SET pid = (SELECT new FROM tmap WHERE old = threads.pid),
  tid = (SELECT new FROM tmap WHERE old = threads.tid);
UPDATE modules SET build_id = NULL;
UPDATE modules SET path = '/opt/fixture/fixture_prog' WHERE path LIKE '%/fixture_prog';
UPDATE files SET path = 'fixture_prog.c' WHERE path LIKE '%fixture_prog.c';
UPDATE files SET path = '/nonexistent/src/fixture_lib.c' WHERE path LIKE '%fixture_lib.c';
UPDATE meta SET value = 'fixture_prog' WHERE key IN ('command', 'target');
UPDATE meta SET value = '/nonexistent' WHERE key = 'cwd';
UPDATE meta SET value = 'fixture-host' WHERE key = 'hostname';
UPDATE meta SET value = '2000-01-01T00:00:00Z' WHERE key = 'start_time';
UPDATE meta SET value = '0' WHERE key IN ('user_s', 'sys_s', 'unwind_ns', 'symbolize_ns');
UPDATE meta SET value = 'fixture' WHERE key IN ('kernel', 'hpprof_version');
SQL
	rows "$W/f.db"
}

record_kernel() {
	"$BUILD/hpprof" run -q -F 250 -o "$W/f.db" "$BUILD/tests/first_touch" 32 2 >/dev/null
	sqlite3 "$W/f.db" <<'SQL'
UPDATE meta SET value = 'fixture-host' WHERE key = 'hostname';
UPDATE meta SET value = '6.0.0' WHERE key = 'kernel';
UPDATE meta SET value = 'fixture-boot' WHERE key = 'boot_id';
UPDATE meta SET value = '2026-01-01T00:00:00+0000' WHERE key = 'start_time';
UPDATE meta SET value = '/work' WHERE key = 'cwd';
UPDATE meta SET value = '0' WHERE key IN ('unwind_ns', 'symbolize_ns');
UPDATE meta SET value = '0.000' WHERE key IN ('user_s', 'sys_s');
CREATE TEMP TABLE ids AS
  SELECT tid AS old, 999 + ROW_NUMBER() OVER (ORDER BY tid) AS new FROM threads;
UPDATE samples SET tid = -(SELECT new FROM ids WHERE old = tid);
UPDATE samples SET tid = -tid;
UPDATE threads SET tid = -(SELECT new FROM ids WHERE old = tid), pid = 1000;
UPDATE threads SET tid = -tid;
UPDATE processes SET pid = 1000, ppid = 999;
UPDATE memory SET pid = 1000;
SQL
	rows "$W/f.db" | sed -e "s|$BUILD|/build|g" -e "s|$SRC|/src|g"
}

record_offcpu() {
	"$BUILD/hpprof" run -q -F 250 --off-cpu -o "$W/f.db" "$BUILD/tests/offcpu_fixture" mutex 10 \
		>/dev/null
	sqlite3 "$W/f.db" <<'SQL'
UPDATE meta SET value = 'fixture-host' WHERE key = 'hostname';
UPDATE meta SET value = '6.0.0' WHERE key = 'kernel';
UPDATE meta SET value = 'fixture-boot' WHERE key = 'boot_id';
UPDATE meta SET value = '2026-01-01T00:00:00+0000' WHERE key = 'start_time';
UPDATE meta SET value = '/work' WHERE key = 'cwd';
UPDATE meta SET value = '0' WHERE key IN ('unwind_ns', 'symbolize_ns');
UPDATE meta SET value = '0.000' WHERE key IN ('user_s', 'sys_s');
CREATE TEMP TABLE ids AS
  SELECT tid AS old, 999 + ROW_NUMBER() OVER (ORDER BY tid) AS new FROM threads;
UPDATE samples SET tid = -(SELECT new FROM ids WHERE old = tid);
UPDATE samples SET tid = -tid;
UPDATE threads SET tid = -(SELECT new FROM ids WHERE old = tid), pid = 1000;
UPDATE threads SET tid = -tid;
UPDATE processes SET pid = 1000, ppid = 999;
UPDATE memory SET pid = 1000;
SQL
	rows "$W/f.db" | sed -e "s|$BUILD|/build|g" -e "s|$SRC|/src|g"
}

# record BUILD_DIR [NAME...] [--out DIR]
record() {
	BUILD=$(cd "${1:?usage: fixture.sh record BUILD_DIR [NAME...] [--out DIR]}" && pwd)
	shift
	out=$FIXTURES names=
	while [ $# -gt 0 ]; do
		case $1 in
		--out) out=$(cd "$2" && pwd); shift 2 ;;
		julia-small|export|tui|kernel|offcpu) names="$names $1"; shift ;;
		*) die "unknown fixture '$1' (julia-small, export, tui, kernel, offcpu)" ;;
		esac
	done
	for name in ${names:-julia-small export tui kernel offcpu}; do
		W=$(mktemp -d)
		{
			echo "-- The golden fixture '$name': rows of a real profile, normalized and"
			echo "-- written by tests/golden/fixture.sh record (do not edit by hand);"
			echo "-- fixture.sh load adds the schema of common/schema.sql."
			"record_$(echo "$name" | tr - _)"
		} >"$W/out.sql"
		mv "$W/out.sql" "$out/$name.sql"
		rm -rf "$W"
		echo "wrote $out/$name.sql ($(grep -c '^INSERT INTO samples' "$out/$name.sql") samples)"
	done
}

command -v sqlite3 >/dev/null 2>&1 ||
	{ echo "SKIP: the sqlite3 shell is not installed (apt-get install sqlite3)"; exit 77; }
case ${1:-} in
load) shift; [ $# = 2 ] || die "usage: fixture.sh load NAME OUT.db"; load "$@" ;;
record) shift; record "$@" ;;
*) die "usage: fixture.sh load NAME OUT.db | record BUILD_DIR [NAME...] [--out DIR]" ;;
esac

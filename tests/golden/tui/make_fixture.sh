#!/bin/sh
# make_fixture.sh BUILD_DIR - record fixture_prog with hpprof, normalize the
# database (pids, paths, times of day, host) and write fixture.sql next to
# this script. Run it only when the schema or the fixture program changes,
# then regenerate the goldens: HP_REGEN=1 ctest -L golden -R tui.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: make_fixture.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/fixture_prog.c" "$here/fixture_lib.c" "$tmp/"
cd "$tmp"
cc -O2 -g -pthread -o fixture_prog fixture_prog.c fixture_lib.c
"$build/hpprof" run -q --alloc -o raw.db ./fixture_prog >/dev/null
sqlite3 raw.db <<'SQL'
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
{
	echo "-- TUI golden fixture: a normalized \`hpprof run --alloc\` of fixture_prog.c"
	echo "-- (made by make_fixture.sh; do not edit by hand)."
	echo "PRAGMA application_id = $(sqlite3 raw.db 'PRAGMA application_id');"
	echo "PRAGMA user_version = $(sqlite3 raw.db 'PRAGMA user_version');"
	sqlite3 raw.db .dump
} > "$here/fixture.sql"
echo "wrote $here/fixture.sql ($(grep -c '^INSERT INTO samples' "$here/fixture.sql") samples)"

#!/bin/sh
# Regenerate tests/golden/fixtures/export.sql: record fixture_prog.c once,
# normalize what changes from run to run (paths, pids, times, host), dump.
# Run by hand, rarely: every export expectation changes with the fixture
# (then regenerate them with HP_REGEN=1 ctest -R export_golden).
# usage: make_fixture.sh     env: HPPROF (default: hpprof on PATH)
set -eu
HPPROF=${HPPROF:-hpprof}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/../fixtures/export.sql
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -g -pthread -o "$tmp/fixture_prog" "$here/fixture_prog.c"
"$HPPROF" run -q -o "$tmp/fx.db" "$tmp/fixture_prog" >/dev/null
sqlite3 "$tmp/fx.db" <<SQL
UPDATE meta SET value = '/src/fixture_prog' WHERE key IN ('command', 'target');
UPDATE meta SET value = '/src' WHERE key = 'cwd';
UPDATE meta SET value = '2024-01-01T00:00:00+0000' WHERE key = 'start_time';
UPDATE meta SET value = 'host' WHERE key = 'hostname';
UPDATE meta SET value = '6.0.0' WHERE key = 'kernel';
UPDATE meta SET value = '0' WHERE key IN ('symbolize_ns', 'unwind_ns');
UPDATE meta SET value = '0.000' WHERE key IN ('user_s', 'sys_s');
UPDATE modules SET path = '/src/fixture_prog', build_id = 'f1x7' WHERE path = '$tmp/fixture_prog';
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
{
	echo "-- The golden fixture of hpprof export and diff: a real profile of"
	echo "-- tests/golden/export/fixture_prog.c, normalized by make_fixture.sh."
	echo "PRAGMA application_id = $((0x68707066));"
	echo "PRAGMA user_version = $(sqlite3 "$tmp/fx.db" 'PRAGMA user_version');"
	sqlite3 "$tmp/fx.db" .dump
} >"$out"
echo "wrote $out"

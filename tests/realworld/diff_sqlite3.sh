#!/bin/sh
# hpprof diff on a real change of known direction: sqlite3 answering 300
# point queries (WHERE a = K) on a 50,000-row table without, then with, an
# index on a (the table, built once beforehand, is gen.py's). Checked
# against perf stat and perf record as diff_levels.sh (diff_check.py): the
# whole run gets faster, and the functions of the table scan (stripped
# libsqlite3: module+0x...) are faster or gone.
. "$HP_SRC/tests/realworld/lib.sh"
. "$HP_SRC/tests/realworld/diff_lib.sh"
rw_need sqlite3 sqlite3
rw_gen sql work.sql 50000
sqlite3 idx.db <work.sql >/dev/null 2>&1 || fail "sqlite3 idx.db < work.sql"
cp idx.db noidx.db
sqlite3 noidx.db "DROP INDEX ta;" || fail "sqlite3 noidx.db: DROP INDEX ta"
"$PY" -c '
for k in range(0, 1000, 1000 // 300 + 1):
    print("SELECT COUNT(*), AVG(c) FROM t WHERE a = %d;" % k)' >q.sql || fail "q.sql"
rw_diff "sqlite3 -init q.sql noidx.db .quit" "sqlite3 -init q.sql idx.db .quit"

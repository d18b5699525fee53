#!/bin/sh
# sqlite3: 120,000 inserts in one transaction, two indexes, a self-join,
# group-bys and a sort, into a fresh database file.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need sqlite3 sqlite3
rw_gen sql work.sql 120000
rw_reset() { rm -f work.db; }
rw_cpu sqlite3 work.db ".read work.sql"

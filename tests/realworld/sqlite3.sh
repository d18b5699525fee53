#!/bin/sh
# sqlite3: 120,000 inserts in one transaction, two indexes, a self-join,
# group-bys and a sort, into a fresh database file. usage: sqlite3.sh cpu|alloc
. "$HP_SRC/tests/realworld/lib.sh"
rw_need sqlite3 sqlite3
# allocations: a third of the rows (about a million malloc calls)
if [ "${1:-}" = alloc ]; then rw_gen sql work.sql 40000; else rw_gen sql work.sql 120000; fi
rw_reset() { rm -f work.db; }
rw_main "${1:-}" sqlite3 work.db ".read work.sql"

#!/bin/sh
# sqlite3 under hpprof --alloc and heaptrack: calls, leaks, heap peak and
# temporaries agree (issue 13). The input: 30,000 rows inserted in one
# transaction, an index, a join, a group-by and a sort, from a fixed seed.
. "$HP_SRC/tests/realworld/memory_lib.sh"
need sqlite3 sqlite3
"$PY" - >work.sql <<'PY'
import random
r = random.Random(13)
print("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL, g INTEGER);")
print("BEGIN;")
for i in range(30000):
    name = "".join(r.choice("abcdefghij") for _ in range(r.randint(4, 40)))
    print("INSERT INTO t(name, v, g) VALUES('%s', %f, %d);" % (name, r.random() * 1e6, r.randint(0, 99)))
print("COMMIT;")
print("CREATE INDEX t_name ON t(name);")
print("SELECT g, COUNT(*), AVG(v) FROM t GROUP BY g ORDER BY 3 DESC LIMIT 5;")
print("SELECT COUNT(*) FROM t a JOIN t b ON a.g = b.g AND a.id < b.id AND b.id < a.id + 20;")
print("SELECT name FROM t ORDER BY v DESC LIMIT 3;")
PY
mem_compare "rm -f work.db" sqlite3 work.db ".read work.sql"

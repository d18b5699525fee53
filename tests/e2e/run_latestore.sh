#!/bin/sh
# The database's SQLite part (open, pragmas, the first commit of the facts)
# is made once the program runs, beside it (docs/performance.md, "Wave 12:
# before the program"); only the file is made before, so a full disk still
# stops the run before the program starts (e2e_run_diskfull). When the late
# part fails - here SQLite cannot make its shared-memory file, a directory
# stands in its place - the program runs to its end all the same, hpprof
# exits with the program's status and says that no profile was made, and
# nothing is left at that name: a previous profile stays FILE.old, as said
# (a report of FILE must not show an older run as this one; docs/reliability.md,
# "Full disks"). With the old order the program did not run at all.
. "$HP_SRC/tests/e2e/lib.sh"
export XDG_CACHE_HOME="$T/cache"
"$HPPROF" run -q -o p.db /bin/true || fail "hpprof run (the previous profile)"
cp p.db previous.db
mkdir p.db-shm
"$HPPROF" run -o p.db -- /bin/sh -c 'echo RAN; echo END; exit 3' >out.txt 2>err.txt
st=$?
[ "$st" -eq 3 ] || { cat err.txt; fail "exit $st, expected the program's (3)"; }
assert_contains "the program ran" out.txt RAN
assert_contains "the program ran to its end" out.txt END
assert_contains "the error says which database" err.txt "cannot create database 'p.db': "
assert_contains "and what became of the program" err.txt \
	"the program runs to its end without being profiled"
assert_contains "the previous profile is kept" err.txt "kept the previous profile as 'p.db.old'"
[ ! -e p.db ] && [ ! -e p.db-wal ] || fail "a database without a profile was left: $(ls)"
cmp -s p.db.old previous.db || fail "p.db.old is not the previous profile"
assert_eq "the previous profile reads" "$(q p.db.old "SELECT value FROM run_info WHERE key = 'command'")" /bin/true
# Without a previous profile: nothing at all is left.
mkdir q.db-shm
"$HPPROF" run -q -o q.db -- /bin/sh -c 'exit 0' 2>err2.txt || { cat err2.txt; fail "exit, expected 0"; }
[ ! -e q.db ] && [ ! -e q.db-wal ] || fail "a database without a profile was left: $(ls)"
assert_contains "said with -q too" err2.txt "cannot create database 'q.db': "
# A stop signal to hpprof then still reaches the program (passed on).
mkdir r.db-shm
"$HPPROF" run -q -o r.db -- sleep 60 2>err3.txt &
hp=$!
i=0
while ! grep -q "cannot create database 'r.db'" err3.txt && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM "$hp"
wait "$hp"
st=$?
assert_eq "SIGTERM passed on: the program's status" "$st" 143
echo "PASS"

#!/bin/sh
# Wave 25: a profile being written is the run's alone. `hpprof report` on a
# run's file while the run went on "finished" it (symbolized it, as for a
# killed run): the run's own end then failed ("cannot finish database:
# UNIQUE constraint failed") and the profile said it was unfinished. Two
# runs started with one output could both write one file (the second
# moved the first's aside before the first opened it by name). A run now
# holds a writer lock on its file from its creation to its close
# (store_write_locked): a reader refuses to finish it, another run
# refuses to take its name, before starting its program, and merge
# --force to replace it; readers finishing a killed run's file take turns.
. "$HP_SRC/tests/e2e/lib.sh"
# a run that lasts: a shell loop (hpprof itself in the background, so that
# $! is hpprof's pid)
LOOP='while :; do :; done'
# committed NAME DB: wait until the run in the background ($bg) committed
# samples to DB (sqlite3 on a name that does not exist yet would make an
# empty file: it waits for the file first)
committed() {
	n=0
	until [ -e "$2" ] && [ "$(q "$2" "SELECT COUNT(*) FROM samples" 2>/dev/null)" -gt 0 ] 2>/dev/null; do
		n=$((n + 1)); [ $n -lt 150 ] || { kill $bg; cat "$1.err"; fail "$1: no sample committed in 15 s"; }
		sleep 0.1
	done
}

# A: a report while the run goes on: refused; the run ends whole
"$HPPROF" run -o live.db --duration 2 --kill sh -c "$LOOP" >a.out 2>a.err &
bg=$!
committed a live.db
if "$HPPROF" report live.db >r.out 2>r.err; then
	kill $bg; cat r.out; fail "a: report of a run in progress succeeded"
fi
assert_contains "a: report says why" r.err "being written by a run in progress"
# B: another run with that output, meanwhile: refused before its program
if "$HPPROF" run -o live.db sh -c 'touch b.ran' >b.out 2>b.err; then
	kill $bg; fail "b: a second run on live.db succeeded"
fi
[ ! -e b.ran ] || fail "b: the refused run's program ran"
# D: merge --force onto it, meanwhile: refused (it replaced the file, and
# the run went on writing an unlinked one)
"$HPPROF" run -q -o small.db sh -c 'exit 0' 2>/dev/null || fail "d: a small run failed"
if "$HPPROF" merge --force -o live.db small.db >d.out 2>d.err; then
	kill $bg; fail "d: merge --force replaced a run's file in progress"
fi
assert_contains "d: merge says why" d.err "a run in progress is writing it"
wait $bg                       # the program's status: killed by --kill
assert_contains "a: the run wrote its profile" a.err "wrote 'live.db': "
assert_not_contains "a: the run finished its file" a.err "cannot finish"
"$HPPROF" report live.db >a.rep 2>&1 || { cat a.rep; fail "a: report after the run failed"; }
assert_not_contains "a: the profile is not unfinished" a.rep "unfinished"
assert_eq "a: integrity" "$(q live.db "PRAGMA integrity_check")" ok

# C: two runs started at once with one output, five times: one profiles,
# the other is refused before its program runs; the file is whole
for i in 1 2 3 4 5; do
	rm -f c.db c.db.old c1.ran c2.ran
	"$HPPROF" run -q -o c.db sh -c 'touch c1.ran' >c1.err 2>&1 &
	p1=$!
	"$HPPROF" run -q -o c.db sh -c 'touch c2.ran' >c2.err 2>&1 &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	# a loaded machine may run them one after the other (CI run 172 beside
	# a CPU loop): then both profiled, and the second kept the first's
	# file aside, as a run does with an existing output
	if [ $r1 = 0 ] && [ $r2 = 0 ] && [ -e c.db.old ] && [ -e c1.ran ] && [ -e c2.ran ]; then
		note "c$i: the two runs did not overlap: both profiled, the first kept as c.db.old"
		assert_eq "c$i: integrity" "$(q c.db "PRAGMA integrity_check")" ok
		continue
	fi
	[ $((r1 == 0)) -ne $((r2 == 0)) ] || { cat c1.err c2.err; fail "c$i: exit statuses $r1 and $r2"; }
	[ $r1 = 0 ] && loser=c2 || loser=c1
	[ ! -e $loser.ran ] || { cat $loser.err; fail "c$i: the refused run's program ran"; }
	assert_eq "c$i: integrity" "$(q c.db "PRAGMA integrity_check")" ok
	"$HPPROF" report c.db >c.rep 2>&1 || { cat c.rep; fail "c$i: report failed"; }
	assert_not_contains "c$i: the profile is not unfinished" c.rep "unfinished"
done

# E: two readers of a killed run's file at once: one finishes it, the
# other waits and reads it (the second used to fail: "cannot finish:
# UNIQUE constraint failed", raw addresses)
"$HPPROF" run -o e.db sh -c "$LOOP" >e.out 2>e.err &
bg=$!
committed e e.db
prog=$(pgrep -P $bg)               # the run's program, which outlives a killed hpprof
kill -9 $bg
wait $bg 2>/dev/null
[ -z "$prog" ] || kill $prog
"$HPPROF" report e.db >e1.out 2>e1.err &
r1=$!
"$HPPROF" report e.db >e2.out 2>e2.err &
r2=$!
wait $r1 || { cat e1.err; fail "e: the first report failed"; }
wait $r2 || { cat e2.err; fail "e: the second report failed"; }
for f in e1.err e2.err; do assert_not_contains "e: $f" $f "cannot finish"; done
assert_eq "e: integrity" "$(q e.db "PRAGMA integrity_check")" ok
echo "PASS"

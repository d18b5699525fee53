#!/bin/sh
# A run whose hpprof was killed (kill -9) after its first commit: the reader
# that finishes it (report) says what the file lacks - run_info.unfinished -
# and how long the run went on as far as the file knows: duration_ns is the
# time of its last sample or memory reading (before wave 15 it was absent
# and report said "duration: 0.000 s"). A run that hpprof finished has no
# `unfinished` key.
# usage: run_unfinished.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia
"$HPPROF" run -q -o done.db -k pi -- --small >/dev/null 2>&1 || fail "a finished run"
assert_eq "a finished run's unfinished key" "$(q done.db "SELECT COUNT(*) FROM run_info WHERE key = 'unfinished'")" 0

"$HPPROF" --debug=store run -o k.db -k julia -- --repeat 20 >/dev/null 2>err.txt &
hp=$!
i=0
until grep -q 'committed: [1-9]' err.txt 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 2000 ] && kill -0 $hp 2>/dev/null || { cat err.txt; fail "no commit seen"; }
	sleep 0.01
done
kids=$(pgrep -P $hp)          # the program, which runs on without hpprof
kill -9 $hp
wait $hp 2>/dev/null
[ -z "$kids" ] || kill -9 $kids 2>/dev/null
# merge of it by a user who may not write it: the file cannot be finished
# there; merge says what to do (it said "it has no symbolization").
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	nobody_copy
	mkdir ro && cp k.db* ro/ && chmod 644 ro/* && chmod 755 "$T" && chmod 555 ro
	"$HPPROF" run -q -o ro_ok.db -k pi -- --small >/dev/null 2>&1 && chmod 644 ro_ok.db
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$NB_HPPROF" merge -o /tmp/hpprof-unf-$$.db \
		"$T/ro/k.db" "$T/ro_ok.db" 2>merge.err
	st=$?
	rm -f /tmp/hpprof-unf-$$.db*
	[ $st -eq 1 ] || { cat merge.err; fail "merge of an unfinished read-only input: exit $st"; }
	assert_contains "merge says how to finish it" merge.err "by a user who may write it finishes it"
else
	note "not root, or no user nobody / setpriv: merge by a reader who may not write it not checked"
fi
"$HPPROF" report k.db >rep.txt 2>rep.err || { cat rep.err; fail "report of the killed run"; }
assert_contains "report finishes it" rep.err "did not finish: symbolizing it now"
u=$(q k.db "SELECT value FROM run_info WHERE key = 'unfinished'")
case $u in *"did not finish"*) note "unfinished = $u" ;; *) fail "run_info.unfinished = '$u'" ;; esac
d=$(q k.db "SELECT value FROM run_info WHERE key = 'duration_ns'")
last=$(q k.db "SELECT MAX(t_ns) FROM samples")
assert_ge "duration_ns of the killed run" "$d" "$last"
assert_ge "duration_ns of the killed run (> 0)" "$d" 1
! grep -q 'duration:  0.000 s' rep.txt || { cat rep.txt; fail "report says duration 0.000 s"; }
assert_contains "report's header says the run is unfinished" rep.txt "unfinished: hpprof did not finish"

# Killed before it committed any sample (the program kills hpprof, its
# parent, at once; samples are committed every 0.5 s): report says so, and
# neither "duration: 0.000 s" nor "the program may have run too briefly".
"$HPPROF" run -q -o k0.db sh -c 'kill -9 $PPID; sleep 0.2' >/dev/null 2>&1
sleep 0.3
"$HPPROF" report k0.db >rep0.txt 2>rep0.err || { cat rep0.err; fail "report of the run killed at once"; }
assert_contains "report of a run killed at once: unfinished" rep0.txt "before it committed a sample"
assert_contains "report of a run killed at once: duration" rep0.txt "duration:  unknown"
assert_contains "report of a run killed at once: no samples" rep0.txt "no samples were committed before hpprof stopped"
echo PASS

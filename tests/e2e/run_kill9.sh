#!/bin/sh
# Readable after any death (issue 15, docs/reliability.md): `hpprof run` is
# killed with SIGKILL at a random moment, TRIALS times (default 50), from
# before the database exists to the end of symbolization. After every kill:
#   - a database, if one was created, is an hpprof database that a reader
#     that may NOT write it (user nobody) opens and reports,
#   - `hpprof report` (which finishes an unfinished profile) exits 0,
#   - it passes PRAGMA integrity_check,
#   - it keeps every sample up to its last commit: the run logged
#     "committed: N samples" (--debug=store) after each COMMIT, and the file
#     holds at least the N of the last such line;
#   - no database exists without its schema (the file appears complete).
# The kill moments: one in five within the run's first 60 ms (start-up,
# creating the file), two in five within 200 ms after the run's first
# COMMIT (while samples are written, whatever the machine's load), the
# rest uniform over the run's measured length (some during
# symbolization); the test counts where they fell.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel pi
TRIALS=${HP_KILL_TRIALS:-50}
ARGS="-k pi -- --samples 150000000"
RO=""
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	nobody_copy
	RO="setpriv --reuid=nobody --regid=nogroup --clear-groups $NB_HPPROF"
fi

# The length of one run (ms), measured here: the kill moments span it.
t0=$(date +%s%N)
"$HPPROF" -q run -o ref.db $ARGS >/dev/null 2>&1 || fail "a run to measure its length failed"
len_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
note "one run takes $len_ms ms here"

before=0 during=0 finished=0 ro_checked=0
i=0
while [ "$i" -lt "$TRIALS" ]; do
	i=$((i + 1))
	db="k$i.db"
	# one kill in five within the first 60 ms (start-up, creating the file)
	delay=$(awk -v s="$i" -v l="$len_ms" 'BEGIN { srand(s * 7919 + 13); r = rand();
		printf "%.3f", (s % 5 == 0 ? r * 60 : r * l * 1.1) / 1000 }')
	setsid "$HPPROF" --debug=store run -o "$db" $ARGS >/dev/null 2>"err$i.txt" &
	pid=$!
	if [ $((i % 5)) -eq 1 ] || [ $((i % 5)) -eq 2 ]; then
		# two kills in five while samples are written, by construction
		# rather than by the clock (a loaded machine stretches runs
		# unevenly): soon after the run's first COMMIT
		while kill -0 "$pid" 2>/dev/null && ! grep -q 'committed: ' "err$i.txt"; do
			sleep 0.01
		done
		delay=$(awk -v s="$i" 'BEGIN { srand(s * 104729); printf "%.3f", rand() * 0.2 }')
	fi
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	kill -KILL -- "-$pid" 2>/dev/null   # the target, orphaned by the kill
	last=$(grep -o 'committed: [0-9]*' "err$i.txt" | tail -n 1 | cut -d' ' -f2)
	if [ ! -e "$db" ]; then
		[ -z "$last" ] || fail "trial $i: no database although $last samples were committed"
		before=$((before + 1))
		continue
	fi
	if grep -q "^hpprof: wrote '$db'" "err$i.txt"; then
		finished=$((finished + 1))
	else
		during=$((during + 1))
	fi
	if [ -n "$RO" ]; then
		# a reader that may not write: no recovery of its own, no finishing
		$RO report "$db" >"ro$i.txt" 2>"ro$i.err" ||
			{ cat "ro$i.err" >&2; fail "trial $i (killed after ${delay}s): a read-only reader cannot read it"; }
		ro_checked=$((ro_checked + 1))
	fi
	"$HPPROF" report "$db" >"rep$i.txt" 2>"rep$i.err" ||
		{ cat "rep$i.err" >&2; fail "trial $i (killed after ${delay}s): report fails"; }
	ic=$(q "$db" "PRAGMA integrity_check")
	[ "$ic" = ok ] || fail "trial $i: integrity_check says '$ic'"
	n=$(q "$db" "SELECT COUNT(*) FROM samples")
	[ "$n" -ge "${last:-0}" ] ||
		fail "trial $i: $n samples in the file, $last were committed before the kill"
	rm -f "$db" "$db"-wal "$db"-shm "$db".hpprof-tmp.*
done
note "$TRIALS kills: $before before the database existed, $during while writing,"\
     "$finished after the summary; $ro_checked read by a user who may not write"
[ "$during" -ge $((TRIALS / 4)) ] || fail "only $during kills hit a run in progress"

# A writer killed in the middle of a rollback-journal transaction (a file of
# an older hpprof, or one killed while switching journal modes) leaves a hot
# journal that only a writer may roll back: a reader that may not write
# reads a private, recovered copy.
if [ -n "$RO" ]; then
	n0=$(q ref.db "SELECT COUNT(*) FROM samples")
	cp ref.db hot.db
	python3 - hot.db <<'PY'         # exits 9, as if killed
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode = DELETE")
c.execute("PRAGMA cache_size = 1")       # spill: the file changes before COMMIT
c.execute("BEGIN")
c.execute("DELETE FROM samples")
os._exit(9)
PY
	[ -s hot.db-journal ] || fail "no hot journal was left"
	$RO report -f csv hot.db >hot.txt 2>hot.err ||
		{ cat hot.err >&2; fail "a read-only reader cannot read a file with a hot journal"; }
	assert_contains "it says how it read it" hot.err "reading a private copy"
	[ -s hot.db-journal ] || fail "the read-only reader changed what was beside the file"
	ic=$(q hot.db "PRAGMA integrity_check")
	assert_eq "integrity after the writer's recovery" "$ic" ok
	assert_eq "samples after the recovery" "$(q hot.db "SELECT COUNT(*) FROM samples")" "$n0"
fi
echo "PASS"

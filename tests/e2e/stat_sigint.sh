#!/bin/sh
# SIGINT sent to hpprof stat reaches the program, stops the remaining runs,
# and what was counted is still printed; the exit status is 130.
# env: HPPROF
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# Background jobs of a script start with SIGINT ignored; undo that.
env --default-signal=INT true 2>/dev/null || { echo "SKIP: env --default-signal missing"; exit 77; }

env --default-signal=INT "$HPPROF" stat -r 5 -e task-clock,page-faults -- sleep 10 \
	>"$tmp/out" 2>"$tmp/err" &
pid=$!
# Interrupt once the first run has started (its sleep is hpprof's child),
# however long a loaded machine takes to get there: not after a fixed time.
i=0
while ! pgrep -P "$pid" -x sleep >/dev/null; do
	i=$((i + 1))
	[ $i -le 600 ] || { kill $pid; echo "FAIL: the first run did not start within 60 s"; exit 1; }
	sleep 0.1
done
kill -INT $pid
wait $pid
rc=$?
cat "$tmp/out" "$tmp/err"
[ $rc = 130 ] || { echo "FAIL: exit $rc, want 130"; exit 1; }
grep -q 'interrupted after 1 of 5 runs' "$tmp/err" || { echo "FAIL: no interrupted header"; exit 1; }
grep -Eq '^ +[0-9.]+ msec task-clock' "$tmp/err" || { echo "FAIL: no task-clock count"; exit 1; }
grep -q 'seconds time elapsed' "$tmp/err" || { echo "FAIL: no elapsed time"; exit 1; }
exit 0

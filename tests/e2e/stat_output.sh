#!/bin/sh
# hpprof stat keeps standard output for the program: the counter table goes
# to standard error (as perf stat's does), or to -o FILE; -x SEP prints
# perf stat -x's CSV fields (value, unit, event, [stddev% with -r],
# running ns, running %, ratio, ratio unit), with unmeasured events as
# <not supported> or n/a and empty fields, never 0.
# env: HPPROF
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The program's output passes through untouched, byte for byte.
head -c 100000 /dev/urandom >"$tmp/data"
"$HPPROF" stat -e page-faults -- gzip -c "$tmp/data" >"$tmp/data.gz" 2>"$tmp/err" ||
	fail "stat gzip exited $?"
gzip -dc "$tmp/data.gz" | cmp -s - "$tmp/data" || fail "the program's stdout was corrupted"
grep -Eq '^ +[0-9]+ +page-faults' "$tmp/err" || { cat "$tmp/err"; fail "no table on stderr"; }

# -o FILE: the table there, nothing of it on stderr.
"$HPPROF" stat -e page-faults -o "$tmp/table" -- true 2>"$tmp/err" || fail "stat -o exited $?"
grep -Eq '^ +[0-9]+ +page-faults' "$tmp/table" || fail "no table in the -o file"
grep -q 'page-faults' "$tmp/err" && fail "the table also went to stderr"

# -x, with -r 2: 8 fields per line, the stddev column present.
"$HPPROF" stat -x, -r 2 -e page-faults,task-clock,cycles -o "$tmp/csv" -- true ||
	fail "stat -x exited $?"
cat "$tmp/csv"
awk -F, 'NF != 8 { bad = 1 } END { exit bad }' "$tmp/csv" || fail "a CSV line without 8 fields"
grep -Eq '^[0-9]+,,page-faults,[0-9.]+%,[0-9]+,[0-9.]+,[0-9.]+,K?/sec$' "$tmp/csv" ||
	fail "page-faults line"
grep -Eq '^[0-9.]+,msec,task-clock,[0-9.]+%,[0-9]+,[0-9.]+,[0-9.]+,CPUs utilized$' "$tmp/csv" ||
	fail "task-clock line"
grep -Eq '^(<not supported>|n/a),,cycles,,,,,$|^[0-9]+,,cycles,' "$tmp/csv" || fail "cycles line"
grep -Eq '^0,,cycles' "$tmp/csv" && fail "an unmeasured cycles shows 0"
grep -Eq '^[0-9.]+,s,time-elapsed,' "$tmp/csv" || fail "time-elapsed line"

# -x; with one run: 7 fields, no stddev column; the separator is SEP.
"$HPPROF" stat -x';' -e page-faults -- true 2>"$tmp/csv1" || fail "stat -x';' exited $?"
awk -F';' 'NF != 7 { bad = 1 } END { exit bad }' "$tmp/csv1" || fail "a ';' line without 7 fields"
grep -Eq '^[0-9]+;;page-faults;[0-9]+;' "$tmp/csv1" || fail "page-faults ';' line"

# Two formats at once is a usage error.
"$HPPROF" stat --json -x, true 2>"$tmp/err"
[ $? = 2 ] || fail "--json with -x should exit 2"
grep -q 'choose one' "$tmp/err" || fail "no reason for --json with -x"
exit 0

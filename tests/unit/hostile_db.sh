#!/bin/sh
# A database is untrusted input (issue 15; docs/reliability.md). Each case
# below is a real profile (the golden fixture 'export') changed the way a
# damaged or crafted file could be, and every reader - report (text, csv,
# json, --memory), annotate, diff, every export format, merge - is run on
# it with a time limit (and, outside sanitizer builds, a 2 GB memory
# limit). Every reader must end by itself with status 0 (the file reads)
# or 1 (refused with one clear message); never a crash, a hang or an
# unbounded allocation. Where the case names what is wrong, the message
# must say "this profile is damaged". The text outputs (report, annotate,
# diff, messages) must hold no control character but newline and tab, and
# no forged line. In the sanitizer build (make test-asan) the same runs
# are checked by ASan and UBSan.
#
# One case per finding of the issue: NULL text columns (4), ids out of
# bounds (2: the pprof write past loc_used; 5: events.id = 999999999,
# functions.id), loops in the stack tree, sizes (5), tables replaced by
# views, wrong types, huge counter values (10), terminal escapes in names
# (6), source paths that are devices, FIFOs or directories (5, 10), a FIFO
# as the database (5), a file without views (9).
. "$HP_SRC/tests/e2e/lib.sh"
FIX="$HP_SRC/tests/golden/fixture.sh"
# The ~350 readers run a private copy of hpprof: a rebuild of the build tree
# while the test ran (make in another shell) made one of them fail with
# "Permission denied" (exit 126) as the linker rewrote the binary.
cp "$HPPROF" "$T/hpprof" || fail "cannot copy '$HPPROF'"
HPPROF=$T/hpprof
sh "$FIX" load export base.db || fail "cannot build the fixture"
ASAN=0
ldd "$HPPROF" 2>/dev/null | grep -q 'libasan\|libubsan' && ASAN=1

# mutate NAME SQL...: NAME.db, a copy of base.db changed by each SQL in
# turn (each in its own connection, so a schema edit takes effect).
mutate() {
	name=$1
	shift
	cp base.db "$name.db"
	for sql in "$@"; do
		sqlite3 "$name.db" "$sql" >/dev/null || fail "case $name: the mutation does not apply: $sql"
	done
}

# Drop the NOT NULL constraints of the schema (a file from elsewhere).
NO_NOT_NULL="PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL', '') WHERE type = 'table'; PRAGMA schema_version = 999;"

# run_reader CASE LABEL CMD...: run one reader; record its status.
run_reader() {
	c=$1 label=$2
	shift 2
	out="$c.$label.out" err="$c.$label.err"
	if [ "$ASAN" = 1 ]; then
		timeout 120 "$@" >"$out" 2>"$err"
	else
		(ulimit -v 2000000; exec timeout 60 "$@") >"$out" 2>"$err"
	fi
	st=$?
	case $st in
	0|1) ;;
	124) tail -5 "$err" >&2; fail "case $c, $label: no end within the time limit" ;;
	*) cat "$err" >&2; fail "case $c, $label: exit status $st (a crash or a sanitizer report)" ;;
	esac
	if grep -q 'runtime error\|AddressSanitizer\|LeakSanitizer' "$err"; then
		cat "$err" >&2
		fail "case $c, $label: sanitizer report"
	fi
	if [ "$st" = 1 ]; then
		[ -s "$err" ] || fail "case $c, $label: failed without a message"
		grep -q '^hpprof: error: ' "$err" || { cat "$err" >&2; fail "case $c, $label: no error line"; }
		echo "$c $label" >>failed.txt
	fi
}

# Bytes a terminal would obey: controls but newline and tab, DEL, and
# bytes above ASCII (the fixture and payloads use ASCII text only, so a
# high byte in an output is an unescaped C1 control or invalid UTF-8).
check_text() {
	c=$1
	shift
	# controls: C0 but newline and tab, DEL, C1 (U+0080..U+009F) and bytes
	# that are not UTF-8; valid UTF-8 text (the diff's "±") is text. One
	# python for all the files (its start-up dominates under load).
	bad=$(python3 -c 'import sys
for f in sys.argv[1:]:
    t = open(f, "rb").read().decode("utf-8", "replace")
    n = sum(1 for ch in t if (ch < " " and ch not in "\n\t") or "\x7f" <= ch <= "\x9f"
            or ch == "\ufffd")
    if n:
        print(f, n)' "$@")
	[ -z "$bad" ] || { echo "$bad" >&2; fail "case $c: raw control bytes in (file, count): $bad"; }
	if grep -l '^FORGED' "$@" >&2; then
		fail "case $c: a line forged by a newline in a name (the files above)"
	fi
}

# readers CASE: every reader on CASE.db
readers() {
	c=$1 db="$1.db"
	rm -f failed.txt
	run_reader "$c" report "$HPPROF" report "$db"
	run_reader "$c" report-all "$HPPROF" report -n 0 "$db"
	run_reader "$c" report-csv "$HPPROF" report -f csv "$db"
	run_reader "$c" report-json "$HPPROF" report -f json "$db"
	run_reader "$c" memory "$HPPROF" report --memory "$db"
	run_reader "$c" annotate "$HPPROF" annotate "$db" hot_loop
	run_reader "$c" annotate-main "$HPPROF" annotate -c "$db" main
	run_reader "$c" diff "$HPPROF" diff base.db "$db"
	run_reader "$c" diff-line "$HPPROF" diff -b line "$db" base.db
	for f in folded pprof speedscope chrome callgrind svg memory-svg csv json; do
		run_reader "$c" "export-$f" "$HPPROF" export --format "$f" -o "$c.$f" "$db"
	done
	rm -f "$c.merged.db"
	run_reader "$c" merge "$HPPROF" merge -o "$c.merged.db" "$db" base.db
	check_text "$c" "$c".report.out "$c".report-all.out "$c".annotate.out \
		"$c".annotate-main.out "$c".diff.out "$c".diff-line.out "$c".memory.out "$c".*.err
}

# expect_ok CASE: every reader reads it
expect_ok() {
	[ ! -s failed.txt ] || { cat failed.txt >&2; cat "$1".*.err >&2; fail "case $1: readers failed"; }
	note "case $1: every reader reads it"
}

# expect_ok_except CASE LABEL...: every reader but these reads it
expect_ok_except() {
	c=$1
	shift
	for label in "$@"; do
		sed -i "/^$c $label\$/d" failed.txt 2>/dev/null
	done
	expect_ok "$c"
}

# expect_damaged CASE: the readers that load the profile refuse it, saying so
expect_damaged() {
	grep -q "^$1 report$" failed.txt 2>/dev/null || fail "case $1: report accepted it"
	grep -q 'this profile is damaged' "$1.report.err" ||
		{ cat "$1.report.err" >&2; fail "case $1: the message does not say the profile is damaged"; }
	for label in export-pprof export-folded diff merge; do
		grep -q "^$1 $label$" failed.txt || fail "case $1: $label accepted it"
	done
	note "case $1: refused: $(head -n 1 "$1.report.err")"
}

mkfifo fifo
cp base.db sane.db
readers sane
expect_ok sane

# an unfinished profile (no symbols yet) whose modules are a FIFO and a
# device: the reader that finishes it opens no such file as ELF
mutate unfinished "DELETE FROM location_frames; DELETE FROM functions; DELETE FROM files;
	DELETE FROM function_stats; DELETE FROM line_stats; DELETE FROM function_counter_stats;
	DELETE FROM line_counter_stats; UPDATE modules SET path = '$T/fifo' WHERE id = 3;
	UPDATE modules SET path = '/dev/zero' WHERE id = 1"
readers unfinished
expect_ok_except unfinished annotate annotate-main    # its functions have no names now

# 4: NULL in every text column readers read
mutate nulls "$NO_NOT_NULL" \
	"UPDATE functions SET name = NULL WHERE id % 2 = 1; UPDATE files SET path = NULL WHERE id % 2 = 1;
	 UPDATE modules SET path = NULL, build_id = NULL WHERE id <= 2;
	 UPDATE events SET name = NULL, role = NULL WHERE id IN (1, 10); UPDATE events SET reason = NULL;
	 UPDATE threads SET comm = NULL; UPDATE processes SET comm = NULL, exe = NULL;
	 UPDATE meta SET value = NULL WHERE key IN ('command', 'samples', 'fault_period', 'duration_ns')"
readers nulls
expect_ok nulls

# 2: a stack node naming a location past the last one (the pprof export
# wrote loc_used[] out of bounds)
mutate node_location "UPDATE stack_nodes SET location_id = (SELECT max(id) + 5 FROM locations) WHERE id = (SELECT max(id) FROM stack_nodes)"
readers node_location
expect_damaged node_location
mutate node_location_big "UPDATE stack_nodes SET location_id = 4000000000 WHERE id = 3"
readers node_location_big
expect_damaged node_location_big

# 5: ids that size arrays
mutate event_id "UPDATE events SET id = 999999999 WHERE id = 10"
readers event_id
expect_damaged event_id
mutate function_id "UPDATE functions SET id = 999999999 WHERE id = 20"
readers function_id
expect_damaged function_id
mutate negative_id "UPDATE modules SET id = -5 WHERE id = 4"
readers negative_id
expect_damaged negative_id
mutate frame_function "UPDATE location_frames SET function_id = 123456789 WHERE location_id = 1"
readers frame_function
expect_damaged frame_function

# loops in the stack tree: a parent must precede its child
mutate node_loop "UPDATE stack_nodes SET parent = id WHERE id = 5"
readers node_loop
expect_damaged node_loop

# lines that would size annotate's arrays
mutate line_huge "UPDATE location_frames SET line = 2000000000 WHERE location_id = (SELECT min(location_id) FROM location_frames)"
readers line_huge
expect_damaged line_huge
mutate line_negative "UPDATE location_frames SET line = -1 WHERE location_id = (SELECT min(location_id) FROM location_frames)"
readers line_negative
expect_damaged line_negative

# a value larger than readers read (SQLITE_LIMIT_LENGTH)
mutate big_name "UPDATE functions SET name = printf('%.*c', 20000000, 'x') WHERE id = 12"
readers big_name
expect_damaged big_name

# a table replaced by a view that never ends
mutate view_table "DROP TABLE samples; CREATE VIEW samples AS WITH RECURSIVE r(t) AS (SELECT 0 UNION ALL SELECT t + 1 FROM r) SELECT t AS t_ns, 1000 AS tid, 1 AS stack_id, 0 AS event, NULL AS counters FROM r"
readers view_table
expect_damaged view_table
mutate no_table "DROP TABLE location_frames"
readers no_table
expect_damaged no_table

# wrong types: text ids, huge reals, garbage counter blobs
mutate types "UPDATE samples SET stack_id = 'abc' WHERE rowid % 7 = 0;
	UPDATE samples SET t_ns = 1e300 WHERE rowid % 5 = 0; UPDATE samples SET tid = -3 WHERE rowid % 11 = 0;
	UPDATE samples SET counters = randomblob(40) WHERE rowid % 3 = 0;
	UPDATE samples SET counters = X'80808080808080808080808080' WHERE rowid % 13 = 0;
	UPDATE memory SET rss_bytes = 'lots', t_ns = -1 WHERE rowid % 2 = 0;
	UPDATE processes SET exit_code = 'x', peak_rss = 1e308;
	UPDATE meta SET value = 'zz' WHERE key IN ('samples', 'duration_ns', 'frequency', 'fault_period')"
readers types
expect_ok types

# 10: counter values at the edge of int64 (signed overflow in the sums)
MAXV=feffffffffffffffff01
mutate huge_counters "UPDATE samples SET counters = X'$MAXV$MAXV$MAXV$MAXV' WHERE counters IS NOT NULL;
	UPDATE events SET total = 9223372036854775807, enabled_ns = -1, running_ns = 9223372036854775807;
	UPDATE meta SET value = '9223372036854775807' WHERE key IN ('fault_period', 'duration_ns', 'samples', 'frequency', 'peak_rss_bytes');
	UPDATE processes SET peak_rss = 9223372036854775807;
	UPDATE memory SET rss_bytes = 9223372036854775807;
	UPDATE function_counter_stats SET self_value = 9223372036854775807, total_value = -9223372036854775807"
readers huge_counters
expect_ok huge_counters

# 6: terminal escapes and newlines in every name
ESC=$(printf '\033')
BEL=$(printf '\007')
mutate escapes "UPDATE functions SET name = 'evil' || char(27) || ']0;PWNED' || char(7) || char(10) || 'FORGED  99.99%  row' WHERE id = 16;
	UPDATE functions SET name = char(27) || '[2J' || char(27) || '[31mred' || char(155) || 'x' || CAST(X'ff9b' AS TEXT) WHERE id = 11;
	UPDATE files SET path = '/src/' || char(27) || '[1mbold' || char(13) || char(10) || 'FORGED.c' WHERE id = 6;
	UPDATE modules SET path = '/bin/' || char(27) || ']2;title' || char(7) WHERE id = 3;
	UPDATE threads SET comm = char(27) || '[2J' || char(10) || 'FORGED thread';
	UPDATE processes SET comm = char(27) || ']0;x' || char(7), exe = '/x' || char(10) || 'FORGED exe';
	UPDATE events SET name = 'ev' || char(27) || '[2J' || char(10) || 'FORGED event', reason = 'r' || char(27) || '[5m' WHERE id = 5;
	UPDATE events SET name = 'pf' || char(10) || 'FORGED' WHERE id = 4;
	UPDATE meta SET value = 'cmd' || char(27) || ']0;PWNED' || char(7) || char(10) || 'FORGED command' WHERE key = 'command';
	UPDATE meta SET value = '0' || char(27) || '[2J' WHERE key = 'exit_status'"
readers escapes
expect_ok escapes
grep -q 'evil\\e\]0;PWNED' escapes.report-all.out || fail "case escapes: the escaped name is not shown"
run_reader escapes annotate-evil "$HPPROF" annotate escapes.db "evil${ESC}]0;PWNED${BEL}
FORGED  99.99%  row"
check_text escapes escapes.annotate-evil.out
check_text escapes escapes.annotate-evil.err

# 5, 10: source files that are devices, FIFOs or directories: annotate
# never reads them (it would hang on /dev/zero or a FIFO)
for src in /dev/zero /dev/urandom "$T/fifo" / /proc/self/mem; do
	mutate source "UPDATE files SET path = '$src' WHERE id = 6"
	rm -f failed.txt
	run_reader source annotate "$HPPROF" annotate source.db hot_loop
	if grep -qs '^source annotate$' failed.txt; then
		fail "annotate of a source at '$src' failed"
	fi
	grep -q 'not read\|Input/output error' source.annotate.out ||
		{ cat source.annotate.out source.annotate.err >&2; fail "annotate does not say why '$src' is not shown"; }
done
note "annotate reads no device, FIFO or directory as source"

# 5: a FIFO as the database
mkfifo fifo.db
run_reader fifo report "$HPPROF" report fifo.db
grep -q "not a regular file" fifo.report.err || { cat fifo.report.err >&2; fail "a FIFO as the database"; }

# 9: a database without its views: export json and csv say so (not "{}")
mutate noviews "$(sqlite3 base.db "SELECT group_concat('DROP VIEW ' || name, '; ')
	FROM sqlite_master WHERE type = 'view'")"
run_reader noviews json "$HPPROF" export --format json -o noviews.json noviews.db
grep -q "no public views" noviews.json.err || { cat noviews.json.err noviews.json.out >&2; fail "export json of a file without views"; }
[ ! -e noviews.json ] || fail "export json left an output although it failed"

echo "PASS"

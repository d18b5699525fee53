#!/bin/sh
# hpprof stat against perf stat on a Debian program (docs/realworld.md,
# "Wave 18: stat and annotate on real programs"): which counters are
# measured, the program's own page faults over separate runs, one execution
# counted by both (perf outside), the program's output and exit status.
#   $1 = sort | xz | gzip | sqlite3 | sh (a shell running xz and gzip)
. "$HP_SRC/tests/realworld/lib.sh"
rw_need perf linux-perf
perf stat -e task-clock -o /dev/null -- true >/dev/null 2>&1 ||
	skip "perf stat cannot count here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
case ${1:-} in
sort) rw_need sort coreutils; rw_gen text input.txt 8
	set -- sort -S 64M input.txt ;;
xz) rw_need xz xz-utils; rw_gen text input.txt 1
	set -- xz -6 -T1 -c input.txt ;;
gzip) rw_need gzip gzip; rw_gen text input.txt 2
	set -- gzip -9 -c input.txt ;;
sqlite3) rw_need sqlite3 sqlite3; rw_gen sql work.sql 20000
	rw_reset() { rm -f work.db; }
	set -- sqlite3 work.db ".read work.sql" ;;
sh) rw_need xz xz-utils; rw_need gzip gzip; rw_gen text input.txt 1
	set -- sh -c 'xz -6 -T1 -c input.txt >o.xz && gzip -9 -c input.txt >o.gz && cat o.xz o.gz' ;;
*) fail "unknown program '${1:-}'" ;;
esac
# the software counters, and hardware ones that a machine without a PMU
# (this VM) cannot count: both tools must say so alike
E=task-clock,context-switches,cpu-migrations,page-faults,cycles,instructions,cache-misses,branch-misses
SW=task-clock,context-switches,cpu-migrations,page-faults
note "target: $*"
rw_reset
"$@" >bare.out 2>bare.err
bare=$?
# a user's run: the table on stderr after the program's own, stdout intact
rw_reset
"$HPPROF" stat -e "$E" -- "$@" >table.out 2>table.err
rc=$?
[ "$rc" = "$bare" ] || fail "hpprof stat exited $rc, the program alone $bare"
cmp -s bare.out table.out || fail "the program's output differs under hpprof stat (table.out)"
grep -q "Performance counter stats for '$1 " table.err || fail "no table on stderr: $(tail -3 table.err)"
cat table.err
for i in 1 2 3; do
	rw_reset
	perf stat -x, -e "$E" -o p$i.csv -- "$@" >p$i.out 2>p$i.err
	rc=$?
	[ "$rc" = "$bare" ] || fail "perf stat exited $rc, the program alone $bare"
	rw_reset
	"$HPPROF" stat -x, -o h$i.csv -e "$E" -- "$@" >h$i.out 2>h$i.err
	rc=$?
	[ "$rc" = "$bare" ] || fail "hpprof stat -x, exited $rc, the program alone $bare"
	cmp -s bare.out h$i.out || fail "the program's output differs under hpprof stat -o (h$i.out)"
	perf stat -x, -e "$SW" -o ot$i.csv -- "$HPPROF" stat -x, -o it$i.csv -e "$SW" -- true ||
		fail "perf stat -- hpprof stat -- true failed"
done
rw_reset
rw_step same perf stat -x, -e "$SW" -o outer.csv -- "$HPPROF" stat -x, -o inner.csv -e "$SW" -- "$@"
"$PY" "$RW/stat_check.py" counts --perf p1.csv p2.csv p3.csv --hpprof h1.csv h2.csv h3.csv \
	--outer outer.csv --inner inner.csv --own-outer ot1.csv ot2.csv ot3.csv \
	--own-inner it1.csv it2.csv it3.csv ||
	fail "hpprof stat and perf stat disagree on $1 (the checks marked FAIL above)"
echo "PASS"

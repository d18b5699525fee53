#!/bin/sh
# hpprof merge keeps every sample: the merged file's totals are the sums of
# its inputs' (samples, per-thread samples, folded stacks, page-fault
# samples), every run stays distinguishable (runs table, threads.run), a tid
# used twice is renumbered, and the merged file reports, exports and diffs
# like a recorded one. Inputs: the golden fixture twice, and a kernel run
# when the kernels are built.
# usage: diff_merge.sh     env: HPPROF, HP_SRC, HP_BUILD
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: the sqlite3 shell is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

sh "$HP_SRC/tests/golden/fixture.sh" load export "$tmp/a.db" || exit 1
cp "$tmp/a.db" "$tmp/b.db"
inputs="$tmp/a.db $tmp/b.db"
k=$HP_BUILD/kernels/hp-julia
if [ -x "$k" ]; then
	"$HPPROF" run -q -o "$tmp/c.db" "$k" --variant threads --threads 2 --repeat 2 >/dev/null \
		2>"$tmp/run.err" || { echo "FAIL: hpprof run julia"; cat "$tmp/run.err"; exit 1; }
	inputs="$inputs $tmp/c.db"
fi

# shellcheck disable=SC2086
"$HPPROF" merge -o "$tmp/m.db" $inputs || { echo "FAIL: hpprof merge exited $?"; exit 1; }
"$HPPROF" report -n 5 "$tmp/m.db" >"$tmp/report.txt" || { echo "FAIL: report of the merged file"; fail=1; }

count() { sqlite3 "$1" "$2"; }
sum=0 faults=0 folded=0
for f in $inputs; do
	sum=$((sum + $(count "$f" "SELECT COUNT(*) FROM samples WHERE event = 0")))
	faults=$((faults + $(count "$f" "SELECT COUNT(*) FROM samples WHERE event != 0")))
	folded=$((folded + $("$HPPROF" export -f folded "$f" | awk '{ s += $NF } END { print s + 0 }')))
done
m=$tmp/m.db
got=$(count "$m" "SELECT COUNT(*) FROM samples WHERE event = 0")
[ "$got" = "$sum" ] || { echo "FAIL: merged samples $got, inputs $sum"; fail=1; }
got=$(count "$m" "SELECT COUNT(*) FROM samples WHERE event != 0")
[ "$got" = "$faults" ] || { echo "FAIL: merged page-fault samples $got, inputs $faults"; fail=1; }
got=$(count "$m" "SELECT value FROM run_info WHERE key = 'samples'")
[ "$got" = "$sum" ] || { echo "FAIL: run_info samples $got, inputs $sum"; fail=1; }
got=$(count "$m" "SELECT SUM(self_samples) FROM function_profile")
[ "$got" = "$sum" ] || { echo "FAIL: function_profile self sums to $got, inputs $sum"; fail=1; }
got=$(count "$m" "SELECT SUM(samples) FROM thread_profile")
[ "$got" = "$sum" ] || { echo "FAIL: thread_profile sums to $got, inputs $sum"; fail=1; }
got=$("$HPPROF" export -f folded "$m" | awk '{ s += $NF } END { print s + 0 }')
[ "$got" = "$folded" ] || { echo "FAIL: merged folded stacks $got, inputs $folded"; fail=1; }
n=$(echo $inputs | wc -w)
got=$(count "$m" "SELECT COUNT(*) FROM runs")
[ "$got" = "$n" ] || { echo "FAIL: runs table has $got rows for $n inputs"; fail=1; }
got=$(count "$m" "SELECT COUNT(DISTINCT run) FROM threads WHERE run > 0")
[ "$got" = "$n" ] || { echo "FAIL: threads come from $got runs, not $n"; fail=1; }
# per run: the samples of its threads are the samples of its input
bad=$(count "$m" "SELECT r.id FROM runs r WHERE r.samples != (SELECT COUNT(*) FROM samples s
	JOIN threads t ON t.tid = s.tid WHERE t.run = r.id AND s.event = 0)")
[ -z "$bad" ] || { echo "FAIL: samples of run(s) $bad are not the run's own"; fail=1; }
# the fixture twice: its tids 1000, 1001 come back renumbered the second time
got=$(count "$m" "SELECT COUNT(*) FROM threads WHERE run = 2 AND tid IN (1000, 1001)")
[ "$got" = 0 ] || { echo "FAIL: run 2 reuses run 1's tids"; fail=1; }
# a merged file diffs like any profile
"$HPPROF" diff -f json "$tmp/a.db" "$m" >"$tmp/d.json" || { echo "FAIL: diff of the merged file"; fail=1; }
# merging into one of the inputs is refused
"$HPPROF" merge -o "$tmp/a.db" "$tmp/a.db" 2>/dev/null
[ $? = 2 ] || { echo "FAIL: merge into an input was not refused"; fail=1; }
[ $fail = 0 ] && echo "merge of $n runs: $sum samples, $faults page-fault samples, all accounted for"
exit $fail

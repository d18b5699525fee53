#!/bin/sh
# The report's header and layout on real runs:
# - a program killed by SIGSEGV: "exit status: killed by SIGSEGV (139)"
#   (139 = 128 + 11, what the shell reports), and hpprof's own exit 139;
# - a shell that forks children: their Exit is '?' and a note says why;
# - two runs at different frequencies merged: "frequency: mixed", not 0 Hz;
# - --tid: the header's counters are the selected samples' own: task-clock
#   in the header equals the sum over the thread's functions' self
#   task-clock in the same report (CSV), and is below the run's total;
# - the default text report fits 100 columns (the lines of the tables).
# usage: report_header.sh PROGRAM     env: HPPROF
. "$HP_SRC/tests/e2e/lib.sh"
prog=$1

"$HPPROF" run -q -o crash.db sh -c 'kill -SEGV $$' >/dev/null 2>run.err
rc=$?
assert_eq "hpprof run of a crashing program: exit status" "$rc" 139
"$HPPROF" report crash.db >crash.txt || fail "report of the crash"
assert_contains "crash header" crash.txt "exit status: killed by SIGSEGV (139)"

"$HPPROF" run -q -o fork.db sh -c '/bin/true; /bin/true; exit 0' >/dev/null 2>run.err ||
	{ cat run.err; fail "hpprof run sh"; }
"$HPPROF" report fork.db >fork.txt || fail "report of the forking run"
if awk '/^Processes/ { p = 1; next } p && $4 == "?" { found = 1 } END { exit !found }' fork.txt; then
	assert_contains "Exit ? explained" fork.txt "Exit ?: not known"
else
	note "no child with an unknown exit in this run (the note is not needed)"
fi

# -n limits the Processes table too (a make -j has hundreds): the program
# hpprof started stays, then the processes with the most samples, and one
# line counts the rest. Truth: the process_profile view of the same file.
nproc=$(q fork.db "SELECT COUNT(*) FROM process_profile")
"$HPPROF" report -n 1 fork.db >fork1.txt || fail "report -n 1 of the forking run"
rows=$(awk '/^Processes/ { p = 1; getline; next } p && /^ +[0-9]+ +[0-9]+ / { n++ } END { print n + 0 }' fork1.txt)
assert_eq "processes shown under -n 1" "$rows" 1
first=$(q fork.db "SELECT pid FROM process_profile ORDER BY start_ns, pid LIMIT 1")
awk '/^Processes/ { p = 1; getline; next } p && /^ +[0-9]+ +[0-9]+ / { print $1 }' fork1.txt |
	grep -qx "$first" || { cat fork1.txt; fail "-n 1 did not keep the started program $first"; }
if [ "$nproc" -gt 1 ]; then
	rest=$((nproc - 1))
	grep -q "($rest more process" fork1.txt || { cat fork1.txt; fail "no line for the $rest others"; }
fi
note "-n 1: 1 of $nproc processes shown"
# ... and the memory report's process tree: the largest own peak (the
# process_profile view) and its ancestors, then one line counts the rest
"$HPPROF" report --memory -n 1 fork.db >forkm.txt || fail "report --memory -n 1"
tree=$(awk '/^Processes/ { p = 1; getline; next } p && /^ +[0-9]+ +[0-9]+ / { print $1 } p && /^$/ { exit }' forkm.txt)
# (hpprof's own peak: the larger of the process's VmHWM and its readings;
# a tie goes to the process that started first)
big=$(q fork.db "SELECT p.pid FROM process_profile p ORDER BY MAX(COALESCE(p.peak_rss_bytes, -1),
	COALESCE((SELECT MAX(m.rss_bytes) FROM memory_timeline m WHERE m.pid = p.pid), -1)) DESC,
	p.start_ns, p.pid LIMIT 1")
echo "$tree" | grep -qx "$big" || { cat forkm.txt; fail "the tree under -n 1 lost the largest peak ($big)"; }
shown=$(echo "$tree" | wc -l)
want=$(q fork.db "WITH RECURSIVE up(pid, ppid) AS (SELECT pid, ppid FROM process_profile
	WHERE pid = $big UNION SELECT p.pid, p.ppid FROM process_profile p JOIN up ON p.pid = up.ppid)
	SELECT COUNT(*) FROM up")
assert_eq "processes in the tree under -n 1 (the largest and its ancestors)" "$shown" "$want"
if [ "$shown" -lt "$nproc" ]; then
	grep -q "($((nproc - shown)) more process" forkm.txt ||
		{ cat forkm.txt; fail "no line for the $((nproc - shown)) processes not in the tree"; }
fi
note "memory tree -n 1: $shown of $nproc processes (largest peak: $big)"

# --counters-per-sample: the software counters per sample, so that the
# selected samples have their own task-clock (without it they are whole-run
# totals, n/a for a selection: e2e/counters.sh)
"$HPPROF" run -q -F 500 --counters-per-sample -o f500.db "$prog" 2000 >/dev/null 2>&1 ||
	fail "run -F 500"
# The program from a long directory (a clone's path can be long): the
# Processes table's Command keeps its end within the 100 columns.
long="$T/a-directory-as-long-as-a-ci-runner-workspace/of-a-clone/of-hpprof/build"
mkdir -p "$long" && cp "$prog" "$long/" || fail "copy $prog"
"$HPPROF" run -q -F 1000 --counters-per-sample -o f1000.db "$long/$(basename "$prog")" 2000 \
	>/dev/null 2>&1 || fail "run -F 1000"
"$HPPROF" merge -o m.db f500.db f1000.db 2>/dev/null || fail "merge"
"$HPPROF" report m.db >m.txt || fail "report of the merged file"
assert_contains "merged frequency" m.txt "frequency: mixed (merged runs: a sample weighs its run's period)"
grep -q "frequency: 0 Hz" m.txt && fail "the merged report still says 0 Hz"

tid=$(q f1000.db "SELECT tid FROM thread_profile ORDER BY samples DESC LIMIT 1")
"$HPPROF" report --tid "$tid" -n 0 f1000.db >tid.txt || fail "report --tid"
"$HPPROF" report --tid "$tid" -n 0 -f csv f1000.db >tid.csv || fail "report --tid -f csv"
assert_contains "selection line" tid.txt "selection: thread $tid"
head_tc=$(awk '$1 == "task-clock" { print $2; exit }' tid.txt)
rows_tc=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "task-clock") c = i; next }
	$1 == "functions" && c { s += $c } $1 != "functions" && NR > 1 { exit } END { print s + 0 }' tid.csv)
assert_eq "header task-clock = the thread's functions' self task-clock" "$head_tc" "$rows_tc"
run_tc=$(q f1000.db "SELECT value FROM run_info WHERE key = 'event:task-clock'" | sed 's/[^0-9]//g')
assert_le "selected task-clock vs the run's" "$head_tc" "$run_tc"

"$HPPROF" report f1000.db >plain.txt || fail "report"
wide=$(awk 'length($0) > 100 && !/^  (command|[a-z-]+ +n\/a)/' plain.txt | grep -v "^ *[A-Za-z ]*:" | head -3)
[ -z "$wide" ] || { printf '%s\n' "$wide"; fail "table lines wider than 100 columns"; }
note "the default tables fit 100 columns"
"$HPPROF" report --wide f1000.db >wide.txt || fail "report --wide"
assert_contains "--wide: the whole command" wide.txt "$long/$(basename "$prog")"
echo "PASS"

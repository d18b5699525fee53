#!/bin/sh
# Golden tests of the report formats and annotate on a fixed profile
# (fixtures/julia-small.sql, and fixtures/kernel.sql for the kernel
# section). HP_REGEN=1 rewrites the expected files.
. "$HP_SRC/tests/e2e/lib.sh"
G="$HP_SRC/tests/golden"
sh "$HP_SRC/tests/golden/fixture.sh" load julia-small f.db || fail "cannot build the fixture database"

check() {  # check NAME CMD...
	name=$1
	shift
	"$@" >"$name.out" 2>"$name.err" || { cat "$name.err"; fail "$name: command failed"; }
	if [ "${HP_REGEN:-0}" = 1 ]; then
		cp "$name.out" "$G/report/$name.expected"
		note "regenerated $name"
		return
	fi
	diff -u "$G/report/$name.expected" "$name.out" || fail "$name differs from the golden file"
	note "$name matches"
}

check report_text "$HPPROF" report f.db
check report_limit "$HPPROF" report -n 3 --sort total f.db
check report_wide "$HPPROF" report -n 3 --wide f.db
check report_columns "$HPPROF" report -n 3 --columns self,function,location,page-faults:sampled f.db
# --tid: the header's counters are the selected samples' own
tid=$(sqlite3 f.db "SELECT tid FROM thread_profile LIMIT 1")
check report_tid "$HPPROF" report -n 2 --tid "$tid" --from 0.05 f.db
# a location longer than its column loses its start, never its line number;
# a function name longer than its column loses its end
cp f.db long.db
sqlite3 long.db "UPDATE files SET path = '/src/' || replace(path, 'julia.c',
	'a_source_file_with_a_really_very_long_name.c') WHERE path LIKE '%julia.c';
	UPDATE functions SET name = 'calculate_z_with_a_name_much_longer_than_its_column'
	WHERE name = 'calculate_z'" || fail "cannot make the long-name fixture"
check report_long_names "$HPPROF" report -n 3 long.db
grep -q '\.\.[a-z_]*\.c:92 ' report_long_names.out || fail "the long location lost its line number"
# two instances of one class template whose cut names read alike
# ("__gnu_cxx::__normal_it..::operator--" twice) are told apart where they
# differ: their class's argument, with their member's own name
cp f.db alike.db
it='__gnu_cxx::__normal_iterator<Point<%s>*, std::vector<Point<%s>, std::allocator<Point<%s> > > >::operator--()'
sqlite3 alike.db "UPDATE functions SET name = '$(printf "$it" double double double)'
	WHERE name = 'calculate_z';
	UPDATE functions SET name = '$(printf "$it" int int int)' WHERE name = 'points_init'" ||
	fail "cannot make the alike-names fixture"
check report_alike_names "$HPPROF" report -n 3 alike.db
for t in double int; do
	grep -q "Point<$t>.*::operator--" report_alike_names.out ||
		fail "the instance of Point<$t> does not show its argument"
done
check report_csv "$HPPROF" report --format csv f.db
check report_json "$HPPROF" report --format json f.db
check annotate "$HPPROF" annotate f.db calculate_z
check views sqlite3 -header f.db "SELECT * FROM function_profile LIMIT 8; SELECT * FROM line_profile LIMIT 8; SELECT * FROM thread_profile;"
# Software counters counted for the whole run only (role 'total', no
# counter values in the samples: a run without a hardware counter since
# wave 6, docs/offcpu.md): totals in the header, no column per row, NULL in
# the views, n/a for a selection - never 0.
cp f.db t.db
sqlite3 t.db "UPDATE events SET role = 'total' WHERE role = 'counter' AND measured = 1;
	UPDATE samples SET counters = NULL WHERE event = 0" || fail "cannot make the totals fixture"
"$HP_BUILD/tests/hp_fixture_db" views t.db || fail "cannot recreate the views of t.db"
check report_total "$HPPROF" report -n 3 t.db
check report_total_tid "$HPPROF" report -n 2 --tid "$tid" t.db
check report_total_csv "$HPPROF" report -n 2 --format csv t.db
check views_total sqlite3 -header t.db "SELECT * FROM function_profile LIMIT 3; SELECT * FROM line_profile LIMIT 3;"
# A --sort, --columns or --weight that cannot order or weigh rows is an
# error naming why, never a silently unsorted (or garbage-ordered) table:
# an unknown id, a counter not measured (cycles: no PMU in the fixture's
# run), a counter counted for the whole run only (t.db's page-faults).
# refuse NAME STATUS TEXT CMD...: exit STATUS, nothing on stdout, TEXT on stderr.
refuse() {
	name=$1 want=$2 text=$3
	shift 3
	"$@" >"$name.out" 2>"$name.err"
	rc=$?
	[ "$rc" -eq "$want" ] || { cat "$name.err"; fail "$name: exit status $rc, expected $want"; }
	[ -s "$name.out" ] && { head -3 "$name.out"; fail "$name: printed on stdout"; }
	grep -qF -- "$text" "$name.err" || { cat "$name.err"; fail "$name: '$text' not said"; }
	note "$name: $(cat "$name.err")"
}
refuse sort_unknown 2 "invalid --sort 'bogus': no column 'bogus' (this profile has: self_pct," \
	"$HPPROF" report -s bogus f.db
refuse sort_not_measured 2 "cycles was not measured in this run: not supported" \
	"$HPPROF" report -s cycles f.db
refuse sort_whole_run 2 "page-faults was counted for the whole run only (950), not with each" \
	"$HPPROF" report -s page-faults t.db
refuse columns_whole_run 2 "invalid --columns id 'page-faults': page-faults was counted for" \
	"$HPPROF" report --columns self,page-faults t.db
refuse weight_whole_run 1 "invalid --weight 'page-faults': page-faults was counted for" \
	"$HPPROF" export -f folded -w page-faults t.db
refuse weight_not_measured 1 "invalid --weight 'cycles': cycles was not measured" \
	"$HPPROF" export -f svg -w cycles f.db
# a thread or process the profile does not have is a mistake, not an empty report
refuse tid_unknown 1 "'f.db' has no samples of thread 4000000" "$HPPROF" report --tid 4000000 f.db
refuse pid_unknown 1 "'f.db' has no process 4000000" "$HPPROF" report --pid 4000000 f.db
# --ranks on one run that is no MPI rank: nothing to compare (it printed
# "MPI ranks: 1, the max on run 0")
refuse ranks_one_run 1 "'f.db' is one run, not an MPI job" "$HPPROF" report --ranks f.db
# ... while an empty time window of a thread is an answer (no samples there)
"$HPPROF" report --tid "$tid" --from 100 f.db >win.out 2>win.err || { cat win.err; fail "empty window"; }
grep -q "samples:   0 " win.out || fail "the empty window did not report 0 samples"
# the accepted sort still orders: page-faults:sampled is per row in t.db
"$HPPROF" report -n 3 -s page-faults:sampled t.db >pfs.out 2>pfs.err || fail "sort page-faults:sampled"
# The callers of the allocation sites: two allocating functions of one name
# in two modules (libiberty's xmalloc is linked into both gcc's cc1 and
# libbfd, seen in `gcc -O2` under --alloc) name their module, or the tree
# shows two identical "xmalloc" roots (fixtures/tui.sql: main allocates 32
# MiB, ld.so's calloc 304 bytes; the calloc is renamed main here).
sh "$HP_SRC/tests/golden/fixture.sh" load tui a.db || fail "cannot build the tui fixture"
sqlite3 a.db "UPDATE functions SET name = 'main' WHERE name = 'calloc' AND module_id IN
	(SELECT id FROM modules WHERE path LIKE '%ld-linux%')" || fail "cannot rename calloc"
"$HPPROF" report --memory a.db >mem.out 2>mem.err || { cat mem.err; fail "report --memory"; }
sed -n '/^Callers/,/^Held/p' mem.out >callers.out
grep -Eq '^ +33554432 +1  main \(fixture_prog\)$' callers.out ||
	{ cat callers.out; fail "the callers' main root does not name fixture_prog"; }
grep -Eq '^ +304 +1  main \(ld-linux-x86-64\.so\.2\)$' callers.out ||
	{ cat callers.out; fail "the callers' second main root does not name ld.so"; }
grep -Eq '^ +4096 +1  _IO_file_doallocate$' callers.out ||
	{ cat callers.out; fail "a root of a unique name got a module"; }
note "callers name the module of shared names"
# annotate of such a name lists the one with the most samples and says so
# (libc's clone3, 25 samples, renamed main beside fixture_prog's, 94)
sqlite3 a.db "UPDATE functions SET name = 'main' WHERE name = 'clone3'" || fail "rename clone3"
"$HPPROF" annotate a.db main >ann.out 2>ann.err || { cat ann.err; fail "annotate main"; }
assert_contains "annotate's namesake note" ann.err \
	"'main' is a function of 2 modules: this is fixture_prog's, the one with the most samples (also in libc.so.6)"
"$HPPROF" annotate f.db calculate_z >ann1.out 2>ann1.err || fail "annotate calculate_z"
[ -s ann1.err ] && { cat ann1.err; fail "annotate of a unique name printed a note"; }
# The leaks end with their total over every leaking site, shown or not
# (heaptrack_print's "total memory leaked"): the alloc_sites view's sum.
want=$(sqlite3 a.db "SELECT SUM(leaked_bytes) || ' ' || SUM(leaked_allocs) || ' ' || COUNT(*)
	FROM alloc_sites WHERE leaked_bytes > 0")
"$HPPROF" report --memory -n 1 a.db >mem1.out 2>mem.err || { cat mem.err; fail "report --memory -n 1"; }
got=$(awk '/^Leaks/ { on = 1 } on && / total of / { print $1, $2, $5 }' mem1.out)
[ "$got" = "$want" ] || { cat mem1.out; fail "leak total '$got', the view says '$want'"; }
note "leak total $got (bytes blocks sites) = alloc_sites"
# annotate's context after the function stops at the end of its file:
# calculate_z's last line is 99, and its source is cut to 99 lines here
# (a function at the end of a file; a Python script's last line): no line
# 100-102 "(counts only ...)" that the file does not have and nothing cost.
cp f.db short.db
seq -f "src line %g" 1 99 >short.c
sqlite3 short.db "UPDATE files SET path = '$PWD/short.c' WHERE path LIKE '%julia.c'" ||
	fail "cannot point the fixture at short.c"
"$HPPROF" annotate short.db calculate_z >short.out 2>short.err || { cat short.err; fail "annotate"; }
last=$(tail -n 1 short.out | sed 's/^ *//')
[ "$last" = "99  src line 99" ] || { tail -n 5 short.out; fail "annotate lists past the file's end"; }
grep -q "counts only" short.out && { cat short.out; fail "a line without counts says 'counts only'"; }
note "annotate stops at the file's last line (99)"
# Kernel frames (fixtures/kernel.sql: a first-touch loop recorded as root):
# the kernel section, and the hot lines charging kernel time and page
# faults to the touching line.
sh "$HP_SRC/tests/golden/fixture.sh" load kernel k.db || fail "cannot build the kernel fixture"
check report_kernel "$HPPROF" report --kernel -n 8 k.db
check report_kernel_text "$HPPROF" report -n 6 k.db
# Off-CPU time (fixtures/offcpu.sql: four workers on one mutex, recorded
# with --off-cpu as root): the wall report with its wait classes, and the
# wall views.
sh "$HP_SRC/tests/golden/fixture.sh" load offcpu o.db || fail "cannot build the offcpu fixture"
check report_wall "$HPPROF" report --weight wall -n 6 o.db
# one thread (wave 20): its own wall time and the shares of it, said so
# (they were said to be "over all threads")
otid=$(sqlite3 o.db "SELECT tid FROM thread_profile ORDER BY samples DESC, tid LIMIT 1")
check report_wall_tid "$HPPROF" report --weight wall -n 3 --tid "$otid" o.db
check views_wall sqlite3 -header o.db "SELECT * FROM wall_profile LIMIT 10; SELECT * FROM wall_line_profile LIMIT 6;"
echo "PASS"

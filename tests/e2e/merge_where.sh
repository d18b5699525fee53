#!/bin/sh
# hpprof merge says what ran where and when for all of its inputs, not the
# first one's alone (until wave 16 run_info target, cwd, kernel_name and
# start_time were the first input's: a merge of two programs claimed one).
#   - inputs that differ: target "2 targets: A, B", cwd "2 directories:
#     X, Y", kernel_name "2 kernels: calib, pi", start_time "EARLIEST ..
#     LATEST (N runs)" (starting with the earliest, still a parseable
#     time), shown by report's header and the TUI summary;
#   - inputs that agree (one program merged with itself): the value as
#     each input has it, as before.
# usage: merge_where.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib
need_kernel pi
mkdir one two
(cd one && "$HPPROF" run -q -o ../a.db -k calib -- --small >/dev/null 2>&1) || fail "run A"
sleep 1.1                              # start_time has whole seconds
(cd two && "$HPPROF" run -q -o ../b.db -k pi -- --small >/dev/null 2>&1) || fail "run B"
fact() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
"$HPPROF" merge -q -o ab.db b.db a.db 2>err.txt || { cat err.txt; fail "merge"; }
ta=$(fact a.db target) tb=$(fact b.db target)
sa=$(fact a.db start_time) sb=$(fact b.db start_time)
[ "$sa" != "$sb" ] || fail "the runs started in the same second ($sa)"
assert_eq "target" "$(fact ab.db target)" "2 targets: $tb, $ta"
assert_eq "cwd" "$(fact ab.db cwd)" "2 directories: $T/two, $T/one"
assert_eq "kernel_name" "$(fact ab.db kernel_name)" "2 kernels: pi, calib"
assert_eq "start_time: the earliest, then the latest" "$(fact ab.db start_time)" "$sa .. $sb (2 runs)"
"$HPPROF" report ab.db >report.txt || fail "report"
assert_contains "report: started" report.txt "  started:   $sa .. $sb (2 runs)"
assert_contains "report: targets" report.txt "  target:    2 targets: $tb, $ta"
NO_COLOR= LANG=C.UTF-8 "$HPPROF" tui --dump summary --width 300 --height 20 ab.db >tui.txt ||
	fail "tui --dump summary"
assert_contains "tui: started" tui.txt "started          $sa .. $sb (2 runs)"
assert_contains "tui: directories" tui.txt "cwd              2 directories: $T/two, $T/one"
# Inputs that agree keep their value.
"$HPPROF" merge -q -o aa.db a.db a.db 2>/dev/null || fail "merge of A with itself"
for k in target cwd kernel_name start_time; do
	assert_eq "$k of A merged with itself" "$(fact aa.db $k)" "$(fact a.db $k)"
done
echo PASS

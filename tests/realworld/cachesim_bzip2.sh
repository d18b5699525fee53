#!/bin/sh
# bzip2 -9 on 300 KiB of generated text, and bzip2 -d of it, in a pipeline
# under --cache-sim (three processes: sh and the two bzip2, a file each):
# libbz2 is stripped (its exported BZ2_* functions named by .dynsym, the
# rest ???), libc and ld.so have line tables (libc6-dbg). About 5 s under
# valgrind.
. "$HP_SRC/tests/realworld/lib.sh"
. "$HP_SRC/tests/realworld/cachesim_lib.sh"
rw_need bzip2 bzip2
rw_gen text input.txt 1
head -c 307200 input.txt >small.txt
rw_cachesim --no-lines BZ2_compressBlock sh -c "bzip2 -9 -c small.txt | bzip2 -d"

# The TUI's summary: the hottest line is one with a source line (libbz2's
# stripped code has none: cachegrind files it under ???), and the share of
# sim_Ir without line information is said, as line_profile holds it
share=$(sqlite3 sim.db "SELECT printf('%.1f', 100.0 * SUM(CASE WHEN file IS NULL
	THEN sim_Ir ELSE 0 END) / SUM(sim_Ir)) FROM line_profile")
note "sim_Ir without line information: $share%"
TUI_TMP="$T/tui"; mkdir -p "$TUI_TMP"
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_stop; rw_cleanup' EXIT
tui_start "$HPPROF" tui sim.db
tui_wait_for "Hottest"
tui_screen >summary.txt
tui_keys q
grep -E '^ +line ' summary.txt | grep -q '??:' && fail "the hottest line has no source: $(grep -E '^ +line ' summary.txt)"
grep -qE '^ +line .*[A-Za-z0-9_.-]+:[0-9]+ in ' summary.txt || fail "no hottest source line in the summary"
grep -q "$share% of sim_Ir in code without line information" summary.txt ||
	fail "the summary does not say $share% of sim_Ir has no line information: $(grep -A3 Hottest summary.txt)"
# a parent not recorded (valgrind's children in the pipeline) is "?", not 0,
# in report's Processes table and the TUI's
for pid in $(sqlite3 sim.db "SELECT pid FROM processes WHERE ppid IS NULL"); do
	"$HPPROF" report sim.db | awk -v p="$pid" '$1 == p { print $2 }' | grep -qx '?' ||
		fail "report: process $pid's unknown parent is not '?': $("$HPPROF" report sim.db | grep "^ *$pid ")"
	grep -E "^ +$pid +\\? " summary.txt >/dev/null ||
		fail "tui: process $pid's unknown parent is not '?': $(grep "^ *$pid " summary.txt)"
done
echo "PASS (tui summary)"

#!/bin/sh
# The first attach of a boot writes the per-boot kernel symbol table
# (wave 20, collector/offcpu_attach.c, common/ksymtab_build.c). An attach
# as root gives the threads found asleep their kernel frames
# (/proc/PID/task/TID/stack, named by the table); until wave 20 it only
# read the cached table, and without one read /proc/kallsyms as text
# (50-180 ms) and wrote nothing, so each attach paid that until a run's
# analyzer wrote the cache. With a private XDG_CACHE_HOME (no cache): the
# first attach builds the table, says "symbol cache: written" at
# --debug=run before the events are enabled, and its file is there; the
# second maps it: "symbol cache: yes, kallsyms read: no". Both find the
# same number of functions of `sleep`'s stack. Before the fix the first
# said "symbol cache: no" (the check fails). Not root (no stack files),
# or no kernel frames: exit 77 with the reason.
. "$HP_SRC/tests/e2e/lib.sh"
[ "$(id -u)" = 0 ] || skip "the stack files are root's (/proc/PID/task/TID/stack)"
command -v sleep >/dev/null || skip "no sleep"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT
sh -c 'echo up; exec sleep 600' >s.out &
pid=$!
wait_asleep "$pid" s.out up 1 sleep
export XDG_CACHE_HOME="$T/cache"
line() { grep "kernel frames of the targets' threads" "$1"; }
for k in 1 2; do
	"$HPPROF" --debug=run run -q --off-cpu -p "$pid" --duration 0.3 -o a$k.db 2>e$k.txt ||
		{ cat e$k.txt; fail "attach $k failed"; }
	note "attach $k: $(line e$k.txt | sed 's/.*\[run\] //')"
	if [ $k = 1 ]; then
		frames=$(q a1.db "SELECT value FROM run_info WHERE key = 'kernel_frames'")
		[ "$frames" = yes ] || skip "no kernel frames here: $frames"
		line e1.txt | grep -q "symbol cache: written, kallsyms read: yes" ||
			{ cat e1.txt; fail "the first attach did not write the symbol table"; }
		ls "$XDG_CACHE_HOME"/hpprof/kallsyms-* >/dev/null 2>&1 || fail "no cache file"
	fi
done
line e2.txt | grep -q "symbol cache: yes, kallsyms read: no;" ||
	{ cat e2.txt; fail "the second attach read kallsyms"; }
f1=$(line e1.txt | sed 's/.*threads: [0-9]*, \([0-9]*\) functions.*/\1/')
f2=$(line e2.txt | sed 's/.*threads: [0-9]*, \([0-9]*\) functions.*/\1/')
assert_ge "functions found by the first attach" "$f1" 1
assert_eq "functions found by the second attach" "$f2" "$f1"
echo "PASS: kstack_cache"

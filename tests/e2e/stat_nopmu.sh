#!/bin/sh
# Hardware events on a machine without a PMU: hpprof stat still succeeds,
# shows them as <not supported> (never 0) and gives the reason once. On a
# machine with a PMU it shows their counts instead.
# env: HPPROF
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$HPPROF" stat -e cycles,cache-misses,page-faults -o "$tmp/out" -- true 2>"$tmp/err" ||
	{ echo "FAIL: hpprof stat exited $?"; cat "$tmp/out" "$tmp/err"; exit 1; }
cat "$tmp/out"
fail() { echo "FAIL: $*"; exit 1; }
grep -Eq '^ +[0-9]+ +page-faults' "$tmp/out" || fail "no page-faults count"
have_pmu=0
for d in /sys/bus/event_source/devices/cpu* /sys/bus/event_source/devices/armv*; do
	[ -e "$d" ] && have_pmu=1
done
if [ $have_pmu = 1 ]; then
	grep -Eq '^ +[0-9]+ +cycles' "$tmp/out" || fail "PMU present but no cycles count"
	exit 0
fi
grep -Eq '<not supported> +cycles$' "$tmp/out" || fail "cycles not shown as <not supported>"
grep -Eq '<not supported> +cache-misses$' "$tmp/out" || fail "cache-misses not shown as <not supported>"
grep -Eq '^ +0 +(cycles|cache-misses)' "$tmp/out" && fail "an unmeasured event shows 0"
n=$(grep -c 'not supported on this machine' "$tmp/out")
[ "$n" = 1 ] || fail "the reason should appear once, appears $n times"
grep -q 'cycles, cache-misses: not supported on this machine (no hardware PMU' "$tmp/out" ||
	fail "reason line missing"
exit 0

#!/bin/sh
# hpprof top's wall time, self (wave 16): a wait's self is the program's
# call that waited, the innermost frame outside the kernel, as wall_profile
# and `report --weight wall` charge it. Before, top gave it to the
# innermost frame, the kernel's schedule(): "89.6% self schedule
# [kernel.kallsyms]" for a mutex-bound program while report said
# futex_wait. The last table counts what the database holds, so its
# Self s of every function equals wall_profile's self_on_ns + self_off_ns
# (to the 3 decimals printed), and no kernel function has wall self.
. "$HP_SRC/tests/e2e/lib.sh"
F="$HP_BUILD/tests/offcpu_fixture"
[ -x "$F" ] || fail "offcpu_fixture is not built"
"$HPPROF" top --batch --off-cpu --weight wall --sort self -n 2 --rows 500 -o w.db -- \
	"$F" sleep 100000 >out.txt 2>err.txt || { cat err.txt; fail "top --weight wall failed"; }
off=$(q w.db "SELECT value FROM run_info WHERE key = 'off_cpu'")
case "$off" in yes*) ;; *) skip "off-CPU recording unavailable here: $off" ;; esac
awk '/^Showing the whole run/ { on = 1; next } on && $1 ~ /%$/ { print $3, $5, $6 }' out.txt >last.txt
[ -s last.txt ] || { cat out.txt; fail "no whole-run table"; }
k=$(awk '$3 ~ /^\[kernel/ && $1 + 0 > 0' last.txt | head -3)
[ -z "$k" ] || { cat last.txt; fail "kernel functions with wall self: $k"; }
note "no kernel function has wall self"
q w.db "SELECT function, printf('%.3f', (self_on_ns + self_off_ns) / 1e9) FROM wall_profile
	WHERE self_on_ns + self_off_ns >= 1000000 ORDER BY self_on_ns + self_off_ns DESC LIMIT 5" |
while IFS='|' read -r fn s; do
	t=$(awk -v f="$fn" '$2 == f { print $1; exit }' last.txt)
	assert_eq "$fn: wall Self s (top's last table vs wall_profile)" "$t" "$s"
done || exit 1
# the wait of the fixture's sleep phase is clock_nanosleep's, not schedule's
w=$(q w.db "SELECT function FROM wall_profile WHERE function LIKE '%nanosleep%' ORDER BY self_off_ns DESC LIMIT 1")
assert_eq "the sleep's wait in wall_profile" "$w" "clock_nanosleep"
echo "PASS: top_wall_self"

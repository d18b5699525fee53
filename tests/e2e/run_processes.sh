#!/bin/sh
# A program that forks and execs another: both processes appear with their
# own symbols. Stripped and static binaries: no crash, sensible frames.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel forkexec

"$HPPROF" run -q -o f.db "$KDIR/hp-forkexec" >/dev/null || fail "forkexec run"
nproc=$(q f.db "SELECT COUNT(*) FROM processes")
assert_ge "processes" "$nproc" 2
pw=$(q f.db "SELECT total_samples FROM function_profile WHERE function = 'parent_work'")
assert_ge "parent_work samples (parent's symbols)" "${pw:-0}" 1
cz=$(q f.db "SELECT total_samples FROM function_profile WHERE function = 'calculate_z'")
assert_ge "calculate_z samples (exec'd child's symbols)" "${cz:-0}" 1
# samples of the child are attributed to its own pid
pids=$(q f.db "SELECT COUNT(DISTINCT pid) FROM thread_profile")
assert_ge "processes with samples" "$pids" 2

"$HPPROF" run -q -o s.db "$KDIR/hp-julia-stripped" --width 300 >/dev/null || fail "stripped run"
n=$(q s.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_ge "stripped: samples" "$n" 20
top=$(q s.db "SELECT function FROM function_profile LIMIT 1")
note "stripped: hottest frame is '$top'"
case "$top" in *hp-julia-stripped+0x*|calculate_z) ;; *) fail "stripped: unexpected top frame '$top'";; esac
libc=$(q s.db "SELECT COUNT(*) FROM function_profile WHERE module LIKE '%libc.so%' AND function NOT LIKE '%+0x%'")
assert_ge "stripped: named libc frames" "$libc" 1

"$HPPROF" run -q -o st.db "$KDIR/hp-julia-static" --width 300 >/dev/null || fail "static run"
tot=$(q st.db "SELECT total_pct FROM function_profile WHERE function = 'calculate_z'")
assert_ge "static: calculate_z total%" "${tot:-0}" 90
echo "PASS"

#!/bin/sh
# A program that forks and execs another: both processes appear with their
# own symbols. Stripped and static binaries: no crash, sensible frames.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel forkexec

# The child runs enough julia to be seen: at --small it computes for about
# 0.5 ms, i.e. half a sample at 1 kHz, so "no calculate_z sample" was then
# the expected outcome, not a bug. Each process's share is checked against
# its own truth lines (kernels/README.md).
"$HPPROF" run -q -o f.db "$KDIR/hp-forkexec" "$KDIR/hp-julia" --width 500 --repeat 4 >f.out ||
	fail "forkexec run"
nproc=$(q f.db "SELECT COUNT(*) FROM processes")
assert_ge "processes" "$nproc" 2
grep ' kernel=forkexec ' f.out >parent.truth
grep ' kernel=julia ' f.out >child.truth
ppid=$(truth parent.truth process main pid)
cpid=$(truth child.truth process main pid)
# samples of each process are attributed to its own pid, with its own symbols
pn=$(samples_where f.db "$(pid_cond "$ppid")")
cn=$(samples_where f.db "$(pid_cond "$cpid")")
assert_ge "parent samples" "$pn" 1
assert_ge "exec'd child samples" "$cn" 1
# skid 2 pp: the fork and exec themselves, which neither side times exactly
pw=$(stack_hits f.db "f.name = 'parent_work'" "$(pid_cond "$ppid")")
check_share "parent_work in the parent" "$pw" "$pn" \
	"$(ratio "$(truth parent.truth phase compute cpu_s)" "$(truth parent.truth process main cpu_s)")" \
	"$(ratio "$(truth parent.truth phase compute cpu_s)" "$(truth_sum parent.truth phase cpu_s)")" 2 \
	"$(unseen_pp f.db "$(truth parent.truth process main cpu_s)")"
cz=$(stack_hits f.db "f.name = 'calculate_z'" "$(pid_cond "$cpid")")
proc=$(truth child.truth process main cpu_s)
comp=$(truth child.truth phase compute cpu_s)
check_share "calculate_z in the exec'd child" "$cz" "$cn" "$(ratio "$comp" "$proc")" \
	"$(ratio "$comp" "$(awk -v a="$proc" -v b="$(truth_startup child.truth)" 'BEGIN { print a - b }')")" 2 \
	"$(unseen_pp f.db "$proc")"

"$HPPROF" run -q -o s.db "$KDIR/hp-julia-stripped" --width 300 >/dev/null || fail "stripped run"
n=$(q s.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_ge "stripped: samples" "$n" 20
top=$(q s.db "SELECT function FROM function_profile LIMIT 1")
note "stripped: hottest frame is '$top'"
case "$top" in *hp-julia-stripped+0x*|calculate_z) ;; *) fail "stripped: unexpected top frame '$top'";; esac
libc=$(q s.db "SELECT COUNT(*) FROM function_profile WHERE module LIKE '%libc.so%' AND function NOT LIKE '%+0x%'")
assert_ge "stripped: named libc frames" "$libc" 1

"$HPPROF" run -q -o st.db "$KDIR/hp-julia-static" --width 500 >st.out || fail "static run"
tot=$(q st.db "SELECT total_samples FROM function_profile WHERE function = 'calculate_z'")
proc=$(truth st.out process main cpu_s)
comp=$(truth st.out phase compute cpu_s)
# skid 1 pp: stacks hpprof could not complete, phase boundaries
check_share "static: calculate_z total" "${tot:-0}" "$(samples_where st.db)" "$(ratio "$comp" "$proc")" \
	"$(ratio "$comp" "$(awk -v a="$proc" -v b="$(truth_startup st.out)" 'BEGIN { print a - b }')")" 1 \
	"$(unseen_pp st.db)"
echo "PASS"

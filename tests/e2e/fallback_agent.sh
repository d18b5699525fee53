#!/bin/sh
# The preload agent (--sampler preload) where programs make it hard: a
# program with its own SIGPROF handler (the agent stands aside and says
# so; the program gets its ticks and only those; a vfork child resetting
# SIGPROF does not make the parent's agent stand aside), hundreds of short
# threads (no timer left behind, wrapper frames hidden), a library
# dlopen'ed after start (named, from the maps read again), --alloc on the
# same stream, and the cases it cannot take.
. "$HP_SRC/tests/e2e/lib.sh"
FX="$HP_BUILD/tests/fixtures/fallback"
[ -x "$FX/own_sigprof" ] || fail "fixtures not built ($FX)"

for how in sigaction signal; do
	"$HPPROF" run --sampler preload -o s.db "$FX/own_sigprof" $how >out.txt 2>err.txt ||
		{ cat out.txt err.txt; fail "own_sigprof ($how): the program failed under the agent"; }
	assert_contains "own_sigprof ($how): its own ticks" out.txt "own_sigprof: [1-9][0-9]* ticks, 0 foreign"
	assert_contains "own_sigprof ($how): the agent says it stood aside" err.txt "handles SIGPROF itself"
	aside=$(q s.db "SELECT value FROM run_info WHERE key = 'agent_stood_aside'")
	assert_eq "own_sigprof ($how): agent_stood_aside" "$aside" 1
	n=$(q s.db "SELECT value FROM run_info WHERE key = 'samples'")
	assert_ge "own_sigprof ($how): samples before it took SIGPROF" "$n" 5
	rm -f s.db
done

# A vfork child that resets SIGPROF shares the parent's memory, not its
# timers: the parent keeps being sampled.
"$HPPROF" run -q --sampler preload -o v.db "$FX/vfork_reset" >out.txt 2>err.txt ||
	{ cat out.txt err.txt; fail "vfork_reset under the agent"; }
av=$(q v.db "SELECT total_pct FROM function_profile WHERE function LIKE 'after_vfork%'")
assert_ge "after_vfork total% (sampled after the child's reset)" "${av:-0}" 80
aside=$(q v.db "SELECT value FROM run_info WHERE key = 'agent_stood_aside'")
assert_eq "vfork_reset: agent_stood_aside" "$aside" 0

"$HPPROF" run -q --sampler preload -o c.db "$FX/threads_churn" >out.txt 2>err.txt ||
	{ cat out.txt err.txt; fail "threads_churn under the agent"; }
assert_contains "threads_churn: timers deleted with their threads" out.txt "threads_churn: 801 threads"
bw=$(q c.db "SELECT total_pct FROM function_profile WHERE function = 'busy_worker'")
assert_ge "busy_worker total%" "$bw" 80
own=$(q c.db "SELECT COUNT(*) FROM function_profile WHERE module LIKE '%libhpprof_alloc%'")
assert_eq "frames of the agent in stacks" "$own" 0
entry=$(q c.db "SELECT 100.0 * (SELECT value FROM run_info WHERE key = 'entry_stacks')
                / (SELECT value FROM run_info WHERE key = 'samples')")
assert_ge "complete stacks %" "$entry" 95

"$HPPROF" run -q --sampler preload -o d.db "$FX/dlopen_main" >out.txt 2>err.txt ||
	{ cat out.txt err.txt; fail "dlopen_main under the agent"; }
hp=$(q d.db "SELECT total_pct FROM function_profile WHERE function = 'hot_in_plugin'
             AND module LIKE '%libfb_plugin.so'")
assert_ge "hot_in_plugin (dlopen'ed) total%" "${hp:-0}" 80

need_kernel memory
"$HPPROF" run -q --sampler preload --alloc -o m.db -k memory -- --variant boxed --small \
	>/dev/null 2>err.txt ||
	{ cat err.txt; fail "--alloc with the agent"; }
ac=$(q m.db "SELECT value FROM run_info WHERE key = 'alloc_count'")
assert_ge "--alloc with the agent: allocations" "$ac" 1000000
n=$(q m.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_ge "--alloc with the agent: samples" "$n" 10

# perf_event_open allowed on oneself but refused for the target: hpprof's
# probe passes, the session cannot open its events, and the run falls back
# then (the target had not started).
need_kernel julia
if "$FX/noperf_child" true; then
	"$FX/noperf_child" "$HPPROF" run -o r.db -k julia -- --width 500 >out.txt 2>err.txt ||
		{ cat err.txt; fail "fallback after the session: exit $?"; }
	assert_contains "late fallback: the note" err.txt "sampling with the LD_PRELOAD agent instead"
	assert_contains "late fallback: the program ran once" out.txt "checksum"
	[ "$(grep -c checksum out.txt)" -eq 1 ] || fail "late fallback: the program ran twice"
	mode=$(q r.db "SELECT value FROM run_info WHERE key = 'sampling'")
	case "$mode" in "preload agent (perf_event_open refused"*) note "late fallback: $mode";;
		*) fail "late fallback: sampling = '$mode'";; esac
	tot=$(q r.db "SELECT total_pct FROM function_profile WHERE function = 'calculate_z'")
	assert_ge "late fallback: calculate_z total%" "$tot" 90
else
	note "seccomp filters are not available here: late fallback not tested"
fi

need_kernel julia-static
"$HPPROF" run --sampler preload -o x.db "$KDIR/hp-julia-static" --small >out.txt 2>err.txt
st=$?
[ "$st" -eq 1 ] || { cat err.txt; fail "static target: exit $st, expected 1"; }
assert_contains "static target: why" err.txt "cannot sample '$KDIR/hp-julia-static' with the preload agent: it is statically linked"
[ ! -e x.db ] || fail "a database was left behind"
"$HPPROF" run --sampler preload -s cycles -o x.db /bin/true >out.txt 2>err.txt
[ $? -eq 1 ] || fail "--sample-event with the agent: expected exit 1"
assert_contains "--sample-event with the agent" err.txt "needs perf events"
"$HPPROF" run --sampler bogus /bin/true >out.txt 2>err.txt
[ $? -eq 2 ] || fail "--sampler bogus: expected exit 2"
assert_contains "--sampler bogus" err.txt "invalid --sampler 'bogus': use perf or preload"
echo "PASS"

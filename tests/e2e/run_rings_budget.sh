#!/bin/sh
# The perf rings fit the locked memory a user may have (wave 23). Without
# CAP_IPC_LOCK the kernel counts every ring against the user's allowance,
# kernel.perf_event_mlock_kb for each online CPU, then against the
# process's RLIMIT_MEMLOCK, and refuses a ring beyond both. At the default
# limits (516 KiB a CPU, `ulimit -l` 8 MiB) a machine of 3 or more CPUs
# could not hold the default 4 MiB rings: the third was refused and every
# unprivileged run fell back to the preload agent, blaming
# perf_event_paranoid. A lower `ulimit -l` makes the same shortage on this
# machine, with the kernel's own accounting (no mock).
#
# Each case runs as a user id of its own (the allowance is per user, and
# root's is shared with the other tests' runs), with CAP_PERFMON where it
# needs kernel events, as a binary given it with setcap would be:
#   A, B, B2  ulimit -l 0, 8 MiB, 6.25 MiB, off-CPU events on: the CPU
#      rings shrink to fit; the off-CPU events have rings of their own
#      when those fit beside the CPU rings' size, else they write into the
#      CPU's ring; either way the fixture's sleeps are off-CPU time.
#   C  another run of the same user holds the allowance, so a later ring
#      is refused although the sizes were fitted: the session opens its
#      events again with rings a quarter as large;
#   C2 the same when not even the smallest ring fits: the run falls back
#      to the agent, and the message names the locked-memory limit, not
#      perf_event_paranoid.
#   D, D2 as C and C2 for an attach (wave 26: it failed with "perf events
#      are not available", its reason unsaid): it opens again with
#      smaller rings; when none fits, the message names the limit (an
#      attached process has no agent to fall back to).
# The expected sizes follow the kernel's rule, written out below: a ring
# of P pages locks P + 1 (its header page); the off-CPU rings are a
# quarter and a half of a CPU ring, at least 64 pages.
. "$HP_SRC/tests/e2e/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to run as other users"
command -v setpriv >/dev/null 2>&1 || skip "setpriv is not installed"
F="$HP_BUILD/tests/offcpu_fixture"
[ -x "$F" ] || fail "offcpu_fixture is not built"
need_kernel julia
online=$(getconf _NPROCESSORS_ONLN)
mlock_kb=$(cat /proc/sys/kernel/perf_event_mlock_kb)
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
[ "$paranoid" -le 2 ] || skip "kernel.perf_event_paranoid is $paranoid: no perf events for users"
[ "$paranoid" -ge 0 ] || skip "kernel.perf_event_paranoid is $paranoid: rings are not limited"
nobody_copy "$F" "$KDIR/hp-julia"
chmod 1777 "$T"
uid=$((62000 + $$ % 3000))
as="setpriv --reuid=$uid --regid=$uid --clear-groups"
perfmon="--inh-caps=+perfmon --ambient-caps=+perfmon"
$as $perfmon true 2>/dev/null || skip "setpriv cannot give CAP_PERFMON here"

part() { # part PAGES DIV: an off-CPU ring's pages
	p=$(($1 / $2))
	[ "$p" -ge 64 ] || p=$(($1 < 64 ? $1 : 64))
	echo "$p"
}
# fit BUDGET OFFCPU: the largest ring (1024 pages down to 64) whose rings
# fit BUDGET pages on every online CPU; 0 when none does
fit() {
	p=1024
	while [ "$p" -ge 64 ]; do
		per=$((p + 1))
		[ "$2" = 1 ] && per=$((per + $(part $p 4) + 1 + $(part $p 2) + 1))
		[ $((per * online)) -le "$1" ] && { echo "$p"; return; }
		p=$((p / 2))
	done
	echo 0
}
# run_as NAME LIMIT_KIB CAPS ARGS...: hpprof --debug=perf run ARGS as the
# test's user under `ulimit -l LIMIT`; stdout NAME.out, stderr NAME.err
run_as() {
	name=$1 lim=$2 caps=$3
	shift 3
	HOME="$T" XDG_CACHE_HOME="$T/cache" $as $caps sh -c 'ulimit -l "$0" && exec "$@"' "$lim" \
		"$NB_HPPROF" --debug=perf run "$@" >"$name.out" 2>"$name.err"
}
info() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
# check_sleep DB OUT: the fixture's sleeps are off-CPU time (>= 90% of
# their wall time, as in offcpu_sleep.sh)
check_sleep() {
	slp=$(truth "$2" phase sleep_phase wall_ns)
	soff=$(q "$1" "SELECT SUM(self_off_ns) FROM wall_profile WHERE function IN
		('clock_nanosleep', '__clock_nanosleep', 'nanosleep', '__nanosleep', 'sleep_phase')")
	note "$1: off-CPU in the sleeps $soff ns of $slp ns"
	assert_ge "$1: sleep off-CPU / sleep wall" "$(ratio "$soff" "$slp")" 0.9
}

# case NAME LIMIT_KIB: a run of the sleep fixture with off-CPU events
# under `ulimit -l LIMIT`. The CPU rings take the largest size that fits
# without the off-CPU rings; when the off-CPU rings would make them
# smaller, the off-CPU events write into the CPU's ring instead.
case_off() {
	budget=$((mlock_kb / 4 * online + $2 / 4))
	alone=$(fit $budget 0)
	with=$(fit $budget 1)
	note "$1: ulimit -l $2 KiB, budget $budget pages on $online CPUs: rings of" \
		"$alone pages alone, $with with the off-CPU rings"
	run_as "$1" "$2" "$perfmon" -q --off-cpu -o "$T/$1.db" -- "$T/nb/offcpu_fixture" sleep 12 ||
		{ cat "$1.err"; fail "$1: run failed"; }
	[ "$(info "$T/$1.db" off_cpu)" = yes ] || { cat "$1.err"; fail "$1: no off-CPU time"; }
	case "$(info "$T/$1.db" sampling)" in perf_event*) ;; *) fail "$1: not sampled by perf" ;; esac
	# CAP_PERFMON allows counting kernel mode (until wave 23 hpprof asked
	# for euid 0: "not measured ... perf_event_paranoid is 2")
	case "$(info "$T/$1.db" event:context-switches)" in
	measured*) ;;
	*) fail "$1: context-switches not measured with CAP_PERFMON" ;;
	esac
	assert_contains "$1: CPU rings fitted" "$1.err" "rings: $alone pages per CPU"
	if [ "$with" -lt "$alone" ]; then
		assert_contains "$1: off-CPU events in the CPU's ring" "$1.err" \
			"the off-CPU events into the CPU's ring"
	elif grep -E "into the CPU's ring|refused" "$1.err"; then
		fail "$1: off-CPU rings shared or refused although they fit"
	fi
	copy=$((alone * 4096 / 64))
	[ "$copy" -le 65528 ] || copy=65528         # the default, the kernel's most
	assert_eq "$1: stack copy (a 64th of the ring)" "$(info "$T/$1.db" stack_size)" "$copy"
	check_sleep "$T/$1.db" "$1.out"
	# none is expected; a loop descheduled on a loaded machine may lose a
	# few (run_rings.sh's allowance: 1%)
	n=$(info "$T/$1.db" samples)
	assert_le "$1: lost samples" "$(info "$T/$1.db" lost_samples)" $((n / 100))
}
# A: the smallest CPU rings, no room for the off-CPU rings (2 CPUs: 128
# pages, shared); B: 4 MiB rings fit alone, not with the off-CPU rings
# (shared); B2: 2 MiB rings fit with them (their own rings)
case_off a 0
case_off b 8192
case_off b2 6400

# C, C2: another run of the user holds the allowance
[ "$online" -ge 2 ] || { echo "PASS"; exit 0; }
HOME="$T" XDG_CACHE_HOME="$T/cache" $as "$NB_HPPROF" run -q -o "$T/bg.db" -- \
	"$T/nb/offcpu_fixture" spin 60 >bg.out 2>bg.err &
bg=$!
i=0
while n=$(grep -c 'perf_event' "/proc/$bg/maps" 2>/dev/null); [ "${n:-0}" -lt "$online" ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || { kill $bg; cat bg.err; fail "C: the holding run has no rings after 30 s"; }
	sleep 0.1
done
# C: 65 x CPUs + 70 pages of ulimit -l (200 on 2 CPUs) hold the 64-page
# rings of every CPU, not the 128-page rings that fit the allowance the
# other run holds: a later ring is refused, and the session opens
# everything again with 64-page rings
run_as c $(((65 * online + 70) * 4)) "" -o "$T/c.db" "$T/nb/hp-julia" --width 300
rc=$?
# C2: 50 pages hold not even one ring of the smallest size: the agent
run_as c2 200 "" -o "$T/c2.db" "$T/nb/hp-julia" --width 300
rc2=$?
# D, D2: the same limits, attached to a program of the user's
$as "$T/nb/offcpu_fixture" spin 60 >tgt.out 2>&1 &
tgt=$!
# attached only once setpriv has exec'd it: before, the process is still
# root's and the attach is refused (CI run 181, beside a CPU loop)
wait_exec $tgt offcpu_fixture
run_as d $(((65 * online + 70) * 4)) "" -o "$T/d.db" --duration 0.5 -p $tgt
rcd=$?
run_as d2 200 "" -o "$T/d2.db" --duration 0.5 -p $tgt
rcd2=$?
kill $tgt 2>/dev/null
kill -INT $bg 2>/dev/null
wait $bg
[ $rc = 0 ] || { cat c.err; fail "C: run failed (exit $rc)"; }
assert_contains "C: all again, smaller" c.err "all again with 64 pages"
case "$(info "$T/c.db" sampling)" in
perf_event*) ;;
*) cat c.err; fail "C: not sampled by perf after the retry" ;;
esac
assert_eq "C: stack copy" "$(info "$T/c.db" stack_size)" 4096
[ $rc2 = 0 ] || { cat c2.err; fail "C2: run failed (exit $rc2)"; }
assert_contains "C2: the locked-memory limit named" c2.err "more memory than this user may lock"
if grep "LD_PRELOAD agent" c2.err | grep -q "perf_event_paranoid"; then
	cat c2.err
	fail "C2: the fallback blames perf_event_paranoid"
fi
case "$(info "$T/c2.db" sampling)" in
perf_event*) fail "C2: sampled by perf although no ring fits (was the allowance not held?)" ;;
esac
[ $rcd = 0 ] || { cat d.err; fail "D: attach failed (exit $rcd)"; }
assert_contains "D: all again, smaller" d.err "attach: all again with rings of 64 pages"
assert_eq "D: stack copy" "$(info "$T/d.db" stack_size)" 4096
assert_ge "D: samples" "$(info "$T/d.db" samples)" 1
[ $rcd2 != 0 ] || { cat d2.err; fail "D2: attach succeeded although no ring fits"; }
assert_contains "D2: the locked-memory limit named" d2.err "more memory than this user may lock"
echo "PASS"

#!/bin/sh
# An unprivileged run (as `nobody` when the test runs as root, else as the
# user running it) says once, in run's output, the report header and the TUI
# summary, what of the kernel it may not record and which setting would
# allow it - and shows no counter as 0 that it did not measure
# (context-switches and cpu-migrations happen only in kernel mode: counted
# without it they would read 0).
# What is permitted follows from the settings, read here the way the kernel
# applies them: kernel-mode samples need perf_event_paranoid <= 1.
. "$HP_SRC/tests/e2e/lib.sh"
FT=${1:?usage: kernel_unprivileged.sh FIRST_TOUCH}
as=""
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is not installed"
	id nobody >/dev/null 2>&1 || skip "there is no user 'nobody'"
	as="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	nobody_copy "$FT"
	HPPROF=$NB_HPPROF FT="$T/nb/$(basename "$FT")"
	chmod 1777 "$T"
fi
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
note "perf_event_paranoid = $paranoid, running as: ${as:-$(id -un)}"
export HOME="$T" XDG_CACHE_HOME="$T/cache"

# 16 MiB touched (faults, all in kernel mode), then 50 ms of user-mode CPU
# time, which the program measures itself: the user-mode sampler has ~50
# samples to take by construction (the touching alone took ~1 ms of user
# time and gave 0 samples in 4 of 6 runs, shown rightly as "measured: 0")
$as "$HPPROF" run -o "$T/u.db" "$FT" 16 1 50 >out.txt 2>err.txt || { cat err.txt; fail "hpprof run"; }
cat out.txt
cat err.txt
notes=$(grep -c "kernel time not sampled\|kernel functions not recorded" err.txt)
ks=$(q u.db "SELECT value FROM run_info WHERE key = 'kernel_samples'")
note "run_info kernel_samples = $ks"
if [ "$paranoid" -ge 2 ]; then
	assert_eq "kernel notes in run's output" "$notes" 1
	case "$ks" in "no ("*) ;; *) fail "kernel_samples = '$ks' although not permitted" ;; esac
	case "$ks" in
	*"preload agent"*) ;;    # perf refused altogether: the agent's own note said it
	*) assert_contains "the note names the setting" err.txt \
		"kernel.perf_event_paranoid is $paranoid; run as root or \`sysctl kernel.perf_event_paranoid=1\`" ;;
	esac
	$as "$HPPROF" report u.db >report.txt || fail "hpprof report"
	assert_contains "report header note" report.txt "note: kernel time not sampled: "
	assert_eq "kernel notes in the report" "$(grep -c 'kernel time not sampled' report.txt)" 1
else
	note "kernel samples are permitted unprivileged here: no kernel-time note expected"
	grep -q "kernel time not sampled" err.txt && fail "run says kernel time was not sampled"
	$as "$HPPROF" report u.db >report.txt || fail "hpprof report"
fi

# No zeroes that were not measured: every event either measured a count > 0
# here (this program runs, faults and is scheduled) or says why not.
q u.db "SELECT key || ' = ' || value FROM run_info WHERE key LIKE 'event:%'" >events.txt
cat events.txt
! grep -q "= measured: 0\b" events.txt || fail "an event is shown as measured 0: $(grep '= measured: 0' events.txt)"
sed -n '/^  task-clock\|^  context-switches\|^  cpu-migrations\|^  page-faults/p' report.txt >counters.txt
cat counters.txt
! grep -Eq "^  [a-z:-]+ +0$" counters.txt || fail "the report header shows a counter as 0"
if [ "$paranoid" -ge 2 ] && ! grep -q "preload agent" events.txt; then
	for ev in context-switches cpu-migrations; do
		assert_contains "$ev not measured, and why" report.txt "$ev *n/a: happens only in the kernel"
	done
fi

# The TUI summary says it too (tmux).
if [ "$paranoid" -ge 2 ] && command -v tmux >/dev/null 2>&1; then
	TUI_TMP="$T"
	. "$HP_SRC/tests/e2e/tui_lib.sh"
	tui_start $as "$HPPROF" tui "$T/u.db"
	tui_keys 1
	tui_wait_for "kernel time not sampled"
	tui_screen | grep -q "perf_event_paranoid" || { tui_screen; fail "TUI summary: no setting named"; }
	tui_keys q
	tui_stop
fi
echo "PASS"

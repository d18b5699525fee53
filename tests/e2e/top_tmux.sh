#!/bin/sh
# top_tmux.sh - `hpprof top` in a real terminal (tmux) with real perf
# events: launched on the julia kernel, the hot function calculate_z comes
# to the top of the table within a few refreshes (waited for on the screen,
# with tui_lib's generous deadline: never a timing assertion); the keys
# s, i, w and space change what the screen says; q quits with status 0 and
# the database it wrote gives report the same hot function. Attached (-p)
# to a running calib kernel, calib_a (60% of its work by construction) comes
# to the top, and q detaches leaving the process alive. With --off-cpu, w
# shows wall time, where the sleeping half of offcpu_fixture appears.
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
BG=""
trap 'st=$?; tui_diagnose $st; tui_stop; for p in $BG; do kill "$p" 2>/dev/null || true; done; rm -rf "$TUI_TMP"' EXIT
J="$HP_BUILD/kernels/hp-julia"
C="$HP_BUILD/kernels/hp-calib"
F="$HP_BUILD/tests/offcpu_fixture"
[ -x "$J" ] && [ -x "$C" ] && [ -x "$F" ] || { echo "skip: the julia or calib kernel or offcpu_fixture is not built"; exit 77; }
fail() { echo "FAIL: $*"; tui_screen; exit 1; }

# first_row: the function on the table's first row (line 5 of the screen).
first_row() { tui_screen | sed -n 5p | awk '{ print $5 }'; }
# wait_first FUNC: until FUNC heads the table (it is the hottest).
wait_first() {
	i=0
	until [ "$(first_row)" = "$1" ]; do
		i=$((i + 1))
		[ $i -le 600 ] || fail "$1 never came first on the table"
		sleep 0.1
	done
}

# 1. launched: julia for long enough (q ends it)
db="$TUI_TMP/j.db"
tui_start "$HPPROF" top -o "$db" -k julia -- --repeat 400
tui_wait_for "Last interval"
wait_first calculate_z
echo "# calculate_z heads the table after $(tui_screen | sed -n 1p | awk '{ print $(NF-1) }') s"
tui_keys s; tui_wait_for "sorted by total"
tui_keys i; tui_wait_for "Showing the whole run"
tui_keys w; tui_wait_for "no off-CPU time recorded"
tui_keys Space; tui_wait_for "PAUSED"
tui_keys p; i=0; while tui_screen | sed -n 1p | grep -q PAUSED; do i=$((i+1)); [ $i -le 600 ] || fail "still paused"; sleep 0.1; done
tui_keys q
status=$(tui_wait_exit)
[ "$status" = 0 ] || fail "hpprof top exited with $status after q"
hot=$("$HPPROF" report "$db" 2>/dev/null | awk '/^Hot functions/ { getline; getline; print $5; exit }')
[ "$hot" = calculate_z ] || fail "report of top's database: hot function '$hot', not calculate_z"
echo "# q: exit 0; report of the database: $hot first"
tui_stop

# 2. attached: calib runs on after q
"$C" --rounds 100000000 >"$TUI_TMP/calib.out" 2>&1 &
cp=$!; BG="$cp"
i=0   # until it has exec'd (a fixed sleep may be too short under load)
until [ "$(cat "/proc/$cp/comm" 2>/dev/null)" = hp-calib ]; do
	i=$((i + 1)); [ $i -le 600 ] || fail "calib never started"; sleep 0.1
done
db="$TUI_TMP/a.db"
tui_start "$HPPROF" top -o "$db" -p "$cp"
tui_wait_for "hp-calib (pid $cp)"
wait_first calib_a
tui_keys q
status=$(tui_wait_exit)
[ "$status" = 0 ] || fail "hpprof top -p exited with $status after q"
kill -0 "$cp" 2>/dev/null || fail "the attached process did not survive q"
hot=$("$HPPROF" report "$db" 2>/dev/null | awk '/^Hot functions/ { getline; getline; print $5; exit }')
[ "$hot" = calib_a ] || fail "report of the attached database: hot function '$hot', not calib_a"
echo "# attached: calib_a first, q detached, pid $cp alive; report: $hot first"
kill "$cp"; wait "$cp" 2>/dev/null || true; BG=""
tui_stop

# 3. --off-cpu: w shows wall time, where sleep_phase (half the fixture's
# time by construction: ~25 ms computing, ~25 ms asleep) appears. Its share
# is only checked to be there (> 1%): preemption on a loaded machine
# stretches the computing half's wall time (85% of it was seen at load 10),
# never the sleep's below 25 ms a round. top_batch.sh checks the wall
# figures against the database's wall_profile.
db="$TUI_TMP/w.db"
tui_start "$HPPROF" top --off-cpu -o "$db" -- "$F" sleep 100000
tui_wait_for "Last interval"
tui_keys i
i=0
until tui_keys w && tui_screen | grep -q "by wall time"; do
	i=$((i + 1)); [ $i -le 60 ] || fail "the wall view never came"; sleep 1
done
tui_keys s
i=0
until tui_screen | awk '$5 == "sleep_phase" && $2 + 0 > 1 { f = 1 } END { exit !f }'; do
	i=$((i + 1)); [ $i -le 600 ] || fail "sleep_phase never showed > 1% of the wall time"; sleep 0.1
done
echo "# wall view: $(tui_screen | awk '$5 == "sleep_phase"' | head -1)"
tui_keys q
status=$(tui_wait_exit)
[ "$status" = 0 ] || fail "hpprof top --off-cpu exited with $status after q"
echo "PASS"

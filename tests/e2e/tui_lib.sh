# tui_lib.sh - helpers for the tmux-driven TUI tests (sourced).
#
# tui_start CMD...   start CMD in a detached 120x40 tmux session "t"
# tui_keys KEYS...   tmux send-keys, then wait for the screen to settle
# tui_screen [-e]    the pane's text (with -e: with color escapes)
# tui_wait_for TEXT  wait until TEXT is on the screen (fails after ~60 s: a
#                    hang detector, generous for a loaded machine, not a budget)
# tui_wait_exit      wait until the command exited; prints its exit status
# tui_pid            the command's process id
# tui_stop           end the tmux server (and wait until it has exited)
#
# Needs TUI_TMP (a scratch directory). The tmux server is private to it.
# The pane runs a shell that records the command's pid (it execs into the
# command) and exit status in files: tmux's own #{pane_dead_status} is
# sometimes never filled in. The shell ignores SIGINT so that Ctrl-C only
# reaches the command, which installs its own handler.

command -v tmux >/dev/null 2>&1 || { echo "skip: tmux is not installed"; exit 77; }

tmux_() { tmux -S "$TUI_TMP/tmux.sock" -f /dev/null "$@"; }

tui_start() {
	rm -f "$TUI_TMP/pid" "$TUI_TMP/status"
	# remain-on-exit in the same tmux command: a command that dies at once
	# must leave its pane (and its screen) for the checks to read
	tmux_ new-session -d -s t -x 120 -y 40 "trap '' INT; \
		sh -c 'echo \$\$ > $TUI_TMP/pid; exec env LANG=C.UTF-8 TERM=screen $*'; \
		echo \$? > $TUI_TMP/status" \; set-option -t t remain-on-exit on >/dev/null
}

# tui_diagnose STATUS: on a failure that printed nothing (set -e), say where
# things stood: the command's exit status if it ended, and its screen.
tui_diagnose() {
	[ "$1" -eq 0 ] && return 0
	echo "FAIL: the test stopped with status $1 (set -e); the TUI's exit status:" \
		"$(cat "$TUI_TMP/status" 2>/dev/null || echo 'still running or never started');" \
		"its screen:"
	tui_screen 2>&1 | tail -40
}

tui_pid() { cat "$TUI_TMP/pid"; }

tui_screen() { tmux_ capture-pane -p "$@" -t t; }

tui_wait_for() {
	i=0
	while ! tui_screen | grep -q -- "$1"; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			echo "FAIL: '$1' never appeared; the screen was:"
			tui_screen
			exit 1
		fi
		sleep 0.1
	done
}

tui_keys() {
	tmux_ send-keys -t t "$@"
	sleep 0.3
}

tui_wait_exit() {
	i=0
	while [ ! -s "$TUI_TMP/status" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "FAIL: hpprof tui did not exit" >&2; tui_screen >&2; exit 1; }
		sleep 0.1
	done
	cat "$TUI_TMP/status"
}

# tui_alive PID: the process runs (a zombie, whose descriptors are closed,
# does not: where nobody reaps the daemonized server it stays one)
tui_alive() {
	st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# tui_stop: the server is gone when it returns. kill-server returns before
# the server has exited, and a tui_start in that moment reaches the old
# server, which then closes ("server exited unexpectedly": 18 of 100
# start/stop cycles at load 14 before this wait: tests/e2e/tui_cycle.sh).
tui_stop() {
	spid=$(tmux_ display-message -p '#{pid}' 2>/dev/null) || spid=
	tmux_ kill-server 2>/dev/null || true
	i=0
	while [ -n "$spid" ] && tui_alive "$spid"; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "FAIL: the tmux server $spid did not exit" >&2; exit 1; }
		sleep 0.05
	done
}

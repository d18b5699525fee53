#!/bin/sh
# tui_signals.sh - SIGTERM and Ctrl-C (SIGINT) end `hpprof tui` with
# 128 + signal after restoring the terminal (no alternate screen left).
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_diagnose $?; tui_stop; rm -rf "$TUI_TMP"' EXIT
command -v sqlite3 >/dev/null 2>&1 || { echo "skip: the sqlite3 shell is not installed"; exit 77; }
sh "$HP_SRC/tests/golden/fixture.sh" load tui "$TUI_TMP/f.db"

# restored WHAT: the pane leaves the alternate screen. tmux reads the
# browser's last output (endwin's rmcup) on its own time, which may come
# after the exit status file is written: wait for it (~60 s: a hang
# detector); a browser that never restores the terminal fails here.
restored() {
	i=0
	while [ "$(tmux_ display-message -p -t t '#{alternate_on}')" != 0 ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "FAIL: terminal not restored after $1"; tui_screen; exit 1; }
		sleep 0.1
	done
}

tui_start "$HPPROF" tui "$TUI_TMP/f.db"
tui_wait_for "Summary"
tui_keys 5
kill -TERM "$(tui_pid)"
status=$(tui_wait_exit)
[ "$status" = 143 ] || { echo "FAIL: exit status $status after SIGTERM (want 143)"; exit 1; }
restored "SIGTERM"
echo "ok: SIGTERM"
tui_stop

tui_start "$HPPROF" tui "$TUI_TMP/f.db"
tui_wait_for "Summary"
tui_keys C-c
status=$(tui_wait_exit)
[ "$status" = 130 ] || { echo "FAIL: exit status $status after Ctrl-C (want 130)"; exit 1; }
restored "Ctrl-C"
echo "ok: Ctrl-C"

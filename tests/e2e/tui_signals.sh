#!/bin/sh
# tui_signals.sh - SIGTERM and Ctrl-C (SIGINT) end `hpprof tui` with
# 128 + signal after restoring the terminal (no alternate screen left).
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_diagnose $?; tui_stop; rm -rf "$TUI_TMP"' EXIT
command -v sqlite3 >/dev/null 2>&1 || { echo "skip: the sqlite3 shell is not installed"; exit 77; }
sh "$HP_SRC/tests/golden/fixture.sh" load tui "$TUI_TMP/f.db"

tui_start "$HPPROF" tui "$TUI_TMP/f.db"
tui_wait_for "Summary"
tui_keys 5
kill -TERM "$(tui_pid)"
status=$(tui_wait_exit)
[ "$status" = 143 ] || { echo "FAIL: exit status $status after SIGTERM (want 143)"; exit 1; }
[ "$(tmux_ display-message -p -t t '#{alternate_on}')" = 0 ] ||
	{ echo "FAIL: terminal not restored after SIGTERM"; exit 1; }
echo "ok: SIGTERM"
tui_stop

tui_start "$HPPROF" tui "$TUI_TMP/f.db"
tui_wait_for "Summary"
tui_keys C-c
status=$(tui_wait_exit)
[ "$status" = 130 ] || { echo "FAIL: exit status $status after Ctrl-C (want 130)"; exit 1; }
[ "$(tmux_ display-message -p -t t '#{alternate_on}')" = 0 ] ||
	{ echo "FAIL: terminal not restored after Ctrl-C"; exit 1; }
echo "ok: Ctrl-C"

#!/bin/sh
# tui_cycle.sh - tui_start right after tui_stop always reaches a new tmux
# server (tests/e2e/tui_lib.sh). Before tui_stop waited for the old server
# to exit, 18 of 100 such starts met it on its way out and failed with
# "server exited unexpectedly" (load 14): the one failure of tui_signals
# (issue 10), whose second half starts a new browser after the first.
# 40 cycles: with that rate the old helper passes 0.82^40 = 0.04% of runs.
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_stop; rm -rf "$TUI_TMP"' EXIT
bad=0
for i in $(seq 40); do
	tui_start sleep 100 2>>"$TUI_TMP/err" || bad=$((bad + 1))
	tui_stop
done
[ "$bad" -eq 0 ] || { echo "FAIL: $bad of 40 starts failed:"; sort "$TUI_TMP/err" | uniq -c; exit 1; }
echo "ok: 40 starts after a stop"

#!/bin/sh
# tui_tmux.sh - browse a real profile in tmux: go to the hot function's
# source and check the hot line is shown and highlighted (HOT color and the
# '>' marker), open the memory view, resize the terminal, quit with q and
# check the exit status is 0 and the terminal left the alternate screen.
#
# Profiles the julia kernel when it is built, else a small program of the
# golden fixture compiled here.
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_diagnose $?; tui_stop; rm -rf "$TUI_TMP"' EXIT
db="$TUI_TMP/p.db"

if [ -x "$HP_BUILD/kernels/hp-julia" ]; then
	"$HPPROF" run -q -o "$db" -k julia > /dev/null
	hot=calculate_z
elif command -v cc >/dev/null 2>&1; then
	src="$HP_SRC/tests/golden/tui"
	cc -O2 -g -pthread -o "$TUI_TMP/prog" "$src/fixture_prog.c" "$src/fixture_lib.c"
	"$HPPROF" run -q -o "$db" "$TUI_TMP/prog" > /dev/null
	hot=hot_loop
else
	echo "skip: neither the julia kernel nor a C compiler is available"
	exit 77
fi

# The hottest line of the hot function, from the text report: "file.c:LINE".
line=$("$HPPROF" report -n 0 "$db" | awk -v f="$hot" '
	/^Hot lines/ { on = 1; next }
	on && $0 ~ ("  " f "( |$)") { for (i = 1; i <= NF; i++) if ($i ~ /:[0-9]+$/) { print $i; exit } }')
line=${line##*:}
[ -n "$line" ] || { echo "FAIL: no hot line of $hot in the report"; exit 1; }

tui_start "$HPPROF" tui "$db"
tui_wait_for "Summary"
tui_keys 2
tui_wait_for "Self%"
tui_keys / ; tui_keys -l "$hot" ; tui_keys Enter
tui_keys Enter
tui_wait_for " Line   /"           # the source view's header: its path (the status line's "Source:" label is shortened when kernel functions fill it)
# the screen can be read while tmux is still taking in a frame (the header
# before the lines under it): wait for the line itself, then check it
tui_wait_for " $line > "
# the hot line is on screen with its '>' marker ...
tui_screen | grep -E "^ *[0-9]+\.[0-9]+ .* $line > " > /dev/null ||
	{ echo "FAIL: hot line $line not shown with '>'"; tui_screen; exit 1; }
# ... and the marker is drawn in the HOT color (red: SGR 31)
esc=$(printf '\033')
tui_screen -e | grep " $line " | grep -E "31m($esc\[[0-9;]*m)*>" > /dev/null ||
	{ echo "FAIL: no hot-colored '>' marker"; tui_screen -e | cat -v; exit 1; }
echo "ok: hot line $line of $hot is highlighted"

tui_keys 6
tui_wait_for "RSS"
tui_wait_for "peak"
tui_screen | grep -q "peak" || { echo "FAIL: memory view shows no peak"; tui_screen; exit 1; }
echo "ok: memory view"

tmux_ resize-window -t t -x 80 -y 24
tui_wait_for "1 Sum"                 # the short tab labels of a narrow screen
[ "$(tui_screen | wc -l)" -eq 24 ] || { echo "FAIL: not 24 rows after resize"; exit 1; }
tui_keys 2
tui_wait_for "Self%"
echo "ok: resized to 80x24"

tui_keys '?'
tui_wait_for "Keys everywhere"
tui_keys Escape
tui_keys q
status=$(tui_wait_exit)
[ "$status" = 0 ] || { echo "FAIL: exit status $status after q"; exit 1; }
[ "$(tmux_ display-message -p -t t '#{alternate_on}')" = 0 ] ||
	{ echo "FAIL: the terminal is still in the alternate screen"; exit 1; }
echo "ok: q exits with 0 and restores the terminal"

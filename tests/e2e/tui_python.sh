#!/bin/sh
# tui_python.sh - the TUI's source view on a .py file: profile the
# pure-Python julia kernel, go to calculate_z's source in tmux and check
# that its hottest line (from the text report) is shown, from julia.py,
# with the '>' marker. Then kernel_lines.py: in the source view of in_kernel,
# its KERNEL line (os.readv of /dev/zero) is selected and its status line names
# the kernel function beneath that .py line when it is selected.
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_stop; rm -rf "$TUI_TMP"' EXIT
[ -x /usr/bin/python3.11 ] || { echo "skip: python3.11 is not installed"; exit 77; }
db="$TUI_TMP/p.db"
"$HPPROF" run -q -o "$db" -k julia-py -- --width 300 >/dev/null 2>"$TUI_TMP/err" ||
	{ cat "$TUI_TMP/err"; echo "FAIL: hpprof run -k julia-py"; exit 1; }
hot=calculate_z
line=$(sqlite3 -batch -noheader "$db" "SELECT line FROM line_profile WHERE function = '$hot'
	ORDER BY self_samples DESC LIMIT 1")
[ -n "$line" ] || { echo "FAIL: no line of $hot in line_profile"; exit 1; }
text=$(sed -n "${line}p" "$HP_BUILD/kernels/julia.py" | sed 's/^ *//' | cut -c1-20)

tui_start "$HPPROF" tui "$db"
tui_wait_for "Summary"
tui_keys 2
tui_wait_for "Self%"
tui_keys / ; tui_keys -l "$hot" ; tui_keys Enter
tui_keys Enter
# the source view's header (a status line naming kernel functions beneath the
# line may cover the view's "Source:" label, shortened to "Sour")
tui_wait_for "Line .*julia\.py"
tui_screen | grep -q "julia.py" || { echo "FAIL: the source view does not name julia.py"; tui_screen; exit 1; }
tui_screen | grep -E " $line > " | grep -qF -- "$text" ||
	{ echo "FAIL: julia.py line $line ('$text') not shown with '>'"; tui_screen; exit 1; }
echo "ok: julia.py line $line of $hot is shown and marked"
tui_keys q
status=$(tui_wait_exit)
[ "$status" = 0 ] || { echo "FAIL: exit status $status after q"; exit 1; }

db="$TUI_TMP/k.db"
"$HPPROF" run -q -o "$db" /usr/bin/python3.11 "$HP_SRC/tests/fixtures/python/kernel_lines.py" \
	--rounds 20 >/dev/null 2>"$TUI_TMP/err" || { cat "$TUI_TMP/err"; echo "FAIL: hpprof run kernel_lines.py"; exit 1; }
kline=$(grep -n "# KERNEL$" "$HP_SRC/tests/fixtures/python/kernel_lines.py" | cut -d: -f1)
tui_stop
tui_start "$HPPROF" tui "$db"
tui_wait_for "Summary"
tui_keys 2
tui_wait_for "Self%"
tui_keys / ; tui_keys -l in_kernel ; tui_keys Enter
tui_keys Enter
# the source view's header (its status line may cover the "Source:" label)
tui_wait_for "Line .*kernel_lines\.py"
# to the KERNEL line: the first line, then down (the view has a row per line)
tui_keys Home
tui_keys $(i=1; while [ $i -lt "$kline" ]; do printf 'Down '; i=$((i + 1)); done)
# (a long status line covers the view's "Source:" label: wait for the line)
tui_wait_for "line $kline/"
tui_screen | grep "line $kline/" | grep -qE "kernel [0-9.]+%: (iov_iter_zero|read_iter_zero)" ||
	{ echo "FAIL: the status line of kernel_lines.py:$kline names no kernel function"; tui_screen; exit 1; }
echo "ok: kernel_lines.py line $kline shows the kernel function beneath it"
tui_keys q
status=$(tui_wait_exit)
[ "$status" = 0 ] || { echo "FAIL: exit status $status after q"; exit 1; }
echo "PASS: tui_python"

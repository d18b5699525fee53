#!/bin/sh
# tui_source_why.sh - the TUI says why it shows machine code instead of
# source (issue 12), in tmux on a real ncurses screen, in the words of
# `hpprof annotate` (analyzer/annotate.c annotate_source_why). A program
# built here, prog: churn() in spin.c compiled with -g, nolines() in
# nolines.c compiled without it. Functions are found with '/', which finds
# the next row after the selection whose name, module or file has the text:
# names no other row has.
#   (c) source present: Enter on churn shows its source and no reason; 'd'
#       (machine code on purpose) shows none either, from the source view or
#       from the functions view;
#   (b) Enter on nolines: its machine code, and annotate's reason ("no line
#       information ..."), still on screen after End scrolled the code (its
#       first instruction off the screen); 'd' on nolines in the functions
#       view (machine code on purpose) shows the same reason, as long;
#   (a) the source tree moved away: Enter on churn shows its machine code and
#       annotate's reason, which names the recorded file and --source-map,
#       on screen after End; 'd' on churn shows the same; the source view
#       ('a' on the Lines view) says the same, and so does the code view
#       'd' opens from it.
# Every wait is for text on the screen (a hang detector, not a budget).
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_diagnose $?; tui_stop; rm -rf "$TUI_TMP"' EXIT
command -v gcc >/dev/null 2>&1 || { echo "skip: gcc is not installed"; exit 77; }
cd "$TUI_TMP"
mkdir -p build/src
cat >build/src/spin.c <<'SRC'
#include <stdio.h>
#include <stdlib.h>

unsigned long nolines(unsigned long n);

__attribute__((noinline)) static unsigned long churn(unsigned long n)
{
	volatile unsigned long a = 1;
	for (unsigned long i = 0; i < n; i++)
		a = a * 6364136223846793005ul + i;   /* HOT-LINE-MARKER */
	return a;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000000ul;
	printf("%lu %lu\n", churn(n), nolines(n));
	return 0;
}
SRC
cat >build/src/nolines.c <<'SRC'
__attribute__((noinline)) unsigned long nolines(unsigned long n)
{
	volatile unsigned long a = 3;
	for (unsigned long i = 0; i < n; i++)
		a = a * 2862933555777941757ul + i;
	return a;
}
SRC
(cd build/src && gcc -O1 -c nolines.c && gcc -O1 -g -o "$TUI_TMP/prog" spin.c nolines.o) ||
	{ echo "FAIL: gcc failed"; exit 1; }
"$HPPROF" run -q -o s.db -- ./prog 100000000 >/dev/null 2>err.txt ||
	{ cat err.txt; echo "FAIL: hpprof run failed"; exit 1; }
"$HPPROF" annotate --asm s.db nolines >asm.txt 2>&1 ||
	{ cat asm.txt; echo "skip: no machine code here (capstone?)"; exit 77; }

# annotate's reason: the line in parentheses under the listing's header
reason() { sed -n '2s/^(\(.*\))$/\1/p' "$1"; }

# addrs FUNCTION: the addresses of its first and last instructions, from
# annotate --asm (the Address column ends where its header does)
addrs() {
	"$HPPROF" annotate --asm s.db "$1" | awk '
		!end && (i = index($0, "Address")) { end = i + 6; next }
		end { a = substr($0, end - 9, 10); gsub(/ /, "", a)
		      if (a ~ /^[0-9a-f]+$/) { if (!f) f = a; l = a } }
		END { print f, l }'
}

# scrolled_to_end WHAT FIRST LAST: Home shows the first instruction, End
# selects the last (the status line names it) and the first is off the
# screen: the code scrolled
scrolled_to_end() {
	tui_keys Home
	tui_wait_for "^ .* $2  "
	tui_keys End
	tui_wait_for "0x$3  self"
	if tui_screen | grep -E "^ .* $2  " >/dev/null; then
		echo "FAIL: $1: the first instruction ($2) is still on the screen after End:"
		tui_screen; exit 1
	fi
}

# tui_find FUNCTION: a new TUI, 250 columns (a reason on one row), 14 rows
# (code longer than the page), FUNCTION selected in the functions view.
tui_find() {
	tui_stop
	tui_start "$HPPROF" tui s.db
	tui_wait_for "Summary"
	tmux_ resize-window -t t -x 250 -y 14
	tui_keys 2
	tui_wait_for "Self%"
	tui_keys / ; tui_keys -l "$1" ; tui_keys Enter
}

# tui_open FUNCTION: Enter on it (its source, else its machine code)
tui_open() { tui_find "$1"; tui_keys Enter; }

# tui_code FUNCTION: 'd' on it (its machine code, asked for)
tui_code() { tui_find "$1"; tui_keys d; }

# no_reason WHAT: no reason on the screen
no_reason() {
	if tui_screen | grep -E "no source|no line information" >/dev/null; then
		echo "FAIL: $1 says why there is no source:"; tui_screen; exit 1
	fi
}

# has_reason WHAT TEXT: TEXT is on the screen, whole, on the row under the header
has_reason() {
	tui_screen | sed -n 3p | grep -qF -- "$2" ||
		{ echo "FAIL: $1: the reason '$2' is not under the header:"; tui_screen; exit 1; }
}

# (c) the source is there: no reason, in the source view or the code view
tui_open churn
tui_wait_for "HOT-LINE-MARKER"
tui_wait_for "Source: spin.c"
no_reason "the source view of churn"
tui_keys d
tui_wait_for "Code: churn"
tui_wait_for "movabsq"
no_reason "the code view opened with d"
tui_code churn
tui_wait_for "Code: churn"
tui_wait_for "movabsq"
no_reason "the code view opened with d on the function"
echo "ok: with its source, no reason in the source and code views"

# (b) no line information
"$HPPROF" annotate s.db nolines >nl.txt 2>&1 || { cat nl.txt; echo "FAIL: annotate nolines"; exit 1; }
want=$(reason nl.txt)
case "$want" in "no line information (compiled without -g?)"*) ;;
*) cat nl.txt; echo "FAIL: annotate's reason for nolines: '$want'"; exit 1 ;; esac
set -- $(addrs nolines)
[ $# = 2 ] || { echo "FAIL: no instructions of nolines in annotate --asm"; exit 1; }
tui_open nolines
tui_wait_for "Code: nolines"
has_reason "nolines" "$want"
scrolled_to_end nolines "$1" "$2"
has_reason "nolines, scrolled to its end" "$want"
echo "ok: nolines: $want"
tui_code nolines
tui_wait_for "Code: nolines"
has_reason "d on nolines" "$want"
scrolled_to_end "d on nolines" "$1" "$2"
has_reason "d on nolines, scrolled to its end" "$want"
echo "ok: d on nolines: the same reason"

# (a) the source tree moved away
set -- $(addrs churn)
[ $# = 2 ] || { echo "FAIL: no instructions of churn in annotate --asm"; exit 1; }
mv build moved
"$HPPROF" annotate s.db churn >sp.txt 2>&1 || { cat sp.txt; echo "FAIL: annotate churn"; exit 1; }
want=$(reason sp.txt)
case "$want" in "no source: '$TUI_TMP/build/src/spin.c' is not on this machine; --source-map OLD=NEW"*) ;;
*) cat sp.txt; echo "FAIL: annotate's reason for churn: '$want'"; exit 1 ;; esac
tui_open churn
tui_wait_for "Code: churn"
has_reason "churn without its source" "$want"
tui_screen | grep -q "HOT-LINE-MARKER" && { echo "FAIL: the moved source was read"; exit 1; }
scrolled_to_end churn "$1" "$2"
has_reason "churn, scrolled to its end" "$want"
echo "ok: churn without its source: $want"
tui_code churn
tui_wait_for "Code: churn"
has_reason "d on churn without its source" "$want"
echo "ok: d on churn without its source: the same reason"
# the source view of a line of spin.c says the same
tui_keys 3
tui_wait_for "Location"
tui_keys / ; tui_keys -l "spin.c:" ; tui_keys Enter
tui_keys a
tui_wait_for "Source: spin.c"
has_reason "the source view of spin.c" "$want"
echo "ok: the source view says the same"
tui_keys d
tui_wait_for "Code: "
has_reason "d in the source view of spin.c" "$want"
echo "ok: so does the code view d opens from it"
tui_keys q
status=$(tui_wait_exit)
[ "$status" = 0 ] || { echo "FAIL: exit status $status after q"; exit 1; }
echo "PASS"

#!/bin/sh
# stacks_census.sh - one complete-stacks figure (issue 12): the same run of
# xz (a stripped program whose _start has no symbol) gives the same
# description in `run`'s summary, in `report`'s header and in the TUI's
# summary view, and it is the figure run_info holds (complete_stacks /
# samples). The truth that stacks are complete: every stack of a
# single-threaded xz goes through __libc_start_main, so the share of
# samples whose stack contains it (counted here in SQL, independently of
# hpprof's census) is a lower bound of the complete share.
. "$HP_SRC/tests/e2e/lib.sh"
command -v xz >/dev/null 2>&1 || skip "xz is not installed (scripts/install-deps.sh)"
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

# ~1 s of compression work: data that does not compress to nothing.
awk 'BEGIN { srand(12); for (i = 0; i < 120000; i++) printf "%d %x %s\n", i, rand() * 2^31, (rand() < 0.5 ? "alpha" : "omega") }' >data.txt
"$HPPROF" run -o x.db xz -k -6 -T1 -f data.txt >run.out 2>run.err ||
	{ cat run.err; fail "run failed"; }
from_run=$(sed -n "s/^hpprof: wrote 'x.db': [0-9]* samples in [0-9.]* s, \(.*\), [0-9]* lost.*/\1/p" run.err)
[ -n "$from_run" ] || { cat run.err; fail "no complete-stacks figure in run's summary"; }
note "run: $from_run"

"$HPPROF" report x.db >report.txt || fail "report failed"
# the definition follows the complete figure, before any other
from_report=$(sed -n 's/^  stacks:    \(.*\)$/\1/p' report.txt |
	sed 's/ (reaching the program entry or a thread start)//')
assert_eq "report's figure = run's" "$from_report" "$from_run"

TUI_TMP=$T/tui
mkdir -p "$TUI_TMP"
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_stop; rm -rf "$T"' EXIT
tui_start "$HPPROF" tui "$T/x.db"
tui_wait_for "call graph"
from_tui=$(tui_screen | sed -n 's/^ *call graph *dwarf, \(.*[^ ]\) *$/\1/p')
tui_keys q
assert_eq "tui's figure = run's" "$from_tui" "$from_run"

# The stored figure, and the independent lower bound.
n=$(q x.db "SELECT value FROM run_info WHERE key = 'samples'")
c=$(q x.db "SELECT value FROM run_info WHERE key = 'complete_stacks'")
pct=$(awk -v c="$c" -v n="$n" 'BEGIN { printf "%.1f", 100 * c / n }')
case "$from_run" in
"$pct% complete stacks"*|"99.9% complete stacks"*) ;;
*) fail "run_info says $c of $n ($pct%), the summary '$from_run'" ;;
esac
libc_start=$(q x.db "SELECT total_samples FROM function_profile WHERE function = '__libc_start_main'")
assert_ge "samples with __libc_start_main" "${libc_start:-0}" 1
assert_ge "complete stacks" "$c" "$libc_start"
# xz is single-threaded here: nearly every stack goes through
# __libc_start_main (ld.so's start-up before it takes a few samples).
assert_ge "complete stacks %" "$pct" 99

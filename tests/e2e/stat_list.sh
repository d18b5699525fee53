#!/bin/sh
# hpprof list: groups, software events available, hardware events marked
# with a reason note when they cannot open; --all lists more.
# env: HPPROF
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$HPPROF" list >"$tmp/out" || fail "hpprof list exited $?"
cat "$tmp/out"
for h in 'Hardware events' 'Hardware cache events' 'Software events:' 'PMU-specific events'; do
	grep -q "^$h" "$tmp/out" || fail "no '$h' group"
done
grep -Eq '^  page-faults OR faults +available$' "$tmp/out" || fail "page-faults not available"
grep -Eq '^  context-switches OR cs +available$' "$tmp/out" || fail "cs not available"
grep -Eq '^  LLC-load-misses +(available|n/a \[[0-9]+\])$' "$tmp/out" || fail "LLC-load-misses row"
if grep -Eq '^  cycles OR cpu-cycles +n/a \[1\]$' "$tmp/out"; then
	grep -Eq '^  \[1\] not (supported|permitted)' "$tmp/out" || fail "note [1] has no reason"
fi
"$HPPROF" list --all >"$tmp/all" || fail "hpprof list --all exited $?"
[ "$(wc -l <"$tmp/all")" -gt "$(wc -l <"$tmp/out")" ] || fail "--all lists no more than the default"
"$HPPROF" list extra >/dev/null 2>&1
[ $? = 2 ] || fail "a stray argument should exit 2"
exit 0

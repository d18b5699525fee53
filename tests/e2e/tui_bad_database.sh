#!/bin/sh
# tui_bad_database.sh - a file that is not an hpprof database, a damaged
# one and a missing one: `hpprof tui` says why on stderr and exits 1
# before touching the terminal (nothing at all on stdout).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {
	what=$1
	shift
	rc=0
	"$HPPROF" tui "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null || rc=$?
	[ "$rc" = 1 ] || { echo "FAIL: $what: exit status $rc (want 1)"; cat "$tmp/err"; exit 1; }
	[ ! -s "$tmp/out" ] || { echo "FAIL: $what: wrote to the terminal:"; cat -v "$tmp/out"; exit 1; }
	grep -q "cannot open database\|cannot read profile" "$tmp/err" ||
		{ echo "FAIL: $what: unclear message:"; cat "$tmp/err"; exit 1; }
	echo "ok: $what: $(cat "$tmp/err")"
}

head -c 4096 /dev/urandom > "$tmp/garbage.db"
check "garbage" "$tmp/garbage.db"
check "missing" "$tmp/nothere.db"
if command -v sqlite3 >/dev/null 2>&1; then
	sh "$HP_SRC/tests/golden/fixture.sh" load tui "$tmp/f.db"
	size=$(wc -c < "$tmp/f.db")
	head -c $((size / 2)) "$tmp/f.db" > "$tmp/half.db"
	check "truncated" "$tmp/half.db"
fi

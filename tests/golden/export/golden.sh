#!/bin/sh
# Golden outputs of `hpprof export` (every format) and `hpprof diff` on the
# fixture database tests/golden/fixtures/export.sql, compared byte for byte
# with tests/golden/export/*.expected (the hpprof version is masked).
# HP_REGEN=1 rewrites the expectations instead.
# usage: golden.sh     env: HPPROF, HP_SRC
set -u
command -v sqlite3 >/dev/null 2>&1 ||
	{ echo "SKIP: the sqlite3 shell is not installed (apt-get install sqlite3)"; exit 77; }
exp=$HP_SRC/tests/golden/export
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

sh "$HP_SRC/tests/golden/fixture.sh" load export "$tmp/f.db" ||
	{ echo "FAIL: cannot build the fixture database"; exit 1; }
# The "after" side of the diffs: the fixture with half the worker's samples
# dropped and the inlined function's lines moved down by two (an edit above
# the loop), which diff --by line must pair back.
cp "$tmp/f.db" "$tmp/g.db"
sqlite3 "$tmp/g.db" "DELETE FROM samples WHERE tid = 1001 AND rowid % 2 = 0;
	UPDATE location_frames SET line = line + 2
	WHERE function_id IN (SELECT id FROM functions WHERE name = 'steps');" ||
	{ echo "FAIL: cannot build the diff fixture"; exit 1; }

# check NAME COMMAND...: run COMMAND, compare its stdout with NAME.expected
check() {
	name=$1
	shift
	if ! "$@" >"$tmp/$name.raw" 2>"$tmp/$name.err"; then
		echo "FAIL: $name: '$*' failed"
		cat "$tmp/$name.err"
		fail=1
		return
	fi
	sed 's/hpprof [0-9][0-9.]*[0-9]/hpprof VERSION/g' "$tmp/$name.raw" >"$tmp/$name"
	if [ "${HP_REGEN:-0}" = 1 ]; then
		cp "$tmp/$name" "$exp/$name.expected"
	elif ! cmp -s "$tmp/$name" "$exp/$name.expected"; then
		echo "FAIL: $name differs from $name.expected:"
		diff -u "$exp/$name.expected" "$tmp/$name" | head -40
		fail=1
	fi
}

# the diffs name their inputs: run them where the names are short
in_tmp() {
	(cd "$tmp" && "$@")
}

pprof_hex() {
	"$HPPROF" export -f pprof -o "$tmp/p.pb.gz" "$1" && gzip -dc "$tmp/p.pb.gz" | od -An -tx1 -v
}

db=$tmp/f.db
check folded            "$HPPROF" export -f folded "$db"
check folded-faults     "$HPPROF" export -f folded -w page-faults "$db"
check callgrind         "$HPPROF" export -f callgrind "$db"
check pprof.hex         pprof_hex "$db"
check speedscope.json   "$HPPROF" export -f speedscope "$db"
check chrome.json       "$HPPROF" export -f chrome "$db"
check flame.svg         "$HPPROF" export -f svg "$db"
check flame-diff.svg    in_tmp "$HPPROF" export -f svg --diff f.db g.db
check functions.csv     "$HPPROF" export -f csv "$db"
check lines.csv         "$HPPROF" export -f csv --view line_profile "$db"
check views.json        "$HPPROF" export -f json "$db"
check diff.txt          in_tmp "$HPPROF" diff f.db g.db
check diff-lines.txt    in_tmp "$HPPROF" diff --by line -n 0 f.db g.db
check diff.json         in_tmp "$HPPROF" diff -f json f.db g.db
check diff.csv          in_tmp "$HPPROF" diff -f csv --by line f.db g.db

# --counters naming no counter of the profiles is an error listing the
# per-row ones (it printed the diff without the column, exit 0)
if in_tmp "$HPPROF" diff --counters no-such-counter f.db g.db >"$tmp/c.out" 2>"$tmp/c.err"; then
	echo "FAIL: diff --counters no-such-counter exited 0"; fail=1
elif ! grep -q "invalid --counters 'no-such-counter': neither profile has a counter" "$tmp/c.err"; then
	echo "FAIL: diff --counters no-such-counter said:"; cat "$tmp/c.err"; fail=1
fi

[ "${HP_REGEN:-0}" = 1 ] && echo "regenerated the expectations in $exp"
exit $fail

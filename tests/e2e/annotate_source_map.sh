#!/bin/sh
# annotate_source_map.sh - source files read through a substitution
# (analyzer/srcpath.c, docs/symbols.md "Source files"): a program built
# with -g in one directory, profiled, then its source tree moved, as when
# a program was built on another machine or in a build tree since removed.
#   - without a map, annotate has no source text (machine code instead);
#   - with --source-map OLD=NEW, and with HPPROF_SOURCE_MAP, annotate reads
#     NEW's file, says so in its header, and the hot line's text is the
#     file's (the marker comment on the loop body);
#   - tui --dump source with --source-map shows the same text;
#   - a malformed map is a usage error (status 2).
. "$HP_SRC/tests/e2e/lib.sh"
command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
mkdir -p build/src
cat >build/src/spin.c <<'SRC'
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned long spin(unsigned long n)
{
	volatile unsigned long a = 1;
	for (unsigned long i = 0; i < n; i++)
		a = a * 6364136223846793005ul + i;   /* HOT-LINE-MARKER */
	return a;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000000ul;
	printf("%lu\n", spin(n));
	return 0;
}
SRC
(cd build/src && gcc -O1 -g -o "$T/spin" spin.c) || fail "gcc failed"
"$HPPROF" run -q -o s.db -- "$T/spin" 150000000 >/dev/null 2>err.txt || { cat err.txt; fail "run failed"; }
mv build moved
file=$(q s.db "SELECT file FROM line_profile WHERE function = 'spin' ORDER BY self_samples DESC LIMIT 1")
assert_eq "the recorded source" "$file" "$T/build/src/spin.c"

"$HPPROF" annotate s.db spin >none.txt 2>&1 || fail "annotate without a map failed"
grep -q "HOT-LINE-MARKER" none.txt && fail "source text read without a map (the tree was moved)"
assert_contains "no source without a map" none.txt "no source: '$T/build/src/spin.c' is not on this machine; --source-map OLD=NEW"

check_listing() {  # check_listing NAME FILE: header names the new file, hot line's text
	assert_contains "$1: header" "$2" "(${T}/build/src/spin.c, read from ${T}/moved/src/spin.c)"
	hot=$(awk '$1 ~ /^[0-9]+\.[0-9]+$/ { if ($1 + 0 > best) { best = $1 + 0; l = $0 } } END { print l }' "$2")
	note "$1: hottest line: $hot"
	case "$hot" in *HOT-LINE-MARKER*) ;; *) fail "$1: the hottest line is not the marked loop body" ;; esac
}
"$HPPROF" annotate --source-map "$T/build=$T/moved" s.db spin >map.txt 2>&1 || fail "annotate --source-map failed"
check_listing "--source-map" map.txt
HPPROF_SOURCE_MAP="/nowhere=/x:$T/build/=$T/moved" "$HPPROF" annotate s.db spin >env.txt 2>&1 ||
	fail "annotate with HPPROF_SOURCE_MAP failed"
check_listing "HPPROF_SOURCE_MAP" env.txt
# a prefix that is not a whole component does not match
"$HPPROF" annotate --source-map "$T/bui=$T/moved" s.db spin >part.txt 2>&1 || fail "annotate failed"
grep -q "HOT-LINE-MARKER" part.txt && fail "a partial component matched"

"$HPPROF" tui --dump source --width 140 --source-map "$T/build=$T/moved" s.db >tui.txt 2>&1 ||
	{ cat tui.txt; fail "tui --dump source failed"; }
assert_contains "tui source view reads the moved file" tui.txt "HOT-LINE-MARKER"
"$HPPROF" tui --dump source --width 140 s.db >tui_none.txt 2>&1
grep -q "HOT-LINE-MARKER" tui_none.txt && fail "tui read the source without a map"

"$HPPROF" annotate --source-map nothing s.db spin >/dev/null 2>bad.txt
assert_eq "status of a malformed map" "$?" 2
assert_contains "malformed map said" bad.txt "wants FROM=TO"
echo "PASS"

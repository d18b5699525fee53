#!/bin/sh
# The tutorial's commands run as written (docs/tutorial.md): every
# "$ hpprof ..." line is executed in order; sqlite3 lines too.
. "$HP_SRC/tests/e2e/lib.sh"
PATH="$(dirname "$HPPROF"):$PATH"
export PATH
sed -n 's/^\$ //p' "$HP_SRC/docs/tutorial.md" | sed 's/ *#.*$//' >cmds.txt
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	note "$cmd"
	sh -c "$cmd" >out.txt 2>err.txt || { cat err.txt; fail "tutorial command failed: $cmd"; }
done <cmds.txt
assert_ge "tutorial commands run" "$n" 10
echo "PASS"

#!/bin/sh
# The command lines of hpprof diff, export and merge: usage errors exit 2,
# failures exit 1 with a message naming the object and the cause, help
# exits 0 and lists every option.
# usage: diff_cli.sh     env: HPPROF, HP_SRC
set -u
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: the sqlite3 shell is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
sh "$HP_SRC/tests/golden/fixture.sh" load export "$tmp/a.db" || exit 1

# expect STATUS PATTERN COMMAND...: exit status and a line of stderr
expect() {
	want=$1 pattern=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc != "$want" ]; then
		echo "FAIL: '$*' exited $rc, not $want"
		cat "$tmp/err"
		fail=1
	elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$tmp/err"; then
		echo "FAIL: '$*': no '$pattern' in:"
		cat "$tmp/err"
		fail=1
	fi
}

a=$tmp/a.db
expect 2 "needs a before and an after" "$HPPROF" diff "$a"
expect 2 "needs a before and an after" "$HPPROF" diff "$a" --
expect 2 "invalid --by 'file'" "$HPPROF" diff --by file "$a" "$a"
expect 2 "invalid --norm" "$HPPROF" diff --norm hour "$a" "$a"
expect 2 "invalid value '2' for --alpha" "$HPPROF" diff --alpha 2 "$a" "$a"
expect 1 "cannot open database '$tmp/none.db'" "$HPPROF" diff "$a" "$tmp/none.db"
expect 2 "invalid value '-1' for --run-noise" "$HPPROF" diff --run-noise -1 "$a" "$a"
expect 0 "" "$HPPROF" diff "$a" "$a"
# one run per side: a run-to-run spread is assumed (10%, --run-noise) and said
grep -q "ASSUMED run-to-run spread of 10%" "$tmp/out" ||
	{ echo "FAIL: one run per side does not say which run-to-run spread it assumed"; fail=1; }
expect 0 "" "$HPPROF" diff -f json "$a" "$a"
grep -q '"run_noise_pct":10,' "$tmp/out" ||
	{ echo "FAIL: JSON of one run per side has no run_noise_pct 10"; fail=1; }
expect 0 "" "$HPPROF" diff -f json --run-noise 0 "$a" "$a"
grep -q '"noise":"sampling error","run_noise_pct":0,' "$tmp/out" ||
	{ echo "FAIL: --run-noise 0 is not the sampling error alone"; fail=1; }
expect 0 "" "$HPPROF" diff -f json "$a" "$a" -- "$a" "$a"
grep -q '"noise":"welch","run_noise_pct":0,' "$tmp/out" ||
	{ echo "FAIL: repeated runs assume a run-to-run spread (Welch measures it)"; fail=1; }
expect 0 "" "$HPPROF" diff "$a" "$a" -- "$a" "$a"
grep -q "same" "$tmp/out" || { echo "FAIL: a profile against itself is not the same"; fail=1; }
expect 2 "export needs --format" "$HPPROF" export "$a"
expect 2 "invalid --format 'png'" "$HPPROF" export -f png "$a"
expect 1 "invalid --weight 'cycles'" "$HPPROF" export -f folded -w cycles "$a"
expect 1 "invalid --view 'samples'" "$HPPROF" export -f csv --view samples "$a"
expect 1 "cannot write '$tmp/no/such/dir'" "$HPPROF" export -f folded -o "$tmp/no/such/dir" "$a"
expect 0 "" "$HPPROF" export -f folded -w page-faults -o "$tmp/x" "$a"
expect 2 "merge needs -o" "$HPPROF" merge "$a"
expect 2 "into itself" "$HPPROF" merge -o "$a" "$a"
expect 1 "cannot open database" "$HPPROF" merge -o "$tmp/m.db" "$a" "$tmp/none.db"
[ -e "$tmp/m.db" ] && { echo "FAIL: a failed merge left its output"; fail=1; }
expect 0 "" "$HPPROF" merge -o "$tmp/m.db" "$a"
expect 1 "use --force" "$HPPROF" merge -o "$tmp/m.db" "$a"
expect 0 "" "$HPPROF" merge --force -o "$tmp/m.db" "$a"

# every option of -h is in the man page
for cmd in diff export merge; do
	"$HPPROF" $cmd -h >"$tmp/help" || { echo "FAIL: $cmd -h"; fail=1; }
	for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
		grep -q -- "$opt" "$HP_SRC/docs/man/hpprof-$cmd.md" ||
			{ echo "FAIL: hpprof $cmd $opt is not in docs/man/hpprof-$cmd.md"; fail=1; }
	done
done
exit $fail

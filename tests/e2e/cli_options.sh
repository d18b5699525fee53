#!/bin/sh
# A wrong option prints ONE line on stderr that names the option and points at
# the command's help, nothing on stdout, and exits 2 (not the whole help).
# Every command, plus the global options and an unknown command.
. "$HP_SRC/tests/e2e/lib.sh"

# expect_one_line NAME "TEXT" CMD...: exit 2, empty stdout, one stderr line with TEXT.
expect_one_line() {
	name=$1 text=$2
	shift 2
	"$@" >out.txt 2>err.txt
	rc=$?
	[ $rc -eq 2 ] || { cat err.txt; fail "$name: exit status $rc, expected 2"; }
	[ -s out.txt ] && { cat out.txt; fail "$name: printed on stdout"; }
	[ "$(wc -l <err.txt)" -eq 1 ] || { cat err.txt; fail "$name: $(wc -l <err.txt) lines on stderr"; }
	grep -qF -- "$text" err.txt || { cat err.txt; fail "$name: '$text' not in the message"; }
	note "$name: $(cat err.txt)"
}

for c in run report tui annotate stat diff export merge list kernels; do
	see="see 'hpprof $c --help'"
	expect_one_line "$c --no-such-option" "unknown option '--no-such-option'; $see" \
		"$HPPROF" "$c" --no-such-option
	expect_one_line "$c -Z" "unknown option '-Z'; $see" "$HPPROF" "$c" -Z
done

# An option that lacks its value, one that takes none, an ambiguous abbreviation.
see="see 'hpprof report --help'"
expect_one_line "report --limit" "option '--limit' needs a value; $see" "$HPPROF" report --limit
expect_one_line "report -n" "option '-n' needs a value; $see" "$HPPROF" report -n
expect_one_line "report --memory=1" "option '--memory' takes no value; $see" \
	"$HPPROF" report --memory=1
expect_one_line "report --f" "option '--f' is ambiguous (--format, --from); $see" \
	"$HPPROF" report --f x
expect_one_line "report -mZ" "unknown option '-Z'; $see" "$HPPROF" report -mZ
expect_one_line "report --columns" "option '--columns' needs a value; $see" "$HPPROF" report --columns
# a selection's value that is no number, or an empty window, is a usage
# error (it used to be read as 0: the whole run, or 18446744070 s for -3)
expect_one_line "report --tid abc" "invalid value 'abc' for --tid" "$HPPROF" report --tid abc x.db
expect_one_line "report --pid 1.5" "invalid value '1.5' for --pid" "$HPPROF" report --pid 1.5 x.db
expect_one_line "report --from x" "invalid value 'x' for --from" "$HPPROF" report --from x x.db
expect_one_line "report --from -3" "invalid value '-3' for --from" "$HPPROF" report --from -3 x.db
expect_one_line "report --from 5 --to 1" "--to must be after --from (5.000 s)" \
	"$HPPROF" report --from 5 --to 1 x.db
expect_one_line "report --to 0" "--to must be after --from (0.000 s)" "$HPPROF" report --to 0 x.db
# --memory prints text: -f json used to print the text report anyway
expect_one_line "report --memory -f json" "--memory prints text, without --ranks" \
	"$HPPROF" report --memory -f json x.db
# an export option its format does not use was ignored (callgrind -w allocs
# wrote samples)
expect_one_line "export -f callgrind -w allocs" "--weight is for folded, svg, pprof and speedscope, not callgrind" \
	"$HPPROF" export -f callgrind -w allocs x.db
expect_one_line "export -f folded --view" "--view is for csv and json, not folded" \
	"$HPPROF" export -f folded --view alloc_sites x.db
expect_one_line "export -f pprof --title" "--title is for svg and memory-svg, not pprof" \
	"$HPPROF" export -f pprof --title T x.db
expect_one_line "diff --fail-if" "option '--fail-if' needs a value; see 'hpprof diff --help'" \
	"$HPPROF" diff --fail-if
expect_one_line "diff --fail-if 'total>>3'" "invalid --fail-if 'total>>3'" \
	"$HPPROF" diff --fail-if 'total>>3' a.db b.db
expect_one_line "diff --work 0" "invalid --work '0'" "$HPPROF" diff --work 0 a.db b.db
expect_one_line "diff --norm work" "--norm work needs --work" "$HPPROF" diff --norm work a.db b.db
expect_one_line "stat -r" "option '-r' needs a value; see 'hpprof stat --help'" "$HPPROF" stat -r
expect_one_line "run --freq" "option '--freq' needs a value; see 'hpprof run --help'" \
	"$HPPROF" run --freq
# run stops at its program: an option after it belongs to the program.
"$HPPROF" run -q -o t.db -- /bin/true --no-such-option >out.txt 2>err.txt ||
	{ cat err.txt; fail "run: an option after the program was taken as hpprof's"; }

# Before the command: the global options and the command name.
expect_one_line "hpprof --no-such-option" "unknown option '--no-such-option'; see 'hpprof --help'" \
	"$HPPROF" --no-such-option
expect_one_line "hpprof nosuch" "unknown command 'nosuch'; see 'hpprof --help'" "$HPPROF" nosuch

# -q/--quiet, as for run: merge, diff and export say nothing on stderr
# (merge rejected -q before w8-fixes); without it merge and diff do.
sh "$HP_SRC/tests/golden/fixture.sh" load tui f.db
"$HPPROF" merge -o m.db f.db 2>err.txt || { cat err.txt; fail "merge failed"; }
assert_contains "merge without -q" err.txt "merged 1 run"
for q in -q --quiet; do
	"$HPPROF" merge $q --force -o m.db f.db >out.txt 2>err.txt || { cat err.txt; fail "merge $q failed"; }
	[ -s err.txt ] && { cat err.txt; fail "merge $q wrote on stderr"; }
	"$HPPROF" diff $q --fail-if 'total>+50%' f.db m.db >out.txt 2>err.txt ||
		{ cat err.txt; fail "diff $q failed"; }
	[ -s err.txt ] && { cat err.txt; fail "diff $q wrote on stderr"; }
	assert_contains "diff $q" out.txt "hpprof diff"
	"$HPPROF" export $q --format folded -o f.folded f.db 2>err.txt || { cat err.txt; fail "export $q failed"; }
	[ -s err.txt ] && { cat err.txt; fail "export $q wrote on stderr"; }
done
"$HPPROF" diff --fail-if 'total>+50%' f.db m.db >out.txt 2>err.txt
assert_contains "diff without -q" err.txt "one run per side"

# --help itself still prints the whole help, on stdout, exit 0.
"$HPPROF" report --help >out.txt 2>err.txt || fail "report --help exited $?"
assert_contains "report --help" out.txt "--limit"
[ -s err.txt ] && fail "report --help wrote on stderr"
echo "PASS"

#!/bin/sh
# Man pages that man finds: `cmake --install` puts hpprof(1) and hpprof-CMD(1)
# under PREFIX/share/man; `man` shows them with MANPATH; every option that
# `hpprof CMD --help` prints is on the installed page; `hpprof help CMD`
# shows the page (through man, or the Markdown text without man), `hpprof
# help` lists the commands, and --version prints the project's version.
. "$HP_SRC/tests/e2e/lib.sh"
command -v man >/dev/null || skip "man is not installed (scripts/install-deps.sh installs man-db)"
CMDS="run report top tui annotate stat diff export merge list kernels"

cmake --install "$HP_BUILD" --prefix "$T/inst" >install.log 2>&1 || { cat install.log; fail "cmake --install"; }
M="$T/inst/share/man/man1"
for page in hpprof $(for c in $CMDS; do echo "hpprof-$c"; done); do
	[ -s "$M/$page.1" ] || fail "$page.1 is not installed in $M"
done
note "installed: $(ls "$M" | wc -l) pages in share/man/man1"

# man finds them by name; LC_ALL=C keeps hyphens ASCII, MANWIDTH a fixed layout.
export LC_ALL=C MANWIDTH=80
MANPATH="$T/inst/share/man" man -P cat hpprof-run >run.txt 2>man.err || { cat man.err; fail "man hpprof-run"; }
assert_contains "man hpprof-run: title" run.txt "HPPROF-RUN(1)"
assert_contains "man hpprof-run: OPTIONS section" run.txt "^OPTIONS"
assert_contains "man hpprof-run: --freq" run.txt "--freq"
[ -s man.err ] && { cat man.err; fail "man printed warnings"; }

# Every option of every command's --help, long and short, on its rendered page.
missing=0
for c in $CMDS; do
	MANPATH="$T/inst/share/man" man -P cat "hpprof-$c" >page.txt 2>/dev/null || fail "man hpprof-$c"
	"$HPPROF" "$c" --help >help.txt 2>&1
	for opt in $(grep -oE -- '(^|[ ,[])--?[a-zA-Z][a-zA-Z0-9-]*' help.txt | tr -d ' ,[' | sort -u); do
		grep -qE -- "(^|[^a-zA-Z0-9-])$opt([^a-zA-Z0-9-]|\$)" page.txt ||
			{ echo "hpprof $c: $opt is not in the installed man page"; missing=1; }
	done
done
[ $missing -eq 0 ] || fail "options missing from the man pages"
note "every --help option of $CMDS is on its installed page"

# The main page's command table survived tbl (go-md2man splits wrapped cells).
MANPATH="$T/inst/share/man" man -P cat hpprof >main.txt 2>/dev/null || fail "man hpprof"
for c in $CMDS; do
	grep -qE "^ *[|│] *$c +[|│].*hpprof-$c\(1\)" main.txt ||
		{ cat main.txt; fail "hpprof(1): the row of '$c' does not name hpprof-$c(1)"; }
done

# hpprof help CMD: the installed hpprof shows its installed page through man.
"$T/inst/bin/hpprof" help run >help_run.txt 2>help.err || { cat help.err; fail "hpprof help run"; }
assert_contains "help run (man)" help_run.txt "HPPROF-RUN(1)"
assert_contains "help run (man): an option" help_run.txt "--mem-interval"
# Without man on PATH: the Markdown text compiled into hpprof.
PATH=/nonexistent "$T/inst/bin/hpprof" help report >help_md.txt 2>help.err ||
	{ cat help.err; fail "hpprof help report without man"; }
assert_eq "help report without man: first line" "$(head -1 help_md.txt)" \
	"$(head -1 "$HP_SRC/docs/man/hpprof-report.md")"
cmp -s help_md.txt "$HP_SRC/docs/man/hpprof-report.md" || fail "help report: not the Markdown page"
# The build tree's hpprof finds the pages the build rendered.
"$HPPROF" help diff >help_diff.txt 2>/dev/null || fail "hpprof help diff (build tree)"
assert_contains "help diff (build tree)" help_diff.txt "HPPROF-DIFF(1)"

# hpprof help: the command list; an unknown command: one line, exit 2.
"$HPPROF" help >list.txt 2>&1 || fail "hpprof help exited $?"
for c in $CMDS; do
	grep -qE "^  $c " list.txt || { cat list.txt; fail "hpprof help does not list '$c'"; }
done
"$HPPROF" help nosuch >out.txt 2>err.txt
assert_eq "help nosuch: exit status" "$?" 2
assert_eq "help nosuch: stderr lines" "$(wc -l <err.txt)" 1
assert_contains "help nosuch" err.txt "unknown command 'nosuch'"

# --version: the version CMake's project() declares.
want=$(sed -n 's/^project(hpprof VERSION \([0-9.]*\).*/\1/p' "$HP_SRC/CMakeLists.txt")
assert_eq "hpprof --version" "$("$HPPROF" --version)" "hpprof $want"
echo "PASS"

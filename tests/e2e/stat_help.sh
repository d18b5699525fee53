#!/bin/sh
# Every option `hpprof stat -h` and `hpprof list -h` print is documented in
# their man pages (as **-x** or **--xx**), and every option a man page
# defines (a line starting with **-) is in -h.
# env: HPPROF, HP_SRC
set -u
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
for cmd in stat list; do
	md="$HP_SRC/docs/man/hpprof-$cmd.md"
	help=$("$HPPROF" $cmd -h) || { echo "FAIL: hpprof $cmd -h exited $?"; exit 1; }
	[ -f "$md" ] || { echo "FAIL: $md missing"; exit 1; }
	for opt in $(printf '%s\n' "$help" | grep -oE '(^|[ ,[])--?[a-zA-Z][a-zA-Z0-9-]*' |
		     tr -d ' ,[' | sort -u); do
		grep -qF -- "**$opt**" "$md" || fail "$cmd: '$opt' is not documented in $md"
	done
	for opt in $(grep -E '^\*\*-' "$md" | grep -oE '\*\*--?[a-zA-Z][a-zA-Z0-9-]*\*\*' |
		     tr -d '*' | sort -u); do
		printf '%s\n' "$help" | grep -qE -- "(^|[ ,[])$opt([ ,=]|]|\$)" ||
			fail "$cmd: '$opt' is documented but not in -h"
	done
done
exit $((failures > 0))

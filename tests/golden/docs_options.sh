#!/bin/sh
# Every long option that `hpprof CMD --help` prints is documented in
# docs/man/hpprof-CMD.md.
. "$HP_SRC/tests/e2e/lib.sh"
status=0
for cmd in run report tui annotate stat diff export merge list kernels; do
	man="$HP_SRC/docs/man/hpprof-$cmd.md"
	[ -f "$man" ] || { echo "missing man page: $man"; status=1; continue; }
	"$HPPROF" "$cmd" --help >help.txt 2>&1 || true
	for opt in $(grep -oE -- '--[a-z][a-zA-Z0-9-]+' help.txt | sort -u); do
		grep -q -- "$opt" "$man" || { echo "hpprof $cmd: $opt is not in $man"; status=1; }
	done
done
[ $status -eq 0 ] || fail "undocumented options"
echo "PASS"

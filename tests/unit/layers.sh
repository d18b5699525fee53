#!/bin/sh
# The layers hold: no library includes a header of a layer above it or
# beside it. common < collector, common < analyzer < tui; cmd/ and
# hpprof.c may include every layer (they are the command layer). An include
# is a line `#include "DIR/..."` in a .c or .h file under common/,
# collector/ (preload/ included), analyzer/ or tui/.
# The checker is checked too: on a scratch tree with an upward include it
# must fail.
# usage: layers.sh     env: HP_SRC
set -u

# allowed DIR: the layers a file in DIR may include
allowed() {
	case $1 in
	common)    echo "common" ;;
	collector) echo "common collector" ;;
	analyzer)  echo "common analyzer" ;;
	tui)       echo "common analyzer tui" ;;
	esac
}

# check ROOT: print every upward include; exit status 1 when there is one
check() {
	root=$1 bad=0
	for layer in common collector analyzer tui; do
		[ -d "$root/$layer" ] || continue
		ok=$(allowed $layer)
		for f in $(find "$root/$layer" -name '*.[ch]' | sort); do
			for dir in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([A-Za-z0-9_]*\)\/.*/\1/p' "$f"); do
				case " $ok " in
				*" $dir "*) ;;
				*) echo "upward include: ${f#$root/} includes $dir/ (a $layer file may include: $ok)"
				   bad=1 ;;
				esac
			done
		done
	done
	return $bad
}

check "$HP_SRC" || { echo "FAIL: includes cross the layers (see docs/architecture.md)"; exit 1; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/common" "$tmp/analyzer" "$tmp/collector/preload"
printf '#include "common/log.h"\n' >"$tmp/analyzer/ok.c"
printf '#include "common/log.h"\n#include "collector/session.h"\n' >"$tmp/collector/preload/ok.c"
check "$tmp" >/dev/null || { echo "FAIL: the checker flags allowed includes"; exit 1; }
printf '  #  include "analyzer/profile.h"\n' >"$tmp/common/bad.h"
check "$tmp" >/dev/null && { echo "FAIL: the checker misses common/ including analyzer/"; exit 1; }
rm "$tmp/common/bad.h"
printf '#include "tui/app.h"\n' >"$tmp/analyzer/bad.c"
check "$tmp" >/dev/null && { echo "FAIL: the checker misses analyzer/ including tui/"; exit 1; }
rm "$tmp/analyzer/bad.c"
printf '#include "analyzer/symbolize.h"\n' >"$tmp/collector/preload/bad.c"
check "$tmp" >/dev/null && { echo "FAIL: the checker misses collector/ including analyzer/"; exit 1; }
echo "PASS: no upward includes"
exit 0

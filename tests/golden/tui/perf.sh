#!/bin/sh
# perf.sh GEN - time `hpprof tui` on a synthetic database of a million
# samples (GEN is tui_gen_big): opening (load + first screen) must stay
# well under a second and navigation keys under 100 ms. Filter changes
# re-read the samples and are reported, not checked.
set -eu
gen=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" "$tmp/big.db" 1000000 4
now() { date +%s%N; }
t0=$(now)
"$HPPROF" tui --dump functions "$tmp/big.db" > /dev/null
t1=$(now)
open_ms=$(( (t1 - t0) / 1000000 ))
echo "open + first screen (1,000,000 samples): ${open_ms} ms"
"$HPPROF" --debug=tui tui --dump functions \
	--keys 'jjjjs<pgdn><end><home>/func_01<enter><enter><bs>n345<down><enter><left>-i5<down><enter><bs>67<right>t' \
	"$tmp/big.db" 2> "$tmp/keys.log" > /dev/null
sed 's/^/  /' "$tmp/keys.log"
# every key but the last (t: a thread filter, which re-reads the samples)
slow=$(sed '$d' "$tmp/keys.log" | awk '{ if ($(NF-1) + 0 > 100) n++ } END { print n + 0 }')
[ "$open_ms" -lt 1500 ] || { echo "FAIL: opening took ${open_ms} ms"; exit 1; }
[ "$slow" -eq 0 ] || { echo "FAIL: $slow keys took more than 100 ms"; exit 1; }

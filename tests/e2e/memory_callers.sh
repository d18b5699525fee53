#!/bin/sh
# Allocations with their whole stacks (issue 13): an allocator wrapper
# (xmalloc) called from two sites with byte counts known by construction
# (the program prints them), and a program with a known number of
# temporary allocations. Checked exactly: folded stacks by alloc-bytes and
# allocs, the report's callers tree, the pprof heap profile, the browser's
# callers tree and flame graph; the per-caller call counts and the
# temporaries against heaptrack on the same programs when it is installed.
. "$HP_SRC/tests/e2e/lib.sh"
cc -O2 -g -o wrapper_sites "$HP_SRC/tests/fixtures/memory/wrapper_sites.c" || fail "cc"
cc -O2 -g -o temporaries "$HP_SRC/tests/fixtures/memory/temporaries.c" || fail "cc"

"$HPPROF" run -q --alloc -o w.db ./wrapper_sites 10 >out.txt || fail "--alloc run"
truth() { sed -n "s/^wrapper_sites: $1 calls \([0-9]*\) bytes \([0-9]*\)/\\$2/p" out.txt; }
# folded: the weight of every stack that ends in SITE;xmalloc
folded() { "$HPPROF" export -f folded -w "$1" w.db |
	awk -v s=";$2;xmalloc" 'substr($1, length($1) - length(s) + 1) == s { n += $2 } END { print n + 0 }'; }
for site in site_a site_b; do
	assert_eq "folded -w alloc-bytes, $site;xmalloc" "$(folded alloc-bytes $site)" "$(truth $site 2)"
	assert_eq "folded -w allocs, $site;xmalloc" "$(folded allocs $site)" "$(truth $site 1)"
done

# The heap peak by construction: each round holds its 300 + 70 blocks at
# once, then frees them all (stdout's buffer comes after, at the end).
round=$(( ($(truth site_a 2) + $(truth site_b 2)) / 10 ))
assert_eq "heap peak (bytes)" "$(q w.db "SELECT value FROM run_info WHERE key = 'heap_peak_bytes'")" "$round"

# The report's callers of the sites: xmalloc, then who called it, by bytes.
"$HPPROF" report --memory w.db >mem.txt || fail "report --memory"
all=$(( $(truth site_a 2) + $(truth site_b 2) ))
sed -n '/^Callers of the allocation sites/,/^$/p' mem.txt >callers.txt
grep -E "^ *$all +[0-9]+  xmalloc$" callers.txt >/dev/null || { cat callers.txt; fail "xmalloc row"; }
for site in site_a site_b; do
	grep -E "^ *$(truth $site 2) +$(truth $site 1)    <- $site$" callers.txt >/dev/null ||
		{ cat callers.txt; fail "callers tree: $site under xmalloc"; }
done
note "report --memory: xmalloc <- site_a, site_b with their bytes and calls"

# The browser: the callers of the top site, and the allocation flame graph.
"$HPPROF" tui --dump memory --keys c --width 120 --height 20 w.db >tc.txt || fail "tui c"
assert_contains "tui callers tree" tc.txt "Callers of xmalloc by alloc-bytes"
assert_contains "tui callers tree: site_a" tc.txt "site_a"
"$HPPROF" tui --dump memory --keys f --width 120 --height 20 w.db >tf.txt || fail "tui f"
assert_contains "tui allocation flame graph" tf.txt "Flame graph by alloc-bytes"
assert_contains "tui allocation flame graph: xmalloc" tf.txt "xmalloc"
"$HPPROF" export -f svg -w alloc-bytes -o w.svg w.db || fail "svg -w alloc-bytes"
assert_contains "svg -w alloc-bytes" w.svg "xmalloc"

# pprof: a heap profile with pprof's own sample types.
if command -v protoc >/dev/null 2>&1; then
	"$HPPROF" export -f pprof -w alloc-bytes -o w.pb.gz w.db || fail "pprof -w alloc-bytes"
	gunzip -c w.pb.gz | protoc --decode=perftools.profiles.Profile \
		-I "$HP_SRC/tests/fixtures" "$HP_SRC/tests/fixtures/profile.proto" >w.txt ||
		fail "protoc cannot decode the heap profile"
	python3 - w.txt "$(q w.db "SELECT SUM(bytes) FROM alloc_sites")" <<'PY' || fail "heap profile"
import re, sys
text, total = open(sys.argv[1]).read(), int(sys.argv[2])
strings = re.findall(r'^string_table: "(.*)"$', text, re.M)
types = [(strings[int(t)], strings[int(u)]) for t, u in
         re.findall(r'sample_type \{\s*type: (\d+)\s*unit: (\d+)\s*\}', text)]
want = [("alloc_objects", "count"), ("alloc_space", "bytes"), ("inuse_objects", "count"),
        ("inuse_space", "bytes")]
assert types[:4] == want, "sample types %s" % types
space = sum(int(v[1]) for v in (re.findall(r'value: (\d+)', s) for s in
            re.findall(r'sample \{(.*?)\n\}', text, re.S)) if len(v) > 1)
assert space == total, "alloc_space %d, alloc_sites %d" % (space, total)
d = re.search(r'^default_sample_type: (\d+)', text, re.M)
assert d and strings[int(d.group(1))] == "alloc_space", "default sample type"
print("# pprof heap profile: %s, alloc_space %d = alloc_sites" % (types, space))
PY
else
	note "protoc (protobuf-compiler) is not installed: the heap profile is not decoded"
fi

# Temporaries: exactly the program's count (heaptrack's definition).
"$HPPROF" run -q --alloc -o t.db ./temporaries 5000 >tout.txt || fail "temporaries run"
want=$(sed -n 's/.* expected \([0-9]*\)$/\1/p' tout.txt)
assert_eq "temporary allocations" "$(q t.db "SELECT value FROM run_info WHERE key = 'alloc_temporary'")" "$want"
assert_eq "temporaries at the pair site" "$(q t.db "SELECT SUM(temporary) FROM alloc_sites
	WHERE function = 'pair'")" 5000
assert_eq "temporaries at the cross sites" "$(q t.db "SELECT SUM(temporary) FROM alloc_sites
	WHERE function IN ('at_x', 'at_y')")" 0

# heaptrack on the same programs: per-caller calls and the temporaries.
if command -v heaptrack >/dev/null 2>&1 && command -v heaptrack_print >/dev/null 2>&1; then
	heaptrack -o "$T/htw" ./wrapper_sites 10 >/dev/null 2>&1 || fail "heaptrack run"
	heaptrack_print -f "$T"/htw.zst --flamegraph-cost-type allocations -F htw.folded >/dev/null 2>&1 ||
		fail "heaptrack_print"
	for site in site_a site_b; do
		# heaptrack's lines: "main (f.c);site_a (f.c);xmalloc (f.c); COUNT"
		ht=$(awk -v s="$site (" 'index($0, s) && index($0, ";xmalloc (") { c += $NF }
			END { print c + 0 }' htw.folded)
		assert_eq "calls through $site;xmalloc: hpprof = heaptrack" "$(folded allocs $site)" "$ht"
	done
	heaptrack -o "$T/htt" ./temporaries 5000 >/dev/null 2>&1 || fail "heaptrack run"
	ht=$(heaptrack_print -f "$T"/htt.zst 2>/dev/null | sed -n 's/^temporary memory allocations: \([0-9]*\).*/\1/p')
	assert_eq "temporary allocations: hpprof = heaptrack" \
		"$(q t.db "SELECT value FROM run_info WHERE key = 'alloc_temporary'")" "$ht"
else
	note "heaptrack is not installed: not compared with it"
fi
echo "PASS"

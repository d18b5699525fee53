#!/bin/sh
# The symbol cache ($XDG_CACHE_HOME/hpprof) never changes a result:
#   - the same samples symbolized with a cold cache, a warm one and none
#     give byte-identical reports and folded stacks;
#   - four runs at once share one cache and all come out right, on an
#     empty cache (each writes entries whole) and on a warm one (a run
#     that misses appends a delta record to the entry: symcache_delta.c);
#   - truncated or corrupted entries (and a damaged debug copy) are
#     ignored with a debug note, and the results stay identical.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia
export XDG_CACHE_HOME="$T/cache"
C=$XDG_CACHE_HOME/hpprof

# unsymbolize IN OUT: OUT is IN without its symbolization, as a run that
# stopped before its end leaves it; the first reader symbolizes it again.
unsymbolize() {
	cp "$1" "$2"
	sqlite3 "$2" "DELETE FROM location_frames; DELETE FROM functions; DELETE FROM files;
		DELETE FROM function_stats; DELETE FROM line_stats;
		DELETE FROM function_counter_stats; DELETE FROM line_counter_stats;" ||
		fail "cannot unsymbolize $1"
}
# views DB TAG: the report and the folded stacks, as TAG.report / TAG.folded
views() {
	"$HPPROF" report -n 0 "$1" >"$2.report" 2>"$2.err" || { cat "$2.err" >&2; fail "report $1"; }
	"$HPPROF" export -f folded -o "$2.folded" "$1" || fail "export $1"
}

"$HPPROF" run -q -o a.db -k julia -- --width 300 >/dev/null || fail "hpprof run"
n=$(ls "$C"/*.sym 2>/dev/null | wc -l)
assert_ge "cache entries after the first run" "$n" 2
views a.db run

unsymbolize a.db cold.db
rm -rf "$C"
views cold.db cold                              # cold cache, filled again
unsymbolize a.db warm.db
views warm.db warm                              # warm cache
unsymbolize a.db none.db
HPPROF_NO_CACHE=1 views none.db none            # no cache at all
for t in cold warm none; do
	cmp -s run.folded $t.folded || { diff run.folded $t.folded | head >&2; fail "$t: folded stacks differ"; }
	cmp -s run.report $t.report || { diff run.report $t.report | head >&2; fail "$t: report differs"; }
done
note "run, cold, warm and no cache: identical report and folded stacks"

# Four runs at once on an empty cache.
rm -rf "$C"
for i in 1 2 3 4; do
	"$HPPROF" run -q -o p$i.db -k julia -- --width 300 >/dev/null 2>p$i.err &
done
wait
for i in 1 2 3 4; do
	[ -s p$i.db ] || { cat p$i.err >&2; fail "concurrent run $i"; }
	assert_eq "run $i: calculate_z present" \
		"$(q p$i.db "SELECT COUNT(*) FROM function_profile WHERE function = 'calculate_z'")" 1
done
ls "$C"/*.XXXXXX* "$C"/*.sym.* 2>/dev/null && fail "temporary files left in the cache"
"$HPPROF" --debug=syms:1 report p1.db >/dev/null 2>dbg.txt
unsymbolize a.db again.db
"$HPPROF" --debug=syms:1 report again.db >/dev/null 2>dbg.txt || fail "report after the concurrent runs"
grep -q "ignoring" dbg.txt && { cat dbg.txt >&2; fail "a concurrent run left a bad entry"; }

# Four runs at once on the warm cache: misses are appended as records.
for i in 1 2 3 4; do
	"$HPPROF" --debug=syms:1 run -q -o w$i.db -k julia -- --width 300 >/dev/null 2>w$i.err &
done
wait
for i in 1 2 3 4; do
	[ -s w$i.db ] || { cat w$i.err >&2; fail "concurrent warm run $i"; }
	assert_eq "warm run $i: calculate_z present" \
		"$(q w$i.db "SELECT COUNT(*) FROM function_profile WHERE function = 'calculate_z'")" 1
done
note "warm runs at once: $(cat w?.err | grep -c 'new ranges appended') delta records appended"
unsymbolize a.db again.db
"$HPPROF" --debug=syms:1 report -n 0 again.db >again.report 2>dbg.txt || fail "report after the warm runs"
"$HPPROF" export -f folded -o again.folded again.db || fail "export again.db"
grep -q "ignoring\|damaged delta" dbg.txt && { cat dbg.txt >&2; fail "a concurrent warm run left a bad entry"; }
cmp -s run.folded again.folded || fail "after the warm runs: folded stacks differ"
cmp -s run.report again.report || fail "after the warm runs: report differs"

# Damage: truncate one entry, flip a byte in another, cut the debug copies.
set -- "$C"/*.sym
[ $# -ge 2 ] || fail "expected two cache entries, found $#"
size=$(stat -c %s "$1")
truncate -s $((size / 2)) "$1"
printf 'X' | dd of="$2" bs=1 seek=100 conv=notrunc 2>/dev/null
for d in "$C"/debug/*.debug; do
	[ -f "$d" ] && truncate -s 100000 "$d"
done
unsymbolize a.db damaged.db
HPPROF_DEBUG= "$HPPROF" --debug=syms:1 report -n 0 damaged.db >damaged.report 2>dbg.txt ||
	fail "report with a damaged cache"
"$HPPROF" export -f folded -o damaged.folded damaged.db || fail "export damaged"
grep -q "ignoring" dbg.txt || { cat dbg.txt >&2; fail "no note about the damaged entries"; }
cmp -s run.folded damaged.folded || fail "damaged cache: folded stacks differ"
cmp -s run.report damaged.report || fail "damaged cache: report differs"
note "damaged entries ignored: $(grep -c 'ignoring\|not used' dbg.txt) notes"
echo "PASS"

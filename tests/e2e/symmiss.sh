#!/bin/sh
# Warm-run misses of the symbol cache (analyzer/symunits.c, symcache.c):
#   - run_info.symbol_cache_misses counts the addresses no cache entry
#     answered (absent with --no-cache); re-symbolizing a run's own
#     addresses with the cache it filled misses none;
#   - a miss in a module that has an entry (an address of libc no run
#     resolved: strverscmp, added to the profile) takes the module's unit
#     ranges and symbol table from the entry - it neither reads libc's
#     unit table (dwarf_getaranges) nor builds its symbol table - and names
#     the address as a symbolization without any cache does.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia
export XDG_CACHE_HOME="$T/cache"

unsymbolize() {
	cp "$1" "$2"
	sqlite3 "$2" "DELETE FROM location_frames; DELETE FROM functions; DELETE FROM files;
		DELETE FROM function_stats; DELETE FROM line_stats;
		DELETE FROM function_counter_stats; DELETE FROM line_counter_stats;" ||
		fail "cannot unsymbolize $1"
}
# frames DB LOCATION: the location's frames, "function file:line" per line
frames() {
	q "$1" "SELECT f.name || ' ' || COALESCE(fi.path, '?') || ':' || COALESCE(lf.line, 0)
		FROM location_frames lf JOIN functions f ON f.id = lf.function_id
		LEFT JOIN files fi ON fi.id = lf.file_id WHERE lf.location_id = $2 ORDER BY lf.depth"
}

"$HPPROF" --debug=syms:1 run -q -o a.db -k julia -- --width 300 >/dev/null 2>run1.err ||
	{ cat run1.err >&2; fail "hpprof run"; }
m1=$(q a.db "SELECT value FROM run_info WHERE key = 'symbol_cache_misses'")
assert_ge "run 1 (fresh cache): symbol_cache_misses" "${m1:-0}" 1
grep -q "symbol cache: $m1 misses" run1.err || { cat run1.err >&2; fail "no debug line of the misses"; }
"$HPPROF" run -q -o b.db -k julia -- --width 300 >/dev/null || fail "hpprof run 2"
m2=$(q b.db "SELECT value FROM run_info WHERE key = 'symbol_cache_misses'")
[ -n "$m2" ] || fail "run 2: no symbol_cache_misses"
note "misses: run 1 $m1, run 2 $m2"
"$HPPROF" run -q --no-cache -o n.db -k julia -- --width 300 >/dev/null || fail "run --no-cache"
assert_eq "--no-cache: symbol_cache_misses rows" \
	"$(q n.db "SELECT COUNT(*) FROM run_info WHERE key = 'symbol_cache_misses'")" 0

# The run's own addresses again, with the cache the run filled: no miss.
unsymbolize a.db again.db
"$HPPROF" --debug=syms:1 report again.db >/dev/null 2>again.err || fail "report again.db"
grep -q "symbol cache: 0 misses" again.err || { cat again.err >&2; fail "re-symbolizing missed"; }

# An address of libc that no run asked for: strverscmp.
libc=$(q a.db "SELECT path FROM modules WHERE path LIKE '%/libc.so.6'")
[ -n "$libc" ] || skip "the run has no libc module"
addr=$(readelf -Ws --dyn-syms "$libc" | awk '$8 ~ /^strverscmp@@/ { print $2; exit }')
[ -n "$addr" ] || skip "no strverscmp in $libc"
addr=$((0x$addr + 4))
unsymbolize a.db miss.db
loc=$(q miss.db "INSERT INTO locations (module_id, addr)
	SELECT id, $addr FROM modules WHERE path = '$libc'; SELECT last_insert_rowid();")
cp miss.db nocache.db
"$HPPROF" --debug=syms:2 report miss.db >/dev/null 2>miss.err || fail "report miss.db"
grep -q "libc.so.6'+0x[0-9a-f]*: resolving its neighbourhood" miss.err ||
	{ cat miss.err >&2; fail "strverscmp did not miss"; }
grep -q "libc.so.6': [0-9]* function symbols (cached)" miss.err ||
	{ cat miss.err >&2; fail "libc's symbol table was not taken from its entry"; }
grep -q "libc.so.6': [0-9]* unit address ranges read" miss.err &&
	{ cat miss.err >&2; fail "libc's unit ranges were read again"; }
grep -q "symbol cache: 1 misses libc.so.6 1;" miss.err ||
	{ cat miss.err >&2; fail "expected exactly one miss, in libc"; }
HPPROF_NO_CACHE=1 "$HPPROF" report nocache.db >/dev/null || fail "report nocache.db"
got=$(frames miss.db "$loc")
[ -n "$got" ] || fail "strverscmp's location has no frames"
[ "$got" = "$(frames nocache.db "$loc")" ] ||
	fail "with the cache '$got', without '$(frames nocache.db "$loc")'"
case $got in strverscmp*|__strverscmp*) ;; *) fail "strverscmp named '$got'" ;; esac
note "strverscmp: $got"
echo "PASS"

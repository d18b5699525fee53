#!/bin/sh
# The symbol warm-up resolves each location as it is stored, while the
# program runs (cmd/run_symbols.c, symbolizer_prefetch); the end of the run
# then finds it memoized. What it stores must be what the end-of-run path
# alone resolves: every location of a run is compared, frame by frame
# (module, address, depth, name shown, raw name, file, line, declaring
# file), with the same database symbolized again by a reader that has no
# warm-up - with a cold cache of its own (debug information read again),
# and with none. Both with the run's cache cold (the warm-up reads debug
# information) and warm (it answers from the cache entries).
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
# frames DB: every frame of every location, in a stable order
frames() {
	q "$1" "SELECT COALESCE(m.path, '-'), printf('%x', l.addr), lf.depth, f.name,
		COALESCE(f.raw_name, '-'), COALESCE(fi.path, '-'), lf.line, COALESCE(df.path, '-')
		FROM location_frames lf JOIN locations l ON l.id = lf.location_id
		LEFT JOIN modules m ON m.id = l.module_id JOIN functions f ON f.id = lf.function_id
		LEFT JOIN files fi ON fi.id = lf.file_id LEFT JOIN files df ON df.id = f.file_id
		ORDER BY 1, 2, 3"
}
# check TAG DB: DB's frames equal those of the end-of-run path alone
check() {
	n=$(q "$2" "SELECT COUNT(*) FROM locations WHERE id NOT IN
		(SELECT location_id FROM location_frames)")
	assert_eq "$1: locations without frames" "$n" 0
	frames "$2" >"$1.run"
	unsymbolize "$2" "$1.ref.db"
	XDG_CACHE_HOME="$T/refcache-$1" "$HPPROF" report -n 0 "$1.ref.db" >/dev/null 2>"$1.ref.err" ||
		{ cat "$1.ref.err" >&2; fail "$1: report of the unsymbolized copy"; }
	frames "$1.ref.db" >"$1.ref"
	unsymbolize "$2" "$1.none.db"
	HPPROF_NO_CACHE=1 "$HPPROF" report -n 0 "$1.none.db" >/dev/null 2>&1 || fail "$1: no cache"
	frames "$1.none.db" >"$1.none"
	for r in ref none; do
		cmp -s "$1.run" "$1.$r" || { diff "$1.run" "$1.$r" | head -20 >&2
			fail "$1: the run's frames differ from the end-of-run path's ($r)"; }
	done
	note "$1: $(wc -l <"$1.run") frames of $(q "$2" "SELECT COUNT(*) FROM locations") locations identical"
}

for run in cold warm; do
	"$HPPROF" --debug=syms:1 run -q -o $run.db -k julia -- --width 300 >/dev/null 2>$run.err ||
		{ cat $run.err >&2; fail "hpprof run ($run)"; }
	n=$(sed -n 's/.*resolved \([0-9]*\) addresses as they were stored.*/\1/p' $run.err)
	assert_ge "$run: addresses resolved while the program ran" "${n:-0}" 10
	check $run $run.db
done
echo "PASS"

#!/bin/sh
# hpprof merge and diff of a run whose software counters were read with
# every sample (--counters-per-sample, events role 'counter') and runs that
# counted them for the whole run only (role 'total'). The merge has ONE
# event per counter name: its total is the sum of the inputs' totals (all
# inputs measured it), and it keeps per-row values only when every input
# read it per sample; otherwise it is a 'total' event: one column in the
# views, NULL in every row, never 0. diff of a per-sample run against a
# total run: one counter column, the whole-run comparison, no per-row values.
# usage: merge_counters.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "the sqlite3 shell is not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
need_kernel diffusion

# Software counters work on every machine (no PMU needed); listing only
# software counters makes a run without --counters-per-sample a 'total' run
# on a machine with a PMU too. Small and short: the checks are exact sums.
ev=page-faults,context-switches
prun() {  # prun OUT.db [run options...]
	out=$1; shift
	"$HPPROF" run -q -o "$out" -e $ev "$@" -k diffusion -- --size 128 --steps 40 \
		>/dev/null 2>"$out.err" || { cat "$out.err" >&2; fail "hpprof run -o $out $*"; }
}
prun ps1.db --counters-per-sample
prun ps2.db --counters-per-sample
prun tot.db
for f in ps1 ps2 tot; do
	note "$f: $(q $f.db "SELECT group_concat(name || ' ' || role || ' ' || measured || ' ' ||
	                     COALESCE(total, 'NULL'), '; ') FROM events WHERE id > 0")"
done
assert_eq "ps1 page-faults role" "$(q ps1.db "SELECT role FROM events WHERE name = 'page-faults'")" counter
assert_eq "tot page-faults role" "$(q tot.db "SELECT role FROM events WHERE name = 'page-faults'")" total

tot_of() { q "$1" "SELECT total FROM events WHERE name = '$2' AND measured = 1"; }
cols_named() {  # cols_named DB VIEW NAME: how many columns of VIEW are called NAME
	q "$1" "SELECT COUNT(*) FROM pragma_table_info('$2') WHERE name = '$3'"
}

# A per-sample run merged with a total run, in both orders.
for order in "ps1.db tot.db" "tot.db ps1.db"; do
	rm -f m.db
	# shellcheck disable=SC2086
	"$HPPROF" merge -o m.db $order 2>merge.err || { cat merge.err >&2; fail "merge $order"; }
	for name in page-faults context-switches; do
		assert_eq "merge $order: events named $name" \
			"$(q m.db "SELECT COUNT(*) FROM events WHERE name = '$name'")" 1
		assert_eq "merge $order: $name role, measured, reason" \
			"$(q m.db "SELECT role || ',' || measured || ',' || COALESCE(reason, '') FROM events
			           WHERE name = '$name'")" "total,1,"
		want=$(( $(tot_of ps1.db $name) + $(tot_of tot.db $name) ))
		assert_eq "merge $order: $name total = sum of the inputs'" "$(tot_of m.db $name)" "$want"
		for view in function_profile line_profile; do
			assert_eq "merge $order: $view columns named $name" "$(cols_named m.db $view $name)" 1
			assert_eq "merge $order: $view $name values (NULL, never 0)" \
				"$(q m.db "SELECT COUNT(*) FROM $view WHERE \"$name\" IS NOT NULL")" 0
		done
	done
	assert_eq "merge $order: samples carrying counter values" \
		"$(q m.db "SELECT COUNT(*) FROM samples WHERE event = 0 AND counters IS NOT NULL")" 0
	assert_eq "merge $order: main samples = the inputs'" \
		"$(q m.db "SELECT COUNT(*) FROM samples WHERE event = 0")" \
		"$(( $(q ps1.db "SELECT COUNT(*) FROM samples WHERE event = 0") +
		     $(q tot.db "SELECT COUNT(*) FROM samples WHERE event = 0") ))"
	"$HPPROF" report m.db >rep.txt 2>&1 || { cat rep.txt >&2; fail "report of the merge"; }
	assert_contains "merge $order: report has the page-faults total" rep.txt "^  page-faults  *[1-9]"
done

# Two per-sample runs: still a per-sample counter, rows sum like the inputs'.
"$HPPROF" merge -o pp.db ps1.db ps2.db 2>merge.err || { cat merge.err >&2; fail "merge ps1 ps2"; }
assert_eq "per-sample merge: page-faults role" \
	"$(q pp.db "SELECT role || ',' || measured FROM events WHERE name = 'page-faults'")" counter,1
assert_eq "per-sample merge: page-faults total" "$(tot_of pp.db page-faults)" \
	"$(( $(tot_of ps1.db page-faults) + $(tot_of ps2.db page-faults) ))"
rows() { q "$1" "SELECT COALESCE(SUM(\"page-faults\"), 0) FROM line_profile"; }
assert_eq "per-sample merge: line_profile page-faults = the inputs' sum" "$(rows pp.db)" \
	"$(( $(rows ps1.db) + $(rows ps2.db) ))"
assert_ge "per-sample merge: line page-faults (rows carry values)" "$(rows pp.db)" 1

# The per-sample + total merge merged again with a per-sample run: total.
"$HPPROF" merge -o mm.db m.db ps2.db 2>merge.err || { cat merge.err >&2; fail "merge m ps2"; }
assert_eq "merge of a merge: page-faults events" \
	"$(q mm.db "SELECT COUNT(*) || ',' || MIN(role) FROM events WHERE name = 'page-faults'")" 1,total
assert_eq "merge of a merge: page-faults total" "$(tot_of mm.db page-faults)" \
	"$(( $(tot_of m.db page-faults) + $(tot_of ps2.db page-faults) ))"

# Off-CPU intervals keep their blob (ns and wait class, not counter slots)
# when the merge drops an input's per-sample counters.
"$HPPROF" run -q -o oa.db --off-cpu --counters-per-sample -e $ev -- sleep 0.2 >/dev/null 2>oa.err &&
"$HPPROF" run -q -o ob.db --off-cpu -e page-faults -- sleep 0.2 >/dev/null 2>ob.err ||
	{ cat oa.err ob.err >&2; fail "hpprof run --off-cpu"; }
if [ "$(q oa.db "SELECT measured FROM events WHERE role = 'offcpu'")" = 1 ] &&
   [ "$(q ob.db "SELECT measured FROM events WHERE role = 'offcpu'")" = 1 ]; then
	"$HPPROF" merge -o om.db oa.db ob.db 2>merge.err || { cat merge.err >&2; fail "merge off-cpu"; }
	off() { q "$1" "SELECT COALESCE(SUM(self_off_ns), 0) FROM wall_profile"; }
	assert_eq "off-cpu merge: off-CPU ns = the inputs' sum" "$(off om.db)" \
		"$(( $(off oa.db) + $(off ob.db) ))"
	assert_ge "off-cpu merge: off-CPU ns (sleep 0.2 twice)" "$(off om.db)" 1
	assert_eq "off-cpu merge: page-faults role" \
		"$(q om.db "SELECT role FROM events WHERE name = 'page-faults'")" total
else
	note "off-CPU recording is not available here: its merge check is skipped"
fi

# diff per-sample vs total (either way round): one counter column per name,
# a whole-run comparison, no per-row values (null, never 0).
for pair in "ps1.db tot.db" "tot.db ps1.db"; do
	# shellcheck disable=SC2086
	"$HPPROF" diff --format json $pair >diff.json 2>diff.err || [ $? -eq 1 ] ||
		{ cat diff.err >&2; fail "diff $pair"; }
	python3 - "$pair" <<'PY' || fail "diff $pair: counters"
import json, sys
d = json.load(open("diff.json"))
for name in ("page-faults", "context-switches"):
    cs = [c for c in d["counters"] if c["name"] == name]
    assert len(cs) == 1, (name, d["counters"])
    c = cs[0]
    assert c["role"] == "total", c
    assert c["before"]["mean"] is not None and c["after"]["mean"] is not None, c
    if name == "page-faults":
        assert c["before"]["mean"] > 0 and c["after"]["mean"] > 0, c
    for r in d["rows"]:
        v = r["counters"][name]
        assert all(v[k] is None for k in ("before", "after", "before_total", "after_total")), (r["name"], v)
print("# diff %s: %s" % (sys.argv[1], [(c["name"], c["role"], c["before"]["mean"], c["after"]["mean"])
                                       for c in d["counters"]]))
PY
done
echo "PASS"

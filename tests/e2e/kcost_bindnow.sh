#!/bin/sh
# hpprof is linked with BIND_NOW (docs/performance.md, "Wave 16: the
# collector's fixed cost"): its symbols are bound when it starts, so that
# neither the launch's forked child (read, close, execv before the exec)
# nor hpprof after the fork writes the GOT pages the fork made
# copy-on-write: a lazily bound hpprof took ~17 more page faults per run
# of /bin/true (perf stat -e page-faults, 12 interleaved rounds).
# The check is structural (the dynamic section's flags) and, as a truth
# of behaviour, that LD_DEBUG sees no binding made after start-up: with
# lazy binding the loader resolves symbols at their first call, which
# LD_DEBUG=bindings prints after "transferring control".
. "$HP_SRC/tests/e2e/lib.sh"
command -v readelf >/dev/null || skip "readelf is not installed"
readelf -d "$HPPROF" >dyn.txt 2>&1 || fail "readelf -d hpprof"
grep -Eq 'BIND_NOW|Flags:.* NOW' dyn.txt || { cat dyn.txt; fail "hpprof is not linked with -z now"; }
LD_DEBUG=bindings LD_DEBUG_OUTPUT="$PWD/ld" "$HPPROF" run -q -o t.db /bin/true >out.txt 2>err.txt ||
	{ cat err.txt; fail "hpprof run /bin/true"; }
# one file per process: hpprof's is the one that handed control to hpprof
late=0 seen=0
for f in ld.*; do
	grep -q "transferring control: $HPPROF\$" "$f" || continue
	seen=$((seen + 1))
	n=$(sed -n '/transferring control/,$p' "$f" | grep -c "binding file $HPPROF ")
	late=$((late + n))
done
assert_eq "LD_DEBUG logs of the hpprof process" "$seen" 1
note "bindings of hpprof's own symbols after start-up: $late"
assert_le "hpprof's symbols bound after start-up (lazily)" "$late" 0

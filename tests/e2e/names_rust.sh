#!/bin/sh
# A real Rust program (std only, builds offline), with rustc's default
# (legacy) symbol mangling and with v0: the hot function is shown as
# "names_rust::work::churn" and its raw_name is the symbol nm shows; no
# mangled name is left in the profile (std's inlined frames included).
. "$HP_SRC/tests/e2e/lib.sh"
command -v rustc >/dev/null || skip "rustc is not installed"
src=$HP_SRC/tests/fixtures/names/names_rust.rs
for mangling in legacy v0; do
	flag=""                 # legacy is rustc's default (naming it needs -Z)
	[ $mangling = v0 ] && flag="-C symbol-mangling-version=v0"
	rustc -C opt-level=2 -g $flag -o nr_$mangling "$src" 2>rustc.err ||
		{ cat rustc.err >&2; fail "rustc ($mangling)"; }
	raw=$(nm nr_$mangling | awk '$3 ~ /churn/ { print $3 }' | head -1)
	case "$mangling:$raw" in
	legacy:_ZN*|v0:_R*) ;;
	*) fail "unexpected $mangling symbol '$raw'";;
	esac
	"$HPPROF" run -q -o r_$mangling.db ./nr_$mangling 400 >/dev/null || fail "hpprof run ($mangling)"
	# churn's body is inlined std code (wrapping_mul, black_box): its
	# total, not its self time, is the run's.
	top=names_rust::work::churn
	total=$(q r_$mangling.db "SELECT total_pct FROM function_profile WHERE function = '$top'")
	assert_ge "$mangling: total % of $top" "${total:-0}" 50
	assert_eq "$mangling: raw_name" "$(q r_$mangling.db "SELECT raw_name FROM functions WHERE name = '$top'")" "$raw"
	# A mangled name of the program: GLOB, case-sensitive ('_R' then a
	# digit or a capital tag, or '_ZN'); LIKE ignores case and took the
	# kernel's _raw_spin_unlock_irqrestore for a v0 name (sampled under
	# load: 2 of 15 rounds beside a CPU hog). Kernel functions are named
	# from kallsyms, not by the program's mangling.
	mangled="(function GLOB '_R[0-9A-Z]*' OR function GLOB '_ZN*')
		AND COALESCE(module, '') NOT LIKE '[kernel%'"
	# which name, in which module, on how many samples
	q r_$mangling.db "SELECT function, module, self_samples, total_samples FROM function_profile
		WHERE $mangled" | sed "s/^/# $mangling: shown mangled: /"
	assert_eq "$mangling: mangled names shown" \
		"$(q r_$mangling.db "SELECT COUNT(*) FROM function_profile WHERE $mangled")" 0
done
echo "PASS"

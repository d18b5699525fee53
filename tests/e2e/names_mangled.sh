#!/bin/sh
# Rust (legacy and v0) and D names are demangled: a C program whose
# functions carry such symbols through __asm__ labels
# (tests/fixtures/names/mangled_labels.c), so no rustc or D compiler is
# needed. Truth: c++filt (binutils) demangles the same symbols.
. "$HP_SRC/tests/e2e/lib.sh"
command -v cc >/dev/null || skip "cc is not installed"
command -v c++filt >/dev/null || skip "c++filt (binutils) is not installed"
cc -O2 -g -o labels "$HP_SRC/tests/fixtures/names/mangled_labels.c" || fail "cannot build mangled_labels"
"$HPPROF" run -q -o m.db ./labels 1500 >/dev/null || fail "hpprof run"
for pair in _ZN7hpnames11spin_legacy17h0123456789abcdefE:rust \
	    _RNvCs1234_7hpnames7spin_v0:rust _D7hpnames6spin_dFmmZm:dlang; do
	raw=${pair%:*}
	want=$(printf '%s\n' "$raw" | c++filt -s "${pair#*:}" |
		sed -e 's/::h[0-9a-f]\{16\}$//' -e 's/\[[0-9a-f]*\]//g')
	[ "$want" != "$raw" ] || fail "c++filt cannot demangle $raw"
	got=$(q m.db "SELECT name FROM functions WHERE raw_name = '$raw'")
	assert_eq "$raw" "$got" "$want"
	share=$(q m.db "SELECT self_pct FROM function_profile WHERE function = '$want'")
	assert_ge "self % of $want (a third of the work)" "$share" 15
done
echo "PASS"

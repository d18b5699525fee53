#!/bin/sh
# A C++ function template in a namespace (tests/fixtures/names/cpp_template.cpp)
# is shown demangled - in the views, the text report and every export - and
# its mangled symbol is kept in functions.raw_name. Truth: nm gives the
# mangled symbol, c++filt (binutils, independent of hpprof) its demangled form.
. "$HP_SRC/tests/e2e/lib.sh"
command -v g++ >/dev/null || skip "g++ is not installed"
command -v c++filt >/dev/null || skip "c++filt (binutils) is not installed"
g++ -O2 -g -o cppt "$HP_SRC/tests/fixtures/names/cpp_template.cpp" || fail "cannot build cpp_template"
raw=$(nm cppt | awk '$3 ~ /weighted_sum/ { print $3 }')
[ -n "$raw" ] || fail "no weighted_sum symbol in cppt"
want=$(printf '%s\n' "$raw" | c++filt)
note "symbol $raw = $want"

"$HPPROF" run -q -o c.db ./cppt 2000 >/dev/null || fail "hpprof run"
got=$(q c.db "SELECT function FROM function_profile ORDER BY self_samples DESC LIMIT 1")
assert_eq "hottest function" "$got" "$want"
assert_eq "its raw_name" "$(q c.db "SELECT raw_name FROM functions WHERE name = '$want'")" "$raw"
share=$(q c.db "SELECT self_pct FROM function_profile WHERE function = '$want'")
assert_ge "its self %" "$share" 50
# No mangled C++ name is left as a name (libstdc++ and the program alike).
assert_eq "mangled names shown" "$(q c.db "SELECT COUNT(*) FROM functions WHERE name LIKE '\_Z%' ESCAPE '\'")" 0

# Every view of the profile carries the demangled name, none the mangled one.
part=hpnames::kernels::weighted_sum
"$HPPROF" report --wide -n 5 c.db >report.txt || fail "report"
assert_contains "report" report.txt "$part"
for fmt in folded svg speedscope chrome callgrind csv json; do
	"$HPPROF" export -f $fmt -o out.$fmt c.db || fail "export $fmt"
	assert_contains "export $fmt" out.$fmt "$part"
	grep -q "$raw" out.$fmt && fail "export $fmt shows the mangled name"
done
"$HPPROF" export -f pprof -o out.pb.gz c.db || fail "export pprof"
gzip -dc out.pb.gz >out.pb && grep -aq "$part" out.pb || fail "pprof has no '$part'"

# --no-demangle: the binary's own names.
"$HPPROF" run -q --no-demangle -o r.db ./cppt 500 >/dev/null || fail "hpprof run --no-demangle"
assert_eq "raw: the name" "$(q r.db "SELECT COUNT(*) FROM functions WHERE name = '$raw' AND raw_name = '$raw'")" 1
echo "PASS"

#!/bin/sh
# report_cpp.sh - long C++ names in narrow columns, and a template's
# instantiations in `annotate` (tests/fixtures/report/cpp_names.cpp).
# Truth: the program's six hot functions, each a distinct function in
# function_profile (the database keeps the whole demangled names).
#   (a) `report`'s default table (36-column names) shows six distinct names,
#       each with its own part (scale_rows, accumulate_rows, first_pass<1>,
#       ...): cut at the end, two read "hpnames::kernels::long_table_of_th.."
#       (their class) and two "std::vector<double, std::allocator.." (their
#       return type);
#   (b) the TUI's functions view (tmux, 120 columns) and (e) `top --batch`
#       show them apart too; (f) `report --kernel` (root) keeps each kernel
#       function's share after a long C++ name of the line it was entered from;
#   (g) `annotate --asm` names call targets demangled, and says whose code
#       an inlined function's listing is (so does the TUI's machine code view);
#   (c) `report -f csv` and `-f json` carry the whole names (a cell was cut
#       at 511 bytes);
#   (d) `annotate` of spin<double>, named as perf names it (no return type,
#       no parameters), lists spin<double>'s own samples on the line that
#       spin<float>'s loop shares: the line's samples are at most the
#       function's total (they were both instantiations' sum); `annotate
#       n.db` without a function says so (it took n.db for the function
#       and read ./hpprof.db).
set -eu
TUI_TMP=$(mktemp -d)
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/tui_lib.sh"
trap 'tui_diagnose $?; tui_stop; rm -rf "$TUI_TMP"' EXIT
command -v g++ >/dev/null 2>&1 || skip "g++ is not installed"
cd "$TUI_TMP"
g++ -O2 -g -o cppn "$HP_SRC/tests/fixtures/report/cpp_names.cpp" || fail "cannot build cpp_names"
"$HPPROF" run -q -o n.db ./cppn 150 >/dev/null || fail "hpprof run"

parts="::scale_rows ::accumulate_rows ::first_pass<1> ::second_pass<2> ::spin<double> ::spin<float>"
for part in $parts; do   # the truth: each is one function with samples
	n=$(q n.db "SELECT COUNT(*) FROM function_profile WHERE instr(function, '$part(') > 0
		AND self_samples >= 20")
	assert_eq "functions named *$part(*" "$n" 1
done

# crt1's _start lies past main's code (g++ puts main in .text.startup) in a
# gap no line sequence covers: it has no source file (libdw's lookup gave it
# the last line of main's sequence, an inlined libstdc++ header)
assert_eq "_start's source files" "$(q n.db "SELECT COUNT(*) FROM function_profile
	WHERE function = '_start' AND module LIKE '%/cppn' AND file IS NOT NULL")" 0
assert_eq "_start rows of cppn" "$(q n.db "SELECT COUNT(*) FROM function_profile
	WHERE function = '_start' AND module LIKE '%/cppn'")" 1

# (a) the text report's hot functions: one row per function, its own name
"$HPPROF" report -n 6 n.db >report.txt || fail "report"
sed -n '/^Hot functions/,/^  Faults/p' report.txt | sed -n '3,8p' >rows.txt
cat rows.txt
for part in $parts; do
	assert_eq "rows showing '$part'" "$(grep -cF -- "$part" rows.txt)" 1
done
assert_eq "distinct function cells" "$(cut -c31-66 rows.txt | sort -u | wc -l)" 6

# (c) machine-readable reports keep the whole name
long=$(q n.db "SELECT function FROM function_profile WHERE instr(function, '::scale_rows(') > 0")
note "the longest name: ${#long} bytes"
assert_ge "its length" "${#long}" 600
"$HPPROF" report -f csv -n 0 n.db >r.csv || fail "report -f csv"
grep -qF -- "$long" r.csv || fail "report -f csv cut the name of scale_rows"
"$HPPROF" report -f json -n 0 n.db >r.json || fail "report -f json"
grep -qF -- "$long" r.json || fail "report -f json cut the name of scale_rows"

# (d) annotate: spin<double> named as perf names it; its own samples only
"$HPPROF" annotate n.db 'hpnames::kernels::spin<double>' >spin.txt 2>spin.err ||
	{ cat spin.err; fail "annotate by the brief name"; }
total=$(q n.db "SELECT total_samples FROM function_profile WHERE function LIKE '% hpnames::kernels::spin<double>(%'")
shared=$(awk '/__attribute__\(\(noinline\)\) T spin\(T x/ { for (i = 1; i <= NF; i++) if ($i == "template") { print $(i - 2); exit } }' spin.txt)
note "spin<double>: total $total samples; its line in annotate: $shared samples"
[ -n "$shared" ] || { cat spin.txt; fail "no samples on spin's line"; }
assert_le "the shared line's samples" "$shared" "$total"
assert_ge "the shared line's samples" "$shared" $((total * 8 / 10))
"$HPPROF" annotate n.db 'hpnames::kernels::spin' >/dev/null 2>none.err && fail "a prefix matched"
assert_contains "no such function" none.err "as perf names it"

# (e) top --batch (120 columns): the members' own names too
"$HPPROF" top --batch -n 1 -o t.db -- ./cppn 150 >top.txt 2>top.err ||
	{ cat top.err; fail "top --batch"; }
for part in ::scale_rows ::accumulate_rows; do
	grep -qF -- "$part" top.txt || { cat top.txt; fail "top --batch lacks '$part'"; }
done

# (f) report --kernel (as root): a kernel function's "entered from" is the
# touching line with its function shortened, and its share after it (a
# name of ~2,800 bytes filled the column and cut the share off)
if [ "$(id -u)" = 0 ]; then
	"$HPPROF" run -q -o touch.db ./cppn touch 256 >/dev/null || fail "hpprof run (touch)"
	if [ "$(q touch.db "SELECT value FROM run_info WHERE key = 'kernel_frames'")" = yes ]; then
		"$HPPROF" report --kernel -n 3 touch.db >kernel.txt || fail "report --kernel"
		sed -n '/^Kernel functions/,/^$/p' kernel.txt | grep 'first_touch_pages<' >entered.txt ||
			{ cat kernel.txt; fail "report --kernel: no line entered from first_touch_pages"; }
		grep -v ' ([0-9]*%)$' entered.txt && { cat kernel.txt; fail "an 'entered from' without its share"; }
		note "report --kernel: $(wc -l <entered.txt) kernel functions entered from first_touch_pages, each with its share"
	else
		note "kernel frames not recorded here: report --kernel not checked"
	fi
fi

# (g) annotate --asm: call targets demangled as the function names are
# (they were mangled: <_ZN7hpnames7kernels10first_passILi1EEE...>), and a
# function inlined into another says whose code it shows
"$HPPROF" annotate --asm n.db main >asm.txt 2>asm.err || { cat asm.err; fail "annotate --asm main"; }
assert_contains "main's call of first_pass<1>" asm.txt "<hpnames::kernels::first_pass<1>>"
grep '<_Z' asm.txt && fail "annotate --asm shows a mangled call target"
# (vector::operator[], inlined into the table's members, has ~10 samples)
opb='std::vector<double, std::allocator<double> >::operator[]'
if [ "$(q n.db "SELECT COUNT(*) FROM function_profile WHERE function = '$opb(unsigned long)'")" = 1 ]; then
	"$HPPROF" annotate --asm n.db "$opb" >inl.txt 2>inl.err ||
		{ cat inl.err; fail "annotate --asm of an inlined function"; }
	assert_contains "an inlined function's code" inl.txt "^(inlined: this is the code of hpnames::"
else
	note "no sample in vector::operator[] this time: the inlined listing is not checked"
fi

# annotate with the database and no function: a usage error saying so
"$HPPROF" annotate n.db >/dev/null 2>db.err && fail "annotate DB without FUNCTION succeeded"
assert_contains "annotate DB" db.err "is a database: name the function after it"

# (b) the TUI's functions view (120 columns: a 57-column name)
tui_start "$HPPROF" tui n.db
tui_wait_for "Summary"
tui_keys 2
tui_wait_for "Self%"
tui_screen >tui.txt
for part in ::scale_rows ::accumulate_rows first_pass\<1\> second_pass\<2\>; do
	grep -qF -- "$part" tui.txt || { cat tui.txt; fail "the functions view lacks '$part'"; }
done
# the call tree: main's hottest callee, a member, by its own name
tui_keys 4
tui_wait_for "Call path"
tui_wait_for "::scale_rows"
tui_keys 2
tui_wait_for "Self%"
# its machine code ('d'): spin<double> has its own; vector::operator[]
# (when sampled: see (g)) shows the member it was inlined into, and says so
tui_keys /
tui_keys 'spin<double>' Enter
tui_keys d
tui_wait_for "Address"
tui_screen | grep -q "inlined: the code of" && { tui_screen; fail "spin<double> said inlined"; }
if [ -s inl.txt ]; then
	tui_keys Escape
	tui_wait_for "Self%"
	tui_keys /
	tui_keys 'operator[]' Enter
	tui_keys d
	tui_wait_for "inlined: the code of hpnames::"
fi
tui_keys q
echo "PASS"

#!/bin/sh
# Issue 15, finding 7: a static binary has .eh_frame but no .eh_frame_hdr
# (gcc -static links none); its FDEs are indexed from .eh_frame itself
# (collector/ehframe.c), so its stacks unwind as a dynamic binary's do.
# Before: "0 fdes", 0.0% complete stacks, main on 9% of the samples.
# Same floors as run_julia.sh for stacks (the kernel spends > 99% of its
# time under main; setup, exit and skid account for the rest).
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia-static
bin="$KDIR/hp-julia-static"
if readelf -lW "$bin" | grep -q GNU_EH_FRAME; then
	skip "this toolchain gave hp-julia-static an .eh_frame_hdr: nothing to index here"
fi
readelf -SW "$bin" | grep -q ' \.eh_frame ' || fail "hp-julia-static has no .eh_frame"

"$HPPROF" --debug=unwind run -o s.db "$bin" >out.txt 2>err.txt || { cat err.txt; fail "run failed"; }
assert_contains "checksum line" out.txt "checksum 33219980"
assert_contains "the FDEs are indexed" err.txt "has no .eh_frame_hdr: indexed"
n=$(q s.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_ge "samples" "$n" 300
main=$(q s.db "SELECT total_pct FROM function_profile WHERE function = 'main'")
assert_ge "main total% (stacks reaching main)" "$main" 99
entry=$(q s.db "SELECT 100.0 * (SELECT value FROM run_info WHERE key = 'entry_stacks')
                / (SELECT value FROM run_info WHERE key = 'samples')")
assert_ge "complete stacks %" "$entry" 99
# and the hot function is found under main, through the static libc's frames
under=$(q s.db "SELECT COUNT(*) FROM function_profile WHERE function = 'calculate_z' AND total_pct > 50")
assert_eq "calculate_z holds most samples" "$under" 1
echo "PASS"

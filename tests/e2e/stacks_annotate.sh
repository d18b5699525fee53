#!/bin/sh
# stacks_annotate.sh - annotate where there is no source (issue 12): the
# julia kernel stripped of its symbols and debug info. The hottest
# "function" (named after its .eh_frame FDE) is printed as machine code with
# per-instruction costs, and
#   - its extent is calculate_z's, as nm reads it from the unstripped build
#     of the same objects (an independent reader of the symbol table);
#   - the instructions' Self% add up to the CPU share the kernel measured
#     for its compute phase (truth lines: calculate_z is the compute phase).
# Also: --asm interleaves the source lines of the unstripped build, and a
# missing binary is said in one line.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia-stripped
need_kernel julia
command -v nm >/dev/null 2>&1 || skip "nm (binutils) is not installed"

"$HPPROF" run -o s.db "$KDIR/hp-julia-stripped" >out.txt 2>err.txt || { cat err.txt; fail "run failed"; }
hot=$(q s.db "SELECT function FROM function_profile ORDER BY self_samples DESC LIMIT 1")
case "$hot" in hp-julia-stripped+0x*) ;; *) fail "hottest function '$hot' is named" ;; esac
"$HPPROF" annotate s.db "$hot" >ann.txt 2>ann.err || { cat ann.err; fail "annotate failed"; }
head -3 ann.txt
assert_contains "extent from the FDE" ann.txt "extent from its .eh_frame FDE"

# The extent against nm's calculate_z of the unstripped build.
nm -S "$KDIR/hp-julia" | awk '$4 == "calculate_z" { print $1, $2 }' >sym.txt
read -r addr size <sym.txt || fail "no calculate_z in nm's output"
want=$(printf '0x%x-0x%x' "$((0x$addr))" "$((0x$addr + 0x$size))")
assert_contains "extent = calculate_z's symbol ($want)" ann.txt ", $want, "

# Instruction rows: Self% Total% Samples ADDRESS MNEMONIC...
awk '$1 ~ /^[0-9]+\.[0-9]+$/ && $4 ~ /^[0-9a-f]+$/ && NF >= 5' ann.txt >insns.txt
assert_ge "instructions with samples" "$(wc -l <insns.txt)" 3
n=$(q s.db "SELECT value FROM run_info WHERE key = 'samples'")
self=$(awk -v n="$n" '{ s += $1 } END { printf "%d", s * n / 100 + 0.5 }' insns.txt)
proc=$(truth out.txt process main cpu_s)
comp=$(truth out.txt phase compute cpu_s)
start=$(truth_startup out.txt)
# skid 2 pp: the phase's own loop overhead outside calculate_z, and the
# samples of its boundaries.
check_share "instructions' self in the extent" "$self" "$n" "$(ratio "$comp" "$proc")" \
	"$(ratio "$comp" "$(awk -v a="$proc" -v b="$start" 'BEGIN { print a - b }')")" 2

# --asm with source: the unstripped build's lines between the instructions.
"$HPPROF" run -q -o j.db -k julia >/dev/null 2>&1 || fail "run of julia failed"
"$HPPROF" annotate --asm j.db calculate_z >asm.txt || fail "annotate --asm failed"
assert_contains "source lines interleaved" asm.txt "julia.c:"
assert_contains "extent from the symbol" asm.txt "extent from its symbol"
# calls into a library go through PLT stubs, named as the symbolizer names
# them (main frees the image with free@plt)
"$HPPROF" annotate --asm j.db main >asm_main.txt || fail "annotate --asm main failed"
assert_contains "PLT call named" asm_main.txt "<free@plt>"

# Without the binary: one line that says so.
cp "$KDIR/hp-julia-stripped" ./gone
"$HPPROF" run -q -o g.db ./gone >/dev/null 2>&1 || fail "run failed"
rm -f gone
ghot=$(q g.db "SELECT function FROM function_profile ORDER BY self_samples DESC LIMIT 1")
"$HPPROF" annotate g.db "$ghot" >gone.out 2>gone.err && fail "annotate without the binary succeeded"
assert_contains "missing binary reported" gone.err "is not on this machine"

# The TUI: Enter on the stripped function opens its machine code, the
# hottest instruction marked '>'.
"$HPPROF" tui s.db --dump functions --keys '2<enter>' --width 120 --height 30 --no-color >tui.txt ||
	fail "tui --dump failed"
assert_contains "TUI code view" tui.txt "Code: $hot"
grep -E '^ *[0-9]+\.[0-9]+ .* [0-9a-f]+ > ' tui.txt >/dev/null || { cat tui.txt; fail "no '>' hot instruction"; }

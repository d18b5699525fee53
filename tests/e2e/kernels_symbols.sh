#!/bin/sh
# kernels_symbols.sh
# What other tests rely on: the functions named in kernels/README.md are real
# symbols with exactly that name (not inlined or cloned into .constprop/.isra),
# the HOT/ALLOC/LEAK/RSS marker comments exist in the sources, and the
# helper copies of julia are what their names say (stripped: no symbol
# table; static: no interpreter) and run.
set -u
src=${HP_SRC:?HP_SRC is not set}/kernels
bin=${HP_BUILD:?HP_BUILD is not set}/kernels
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# kernel: functions that must be symbols
while read -r kernel functions; do
	[ -n "$kernel" ] || continue
	syms=$(nm "$bin/hp-$kernel" 2>/dev/null | awk '$2 ~ /^[tT]$/ {print $3}')
	for f in $functions; do
		printf '%s\n' "$syms" | grep -qx "$f" || bad "hp-$kernel has no function symbol '$f'"
	done
done <<'LIST'
julia calculate_z
diffusion evolve step_lists roll centre combine stencil_fused stencil_colmajor rows_new rows_free
laplace sweep_loop sweep_jacobi sweep_colmajor grid_init
hashing lookup probe hash_bad hash_firstletter hash_perfect hash_fnv
memory stream_values materialize_values sum_values boxed_values sum_boxed contiguous_values leak_buffers grow_vector exact_vector
primes is_prime worker_loop
pi estimate_pi count_in_circle count_in_circle_locked
calib calib_a calib_b calib_c
forkexec parent_work
LIST

# file: markers that must each be on at least one line
while IFS='|' read -r file marker; do
	[ -n "$file" ] || continue
	grep -qF "/* $marker" "$src/$file" || bad "$file has no '/* $marker' marker"
done <<'LIST'
julia.c|HOT: escape loop */
julia.c|HOT: escape loop (cabs) */
diffusion.c|HOT: stencil */
diffusion.c|HOT: stencil (lists) */
diffusion.c|HOT: stencil (colmajor) */
diffusion.c|HOT: stencil sum */
diffusion.c|HOT: roll copy */
diffusion.c|ALLOC: temporary term */
diffusion.c|ALLOC: one row */
laplace.c|HOT: stencil */
laplace.c|HOT: stencil (jacobi) */
laplace.c|HOT: stencil (colmajor) */
hashing.c|HOT: probe loop */
hashing.c|HOT: key compare */
memory.c|LEAK: 4096 B per round, never freed */
memory.c|RSS: first touch of the list */
memory.c|ALLOC: one box per value */
memory.c|ALLOC: list_resize */
primes.c|HOT: trial division */
pi.c|HOT: dart loop */
pi.c|HOT: contended lock */
calib.c|HOT: calib_a */
calib.c|HOT: calib_b */
calib.c|HOT: calib_c */
LIST

# the leak kernel reports the line of its LEAK marker
line=$(grep -n "/\* LEAK:" "$src/memory.c" | cut -d: -f1)
"$bin/hp-memory" --variant leak | grep -q "from memory.c:$line OK" ||
	bad "hp-memory --variant leak does not report memory.c:$line"

if readelf -S "$bin/hp-julia-stripped" | grep -q '\.symtab'; then
	bad "hp-julia-stripped still has a .symtab"
fi
if readelf -l "$bin/hp-julia-static" | grep -q INTERP; then
	bad "hp-julia-static has a program interpreter"
fi
readelf -S "$bin/hp-julia" | grep -q '\.eh_frame_hdr' || bad "hp-julia has no .eh_frame_hdr"
for copy in julia-stripped julia-static; do
	"$bin/hp-$copy" --small | grep -q '^julia: checksum 334236 .* OK$' || bad "hp-$copy --small failed"
done

[ $fail -eq 0 ] && echo PASS
exit $fail

#!/bin/sh
# A shared-library call in a tight loop (tests/fixtures/names/plt_main.c):
# the samples in the PLT stub are "hp_plt_step@plt" of the program, never
# "_init" (the symbol before .plt), with the classic lazy PLT and with the
# IBT layout (.plt.sec). Truth: objdump's disassembly names the stubs.
. "$HP_SRC/tests/e2e/lib.sh"
command -v cc >/dev/null || skip "cc is not installed"
src=$HP_SRC/tests/fixtures/names
cc -O2 -shared -fPIC -o libhpplt.so "$src/plt_lib.c" || fail "cannot build the library"
cc -O2 -o plain "$src/plt_main.c" -L. -lhpplt -Wl,-rpath,"$T" || fail "cannot build plain"
cc -O2 -fcf-protection=full -o ibt "$src/plt_main.c" -L. -lhpplt -Wl,-rpath,"$T" \
	-Wl,-z,ibtplt || fail "cannot build ibt"
for prog in plain ibt; do
	objdump -d $prog | grep -q '<hp_plt_step@plt>:' || fail "$prog: objdump sees no stub"
	"$HPPROF" run -q -o $prog.db ./$prog 100000000 >/dev/null || fail "hpprof run $prog"
	stub=$(q $prog.db "SELECT self_samples FROM function_profile WHERE function = 'hp_plt_step@plt'
			   AND module = '$T/$prog'")
	assert_ge "$prog: samples in hp_plt_step@plt" "${stub:-0}" 1
	# A frame named _init must lie in its module's .init section (start-up
	# code really runs there, and a sample may land in it); one in .plt or
	# .plt.sec is a misnamed stub.
	q $prog.db "SELECT DISTINCT m.path, l.addr FROM locations l
		    JOIN location_frames lf ON lf.location_id = l.id
		    JOIN functions f ON f.id = lf.function_id JOIN modules m ON m.id = l.module_id
		    WHERE f.name = '_init'" | tr '|' ' ' >init_$prog.txt
	while read -r path addr; do
		# "[ 6] .init" is two fields, "[12] .init" one: drop the index first
		init=$(readelf -SW "$path" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
			awk '$1 == ".init" { print $3, $5 }')
		[ -n "$init" ] || fail "$prog: _init at $addr in $path, which has no .init section"
		set -- $init
		s=$((0x$1))
		in=0
		[ "$addr" -ge "$s" ] && [ "$addr" -lt $((s + 0x$2)) ] && in=1
		assert_eq "$prog: _init frame at $addr lies in $path's .init" "$in" 1
	done <init_$prog.txt
	note "$prog: $(wc -l <init_$prog.txt) _init locations, all in .init"
done
echo "PASS"

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
	assert_eq "$prog: samples in _init" \
		"$(q $prog.db "SELECT COALESCE(SUM(self_samples), 0) FROM function_profile WHERE function = '_init'")" 0
done
echo "PASS"

#!/bin/sh
# An installed hpprof finds its kernels (libexec/hpprof) and its allocation
# shim (lib/hpprof) relative to itself.
. "$HP_SRC/tests/e2e/lib.sh"
command -v cmake >/dev/null || skip "cmake is not installed"
cmake --install "$HP_BUILD" --prefix "$T/inst" >install.log 2>&1 || { cat install.log; fail "cmake --install"; }
H="$T/inst/bin/hpprof"
[ -x "$H" ] || fail "no installed hpprof"
"$H" kernels | grep -q "not built" && fail "installed kernels not found"
"$H" run -q -o k.db -k julia -- --small >out.txt || fail "installed: run -k julia"
assert_contains "installed kernel ran" out.txt "OK"
"$H" run -q --alloc -o a.db -k memory -- --variant leak >/dev/null || fail "installed: --alloc"
line=$(marker_lines "$HP_SRC/kernels/memory.c" "LEAK: 4096 B per round")
assert_eq "installed: leaked bytes" \
	"$(q a.db "SELECT leaked_bytes FROM alloc_sites WHERE line = $line")" 4096000
echo "PASS"

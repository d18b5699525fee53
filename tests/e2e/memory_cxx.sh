#!/bin/sh
# C++ allocations (wave 16): each `new` (plain, new[], nothrow, aligned)
# is an allocation site at the line of the new expression, with the calls
# made there by construction; no site, stack or callers-tree root is
# libstdc++'s operator new (the shim leaves its frames out, as heaptrack
# does: before, every C++ allocation of a run was one "operator new ??:0"
# site). When heaptrack is installed, its location of each site's calls
# (heaptrack_print's "MOST CALLS") is checked too.
. "$HP_SRC/tests/e2e/lib.sh"
command -v c++ >/dev/null || skip "no C++ compiler"
SRC="$HP_SRC/tests/fixtures/memory/cxx_new.cpp"
c++ -O2 -g -o cxx_new "$SRC" || fail "c++"
N=1000
"$HPPROF" run -q --alloc -o c.db ./cxx_new $N >out.txt || fail "--alloc run"
assert_contains "program ran" out.txt "cxx_new: $N"

# alloc_sites: the calls at each marked line, exactly
i=0
for site in PLAIN ARRAY NOTHROW ALIGNED; do
	line=$(marker_lines "$SRC" "SITE_$site")
	got=$(q c.db "SELECT SUM(allocs) FROM alloc_sites WHERE file LIKE '%cxx_new.cpp' AND line = $line")
	assert_eq "allocs at cxx_new.cpp:$line ($site)" "$got" "$((N + i))"
	i=$((i + 1))
done
opnew=$(q c.db "SELECT COUNT(*) FROM alloc_sites WHERE function LIKE 'operator new%'")
assert_eq "sites in operator new" "$opnew" 0

# every view of the stacks: no operator new frame left
"$HPPROF" export -f folded -w allocs c.db >f.txt || fail "export folded"
if grep -q 'operator new' f.txt; then grep 'operator new' f.txt | head -5; fail "operator new in a folded stack"; fi
"$HPPROF" report --memory c.db >mem.txt || fail "report --memory"
sed -n '/^Callers of the allocation sites/,/^$/p' mem.txt >callers.txt
if grep -q 'operator new' callers.txt; then cat callers.txt; fail "operator new in the callers tree"; fi
note "no operator new frame in sites, folded stacks, callers tree"

# heaptrack, when here, puts the same calls at the same lines (it leaves
# out the frames of operator new(unsigned long) and new[] only: a nothrow
# or aligned new is its own location there, with the line under it)
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null || { note "no heaptrack: not compared"; exit 0; }
heaptrack -o ht ./cxx_new $N >/dev/null 2>&1 || { note "heaptrack failed to run: not compared"; exit 0; }
heaptrack_print ht.* 2>/dev/null >ht.txt || fail "heaptrack_print"
for site in PLAIN ARRAY NOTHROW ALIGNED; do
	line=$(marker_lines "$SRC" "SITE_$site")
	# "N calls to allocation functions with ... from\nFUNC\n  at FILE:LINE",
	# or "N calls with ... from:\n    FUNC\n      at FILE:LINE" under new's
	calls=$(awk -v l="cxx_new.cpp:$line" '/^[0-9]+ calls (to allocation functions )?with/ { c = $1 }
		/^ *at / && substr($0, length($0) - length(l) + 1) == l && c != "" { print c; exit }
		/^$/ { c = "" }' ht.txt)
	got=$(q c.db "SELECT SUM(allocs) FROM alloc_sites WHERE file LIKE '%cxx_new.cpp' AND line = $line")
	assert_eq "heaptrack's calls at cxx_new.cpp:$line ($site)" "$calls" "$got"
done

#!/bin/sh
# Wave 24: under --alloc, a process image the preload library never
# reached has no allocation stream: a program started with `env -i` or
# by sudo (LD_PRELOAD gone from its environment), a static program, a
# program in a chroot without the library. hpprof used to say nothing:
# `hpprof run --alloc env -i python3 ...` reported env's 12 KB heap peak
# for a program that allocated 30 MB. It now counts such images (an exec
# perf reported, then no mapping of the library before the image ended)
# and names the first in a warning, run_info alloc_untracked and
# alloc_untracked_first, and the report's header.
# The truth: the fixture prints how many allocations it made.
. "$HP_SRC/tests/e2e/lib.sh"
cc -O2 -g -o small_allocs "$HP_SRC/tests/fixtures/memory/small_allocs.c" || fail "cc small_allocs"
cc -O2 -g -static -o small_static "$HP_SRC/tests/fixtures/memory/small_allocs.c" ||
	skip "cannot link a static program here (no libc.a)"
fact() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
# run NAME CMD: hpprof run --alloc sh -c CMD, its outputs in NAME.out/.err
run() {
	"$HPPROF" run --alloc -o "$1.db" sh -c "$2" >"$1.out" 2>"$1.err" ||
		{ cat "$1.err"; fail "$1: run failed"; }
	assert_contains "$1: the fixture ran" "$1.out" "small_allocs: allocs 200000"
}

# A: the library reaches the child: tracked, nothing said
run a ./small_allocs
assert_ge "a: allocations tracked (the fixture made 200000)" "$(fact a.db alloc_count)" 200000
assert_eq "a: no alloc_untracked" "$(fact a.db alloc_untracked)" ""
if grep -q "not tracked" a.err; then cat a.err; fail "a: run warned about a tracked image"; fi

# B: env -i drops LD_PRELOAD: said, named
run b "env -i ./small_allocs"
n=$(fact b.db alloc_count)
[ "${n:-0}" -lt 200000 ] || fail "b: $n allocations tracked: the fixture's were tracked after env -i?"
assert_eq "b: run_info alloc_untracked" "$(fact b.db alloc_untracked)" 1
assert_contains "b: run says it" b.err "allocations not tracked in 1 process image"
assert_contains "b: run names the image" b.err "small_allocs (pid "
"$HPPROF" report b.db >b.rep 2>&1 || fail "b: report failed"
assert_contains "b: the report's header says it" b.rep "note: allocations not tracked in 1 process image"
# the image before the exec (sh's) exec'd: it was not killed (wave 25;
# until then counted as "ended without exiting normally")
assert_not_contains "b: the exec'd image is not called killed" b.err "without exiting normally"

# C: a static program: no dynamic loader to preload anything
run c ./small_static
assert_eq "c: run_info alloc_untracked" "$(fact c.db alloc_untracked)" 1
assert_contains "c: run names the image" c.err "small_static (pid "
assert_not_contains "c: the exec'd image is not called killed" c.err "without exiting normally"

echo "PASS"

#!/bin/sh
# Wave 25: how a process image ended, under --alloc. The library's
# destructor says a process exited; _exit skips it, so every dash shell
# (Debian's /bin/sh ends with _exit) and every child ended with _exit was
# counted "ended without exiting normally (killed ...)": `hpprof run
# --alloc sh -c 'prog; true'` warned of a kill that never happened. And an
# image that exec'd into one the library did not reach (env -i) was
# counted so too. Now _exit is interposed (a vfork child, which shares its
# parent's stream, leaves it alone) and perf's exec records end the
# image's stream as exec'd. A process really killed is still said.
# The truth: the fixture (tests/fixtures/memory/exit_ways.c) ends the way
# it is told, and prints it.
. "$HP_SRC/tests/e2e/lib.sh"
cc -O2 -g -o exit_ways "$HP_SRC/tests/fixtures/memory/exit_ways.c" || fail "cc exit_ways"
# run NAME CMD: hpprof run --alloc sh -c CMD, its outputs in NAME.out/.err
run() {
	"$HPPROF" run --alloc -o "$1.db" sh -c "$2" >"$1.out" 2>"$1.err" ||
		{ cat "$1.err"; fail "$1: run failed"; }
}
WARN="ended without exiting normally"

# A: return from main, inside a dash shell that forks it and _exits itself
run a "./exit_ways exit; true"
assert_contains "a: the fixture ran" a.out "exit_ways: exit"
assert_not_contains "a: no kill said (dash's _exit, the fixture's exit)" a.err "$WARN"

# B: the fixture's own _exit
run b "./exit_ways _exit; true"
assert_contains "b: the fixture ran" b.out "exit_ways: _exit"
assert_not_contains "b: no kill said for _exit" b.err "$WARN"

# C: exec into an image without the library (env -i): exec'd, not killed
run c "env -i ./exit_ways exit; true"
assert_contains "c: the fixture ran" c.out "exit_ways: exit"
assert_not_contains "c: no kill said for the exec" c.err "$WARN"

# D: killed: said, once (the shell around it exits)
run d "sh -c 'kill -9 \$\$'; true"
assert_contains "d: the kill is said" d.err "1 process(es) $WARN (killed"

# E: a vfork child's _exit, then the parent killed: the kill is said
run e "./exit_ways vfork; true"
assert_contains "e: the fixture ran" e.out "exit_ways: vfork"
assert_contains "e: the kill after the vfork child's _exit is said" e.err "1 process(es) $WARN (killed"
echo "PASS"

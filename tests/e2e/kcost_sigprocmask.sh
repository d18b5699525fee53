#!/bin/sh
# hpprof's own rt_sigprocmask system calls (docs/performance.md, "Wave 15:
# hpprof's own kernel entries"). Debian's libunwind blocks every signal
# around each of its locks: two calls a lock, six or more for each
# function whose CFI it reads, two for each unw_step. hpprof's sigprocmask
# (collector/sigmask.c) answers those without a system call.
#
# The fixture (tests/fixtures/kcost/many_funcs.c) runs a chain of 64
# functions, each with its own FDE, so the unwinder reads >= 32 distinct
# CFI programs (checked: the functions in the profile): >= 192 calls in
# the old code, from the CFI reads alone, plus two per unw_step.
#
# The bound, by construction, for the hpprof process (all its threads, not
# the target's): what is left does not depend on samples or functions.
#   - glibc's pthread_create blocks all signals around clone and restores
#     them (2 in the creating thread), the new thread sets its mask when it
#     starts and blocks all when it exits (2): 4 per thread hpprof created
#     (counted from strace's clone/clone3 with CLONE_THREAD);
#   - fixed: hpprof.c unblocks SIGPIPE (1), glibc unblocks its internal
#     signals at the first pthread_create (1), and an allowance of 6 for
#     the launch and any library start-up (not seen here in 2026-12).
#   bound = 8 + 4 x threads.
. "$HP_SRC/tests/e2e/lib.sh"
MF=${1:?usage: kcost_sigprocmask.sh MANY_FUNCS}
command -v strace >/dev/null || skip "strace is not installed"
# strace itself must be allowed to trace (ptrace_scope, containers)
strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"

# An ASan build's LeakSanitizer refuses to run under ptrace: off for this run.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
strace -ff -qq -o st -e trace=rt_sigprocmask,execve,clone,clone3 \
	"$HPPROF" run -q -o mf.db "$MF" 0.6 >out.txt 2>err.txt || { cat err.txt; fail "hpprof run"; }
cg=$(q mf.db "SELECT value FROM run_info WHERE key = 'call_graph'")
[ "$cg" = dwarf ] || skip "samples not unwound by hpprof (call_graph = '$cg')"

# the fixture's premise: many distinct functions unwound through
funcs=$(q mf.db "SELECT COUNT(DISTINCT function) FROM function_profile
                 WHERE function GLOB 'f[0-7][0-7]'")
assert_ge "distinct chain functions in the profile" "$funcs" 32

# strace -ff writes one file per thread; the target's is the one that
# executed the fixture (its pre-exec child part included: not hpprof's).
calls=0 threads=0
for f in st.*; do
	grep -q "execve(\"$MF\"" "$f" && continue
	c=$(grep -c 'rt_sigprocmask(' "$f")
	t=$(grep 'clone' "$f" | grep -c CLONE_THREAD)
	calls=$((calls + c)) threads=$((threads + t))
done
note "hpprof created $threads threads"
assert_le "rt_sigprocmask calls of the hpprof process" "$calls" $((8 + 4 * threads))

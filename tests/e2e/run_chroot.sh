#!/bin/sh
# Wave 24: a program in a chroot names its files from its own root: perf's
# MMAP2 records carry "/tmp/.../prog" for what hpprof sees as
# "ROOT/tmp/.../prog". hpprof opened the name as it was: nothing there
# ("cannot read module"), or worse, a file of its own under that name,
# whose symbols it then gave the program (perf record does the same). The
# names are now read through the process's root (collector/procroot.c).
# The truth: the chrooted program spends its time in in_root_work; a file
# of the same code with that function named host_decoy_work sits at the
# same name outside the chroot and never runs.
. "$HP_SRC/tests/e2e/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to chroot"
command -v chroot >/dev/null 2>&1 || skip "chroot is not installed"
P="$HP_BUILD/tests/chroot_prog" D="$HP_BUILD/tests/chroot_decoy"
[ -x "$P" ] && [ -x "$D" ] || fail "chroot_prog or chroot_decoy is not built"
mkdir -p "root$T" && cp "$P" "root$T/prog" && cp "$D" "$T/prog" || fail "cannot set up the chroot"
chroot "$T/root" "$T/prog" 0 || skip "cannot run a static program in a chroot here"

"$HPPROF" run -o c.db chroot "$T/root" "$T/prog" 0.3 >out.txt 2>err.txt ||
	{ cat err.txt; fail "run failed"; }
if grep -q "cannot read module" err.txt; then cat err.txt; fail "a module of the chroot was not read"; fi
n=$(q c.db "SELECT value FROM run_info WHERE key = 'samples'")
# 0.3 s of CPU at 1 kHz: ~300 samples; 150 allows for steal time and the
# binomial error (~17)
assert_ge "samples" "$n" 150
assert_eq "the decoy outside the chroot named" "$(fn_rows c.db host_decoy_work)" 0
assert_ge "in_root_work, % of the program's samples" \
	"$(fn_share_in c.db in_root_work prog)" 90
mods=$(q c.db "SELECT COUNT(*) FROM modules WHERE path = '$T/root$T/prog'")
assert_eq "the program's module is its file in the chroot" "$mods" 1
# chroot(8) itself ran from our root: its own file, not one in the chroot
host=$(q c.db "SELECT COUNT(*) FROM modules WHERE path LIKE '%/chroot' AND path NOT LIKE '$T/%'")
assert_ge "chroot(8) from our root" "$host" 1
echo "PASS"

#!/bin/sh
# Wave 25: a program in another mount namespace with our root (unshare -m,
# a service's private /tmp, a container sharing the host's root) may run
# a file mounted there over a name that is another file, or none, in
# ours. hpprof named such a file from its own namespace: its decoy's
# symbols, or "cannot read module" and every sample [unknown] (perf
# record: raw addresses). Its files are now read through /proc/PID/root
# unless our name is the same file (device and inode), one name per
# namespace while a process of it runs; a process gone before its records
# were read is named through a live one of the same namespace; attaching
# reads /proc/PID/maps' names the same way.
# The truth: the program spends its time in in_root_work; a file of the
# same code with that function named host_decoy_work sits at the same
# name in our namespace and never runs.
. "$HP_SRC/tests/e2e/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to make a mount namespace"
command -v unshare >/dev/null 2>&1 || skip "unshare is not installed"
P="$HP_BUILD/tests/chroot_prog" D="$HP_BUILD/tests/chroot_decoy"
[ -x "$P" ] && [ -x "$D" ] || fail "chroot_prog or chroot_decoy is not built"
mkdir ns && cp "$D" ns/prog || fail "cannot place the decoy"
# in the namespace: a tmpfs over ns/, the program copied there
inns() { echo "mount -t tmpfs hp-ns $T/ns && cp $P $T/ns/prog && $1"; }
unshare -m sh -c "$(inns "$T/ns/prog 0")" || skip "cannot mount in a new mount namespace here"

# A: one process, 0.3 s of CPU
"$HPPROF" run -o a.db unshare -m sh -c "$(inns "$T/ns/prog 0.3")" >a.out 2>a.err ||
	{ cat a.err; fail "a: run failed"; }
assert_not_contains "a: its module read" a.err "cannot read module"
# ~300 samples; 150 allows for steal time and the binomial error (~17)
assert_ge "a: samples" "$(q a.db "SELECT value FROM run_info WHERE key = 'samples'")" 150
assert_eq "a: the decoy in our namespace named" "$(fn_rows a.db host_decoy_work)" 0
assert_ge "a: in_root_work, % of prog's samples" "$(fn_share_in a.db in_root_work prog)" 90
# libc is the same file in both: named as ours, valid after the run
assert_ge "a: libc under our name" \
	"$(q a.db "SELECT COUNT(*) FROM modules WHERE path LIKE '/usr/lib/%libc.so.6'")" 1

# B: 40 short-lived processes (5 ms of CPU each) of a shell that lives on
"$HPPROF" run -o b.db unshare -m sh -c \
	"$(inns "i=0; while [ \$i -lt 40 ]; do $T/ns/prog 0.005; i=\$((i+1)); done")" >b.out 2>b.err ||
	{ cat b.err; fail "b: run failed"; }
assert_eq "b: the decoy named" "$(fn_rows b.db host_decoy_work)" 0
assert_eq "b: one module for the program of 40 processes" \
	"$(q b.db "SELECT COUNT(*) FROM modules WHERE path LIKE '%/ns/prog'")" 1
# Its records are read in the loop's drains while the shell runs; those
# of the last processes may come after the shell's end: a few of 40 may
# stay unnamed. The program's time is ~200 ms of ~220: 60% allows for
# the shell's, steal time, and up to a quarter of them unnamed.
assert_ge "b: in_root_work total %" "$(fn_total_pct b.db in_root_work)" 60

# attached NAME CMD: CMD (a program that execs prog) in the background,
# attached for 0.3 s: its module read, the decoy never named, ~300
# samples all in in_root_work (90% allows for the attach's first and
# last moments)
attached() {
	unshare -m sh -c "$2" &
	bg=$!
	wait_exec "$bg" prog
	"$HPPROF" run -p "$bg" --duration 0.3 -o "$1.db" >"$1.out" 2>"$1.err" ||
		{ kill "$bg"; cat "$1.err"; fail "$1: run -p failed"; }
	kill "$bg"
	assert_not_contains "$1: its module read" "$1.err" "cannot read module"
	assert_eq "$1: the decoy named" "$(fn_rows "$1.db" host_decoy_work)" 0
	assert_ge "$1: in_root_work, % of prog's samples" "$(fn_share_in "$1.db" in_root_work prog)" 90
}

# C: attaching (run -p): the names of /proc/PID/maps are the process's own
# too (they were not translated: every sample [unknown])
attached c "$(inns "exec $T/ns/prog 30")"

# D: attaching to a program chrooted inside the namespace: /proc/PID/maps
# names its files from the namespace's root ("$T/ns/root/prog"), its own
# records from its root ("/prog"); the decoy sits at the first name here
command -v chroot >/dev/null 2>&1 || skip "chroot is not installed (cases A-C passed)"
mkdir -p ns/root && cp "$D" ns/root/prog || fail "d: cannot place the decoy"
attached d "mount -t tmpfs hp-ns $T/ns && mkdir $T/ns/root && cp $P $T/ns/root/prog &&
	exec chroot $T/ns/root /prog 30"
echo "PASS"

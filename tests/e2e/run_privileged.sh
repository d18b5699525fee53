#!/bin/sh
# Wave 24: a program whose exec raises its privileges (set-user-ID,
# set-group-ID, file capabilities) is not sampled: the kernel removes every
# perf event from it at that exec (perf_event_exit_task in fs/exec.c, when
# the new image is not dumpable), even as root for a set-group-ID program
# (Debian's chage and expiry are set-group-ID shadow). hpprof used to write
# an empty profile and say nothing (perf record does the same); it now
# says which process, why, and what to do, in run's output, run_info and
# the report's header, and records no end for the process it lost; stat
# shows such a run's counts as not counted instead of ~0.
# The truth: the fixture prints its real and effective ids, so whether its
# exec raised its privileges is known by construction.
. "$HP_SRC/tests/e2e/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to make set-ID copies owned by other users"
command -v setpriv >/dev/null 2>&1 || skip "setpriv is not installed"
F="$HP_BUILD/tests/setid_spin"
[ -x "$F" ] || fail "setid_spin is not built"
if findmnt -n -o OPTIONS -T "$T" 2>/dev/null | tr ',' '\n' | grep -qx nosuid; then
	skip "$T is on a nosuid mount: set-ID bits have no effect there"
fi
[ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/self/status)" = 0 ] ||
	skip "no_new_privs is set: set-ID bits have no effect"
nobody_copy "$F"
chmod 1777 "$T/nb"
cp "$F" sg && chgrp 65534 sg && chmod 2755 sg || fail "cannot make a set-group-ID copy"
cp "$F" su && chown 65534 su && chmod 4755 su || fail "cannot make a set-user-ID copy"
cp "$F" sr && chmod 4755 sr || fail "cannot make a set-user-ID root copy"
cp "$F" plain
cp "$F" "$T/nb/sr" && chmod 4755 "$T/nb/sr" || fail "cannot make nobody's set-user-ID root copy"

# run NAME DB PROGRAM...: hpprof run, its stdout in NAME.out, stderr in NAME.err
run() {
	name=$1 db=$2
	shift 2
	"$HPPROF" run -o "$db" "$@" >"$name.out" 2>"$name.err" || { cat "$name.err"; fail "$name: run failed"; }
}
fact() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
# raised NAME DB PROGRAM WHY TRUTH: the run says PROGRAM was lost, and why
raised() {
	assert_contains "$1: the program's ids (its exec raised them)" "$1.out" "$5"
	assert_contains "$1: run names the process" "$1.err" "$3 (pid "
	assert_contains "$1: run says why" "$1.err" "$4"
	assert_contains "$1: run says what happened" "$1.err" "raised its privileges at its exec"
	assert_contains "$1: run says what to do" "$1.err" "profile a copy of the program (cp drops set-ID bits"
	assert_eq "$1: run_info privileged_execs" "$(fact "$2" privileged_execs)" 1
	"$HPPROF" report "$2" >"$1.rep" 2>&1 || fail "$1: report failed"
	assert_contains "$1: the report's header says it" "$1.rep" \
		"note: 1 process raised its privileges at its exec and was not sampled after it"
}

# A: set-group-ID, as root: the kernel removes the events all the same
run a a.db ./sg
raised a a.db sg "set-group-ID" "uid=0 euid=0 gid=0 egid=65534"
assert_eq "a: samples" "$(fact a.db samples)" 0

# B: set-user-ID to another user, as root
run b b.db ./su
raised b b.db su "set-user-ID, owner nobody" "uid=0 euid=65534"

# C: a child of the program: the lost one is named, the others sampled;
# the lost one has no end (it ran on unseen)
run c c.db sh -c './sg 0.1; ./plain 0.2'
assert_eq "c: run_info privileged_execs" "$(fact c.db privileged_execs)" 1
assert_contains "c: run names the child" c.err "sg (pid "
pg=$(q c.db "SELECT pid FROM processes WHERE comm = 'sg'")
pp=$(q c.db "SELECT pid FROM processes WHERE comm = 'plain'")
[ -n "$pg" ] && [ -n "$pp" ] || fail "c: processes sg ($pg) and plain ($pp) not both recorded"
assert_eq "c: the lost process has no end" "$(q c.db "SELECT COUNT(*) FROM processes
	WHERE pid = $pg AND end_ns IS NULL")" 1
# plain spins 0.2 s of CPU at 1 kHz: ~200 samples; at least half (the
# binomial error of 200 is ~14; the rest allows for the VM's steal time)
n=$(q c.db "SELECT COUNT(*) FROM samples s WHERE $(pid_cond "$pp")")
assert_ge "c: samples of the plain child" "$n" 100

# D: set-user-ID root run by root raises nothing: sampled, nothing said
run d d.db ./sr
assert_contains "d: the program's ids" d.out "uid=0 euid=0"
assert_ge "d: samples" "$(fact d.db samples)" 100
assert_eq "d: no privileged_execs" "$(fact d.db privileged_execs)" ""
if grep -q "privileges" d.err; then cat d.err; fail "d: run warned about an exec that raised nothing"; fi

# F: stat (counting, no ring) sees it from the program's rusage: its
# counts are not shown rather than ~0 (task-clock 0.01 ms of 200)
"$HPPROF" stat ./sg >f.out 2>f.err || { cat f.err; fail "f: stat failed"; }
assert_contains "f: stat says why" f.err "set-group-ID"
assert_contains "f: stat says the counts are not shown" f.err "counts are not shown"
grep -q "<not counted> *task-clock" f.err || { cat f.err; fail "f: task-clock shown as a count"; }
"$HPPROF" stat ./sr >g.out 2>g.err || { cat g.err; fail "g: stat failed"; }
grep -q "msec task-clock" g.err || { cat g.err; fail "g: task-clock of a set-user-ID root copy run by root not counted"; }
if grep -q "counts are not shown" g.err; then cat g.err; fail "g: stat warned about an exec that raised nothing"; fi

# E: set-user-ID root run by nobody (perf_event_paranoid 2 lets a user
# profile its own programs)
setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_HPPROF" run -o "$T/nb/e.db" "$T/nb/sr" \
	>e.out 2>e.err || { cat e.err; fail "e: run as nobody failed"; }
if grep -q "perf events are unavailable\|preload agent" e.err; then
	skip "perf events are not available to nobody here"
fi
raised e "$T/nb/e.db" sr "set-user-ID, owner root" "uid=65534 euid=0"
echo "PASS"

#!/bin/sh
# python_probes.sh CASE - when `hpprof run` of a launched program looks
# for a Python runtime in it (pyremote.h: a program that is not python*
# may exec into Python, or map libpython later).
#
#   native   embed_late with no argument: 1 s of native CPU time, no
#            Python ever. Its maps are read once (--debug=run:1 prints the
#            probes), not again on a timer (until wave 11 every 250 ms: 5
#            reads and more in a 1 s run, ~10% of the collector's record
#            handling for the julia kernel)
#   latelib  embed_late LIBPYTHON: 0.4 s native (probed at its first
#            sample: no Python), then it dlopens libpython3.11 and runs
#            late_spin for 0.6 s. The mapping's MMAP2 record makes hpprof
#            probe it again: late_spin is named in its samples (at least
#            half of the ~600 expected: the frames are read after the
#            fact, and samples whose frames moved are left unmerged)
. "$(dirname "$0")/lib.sh"
CASE=${1:?case}
FX="$HP_SRC/tests/fixtures/python"
cc -O1 -o embed_late "$FX/embed_late.c" -ldl || fail "cannot compile embed_late.c"
case "$CASE" in
native)
	"$HPPROF" --debug=run:1 run -q -F 1000 -o n.db ./embed_late >n.out 2>n.err ||
		{ cat n.err >&2; fail "hpprof run failed"; }
	probes=$(sed -n 's/.*Python runtime probes: \([0-9]*\).*/\1/p' n.err)
	[ -n "$probes" ] || { cat n.err >&2; fail "no 'Python runtime probes' line on stderr"; }
	lost=$(q n.db "SELECT value FROM run_info WHERE key = 'lost_samples'")
	samples=$(q n.db "SELECT value FROM run_info WHERE key = 'samples'")
	note "samples $samples, lost $lost, probes $probes"
	assert_ge "samples" "$samples" 300
	if [ "$lost" = 0 ]; then
		assert_eq "Python runtime probes of a program that maps no Python" "$probes" 1
	else
		# lost records may have held a mapping: each LOST record
		# makes every "no Python" stale (pyremote_mapped)
		note "records were lost: probes not checked"
	fi
	;;
latelib)
	LIB=/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0
	[ -r "$LIB" ] || skip "no $LIB (Debian's libpython3.11)"
	"$HPPROF" --debug=run:1 run -q -F 1000 -o l.db ./embed_late "$LIB" >l.out 2>l.err ||
		{ cat l.err >&2; fail "hpprof run failed"; }
	probes=$(sed -n 's/.*Python runtime probes: \([0-9]*\).*/\1/p' l.err)
	n=$(q l.db "SELECT COALESCE(SUM(total_samples), 0) FROM function_profile
		WHERE function = 'late_spin'")
	note "probes $probes; samples with late_spin: $n"
	# ~600 samples ran in it: at least half named (merging after the
	# fact leaves some unmerged; measured 95%+)
	assert_ge "samples naming late_spin" "$n" 300
	;;
*) fail "unknown case $CASE" ;;
esac
echo "PASS"

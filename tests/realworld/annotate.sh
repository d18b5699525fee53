#!/bin/sh
# hpprof annotate against perf on one execution both sample (docs/realworld.md,
# "Wave 18: stat and annotate on real programs"): the hottest function's
# instructions and lines and their shares (annotate_check.py).
#   $1 = xz     liblzma (stripped: machine code, perf report per address)
#        gzip   gzip itself (a stripped PIE executable)
#        c      a C program built here with gcc -O2 -g (source lines and
#               --asm against perf annotate --stdio)
#        cxx    tests/fixtures/rwlang/cxx built with g++ -O2 -g: the names
#               report cuts to fit ("std::__unguarded_partition<__norma..")
#               annotated as a user copies them (no peer: perf names the
#               inlined code by the function it is inlined into)
. "$HP_SRC/tests/realworld/lib.sh"
rw_need perf linux-perf
perf record -q -e cpu-clock -o "$T/probe.data" -- true >/dev/null 2>&1 ||
	skip "perf record cannot sample here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
FN=
case ${1:-} in
xz) rw_need xz xz-utils; rw_gen text input.txt 2
	MOD=$(ldd "$(command -v xz)" | sed -n 's/.*=> \(.*liblzma[^ ]*\) .*/\1/p')
	MOD=$(readlink -f "$MOD")
	set -- xz -6 -T1 -c input.txt ;;
gzip) rw_need gzip gzip; rw_gen text input.txt 8
	MOD=$(readlink -f "$(command -v gzip)")
	set -- gzip -9 -c input.txt ;;
c) rw_need gcc gcc; rw_need nm binutils
	rw_step build gcc -O2 -g -o hotlines "$HP_SRC/tests/fixtures/rwlang/c/hotlines.c"
	MOD=$T/hotlines
	FN=$(nm hotlines | awk '$3 ~ /^mix(\.|$)/ { print $3; exit }')
	[ -n "$FN" ] || fail "no symbol for mix in hotlines"
	set -- ./hotlines 200000000 ;;
cxx) rw_need g++ g++
	rw_step build g++ -O2 -g -o work "$HP_SRC/tests/fixtures/rwlang/cxx/work.cpp"
	rw_step run "$HPPROF" run -q -F "$FREQ" -o cx.db -- ./work 30
	"$PY" "$RW/annotate_check.py" cut --db cx.db --hpprof "$HPPROF" ||
		fail "names cut by report are not annotated (the checks marked FAIL above)"
	echo "PASS"
	exit 0 ;;
*) fail "unknown program '${1:-}'" ;;
esac
note "target: $* (module $MOD)"
# one execution, both samplers at the same rate; perf needs no stacks here
rw_step same perf record -q -e cpu-clock -F "$FREQ" -o same.data -- \
	"$HPPROF" run -q --python off -F "$FREQ" -o same.db -- "$@"
if [ "$FN" != "" ] && [ "$FN" != mix ]; then
	# a new user names the function of the source; GCC's copy is what ran
	"$HPPROF" annotate same.db mix >/dev/null 2>clone.err && fail "annotate mix printed a listing"
	cat clone.err
	grep -q "'$FN'" clone.err || fail "annotate mix does not name the copy '$FN' that ran"
fi
"$PY" "$RW/annotate_check.py" --perf same.data --db same.db --hpprof "$HPPROF" \
	--module "$MOD" ${FN:+--function "$FN"} ||
	fail "hpprof annotate and perf disagree on $1 (the checks marked FAIL above)"
echo "PASS"

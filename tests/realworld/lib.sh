# Shared part of the realworld CPU tests (sourced): hpprof against perf on
# programs nobody here wrote (docs/realworld.md; memory: memory_lib.sh).
#   env from CTest: HPPROF (the binary), HP_SRC (source tree)
# A test generates its input, optionally defines rw_reset (restores what a
# run changed), then calls rw_cpu with the target command.
set -u
: "${HPPROF:?HPPROF must point at the hpprof binary}"
: "${HP_SRC:?HP_SRC must point at the source tree}"
RW="$HP_SRC/tests/realworld"
PY=/usr/bin/python3          # Debian's: the comparison uses no pip package
T=$(mktemp -d "${TMPDIR:-/tmp}/hpprof-rw.XXXXXX")
# RW_KEEP=1 keeps the directory (data files of both tools) for a look; a
# failed test keeps it too (fail), so that a one-off failure of a CI run
# can be read afterwards (CI run 109: realworld_rust_legacy's databases
# were gone with the directory).
rw_cleanup() { [ -n "${RW_KEEP:-}${RW_FAILED:-}" ] || rm -rf "$T"; }
[ -z "${RW_KEEP:-}" ] || echo "# files kept in $T"
trap rw_cleanup EXIT
cd "$T" || exit 1

# Samples per second for both tools. Above hpprof's default of 1000 to make
# the binomial term of the tolerances smaller (compare.py), below the rate
# at which perf's 8 KiB stack copies start to cost the target visibly.
FREQ=2000

# The programs see a fixed, neutral environment.
export LC_ALL=C HOME="$T" GIT_CONFIG_NOSYSTEM=1 PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1

fail() { RW_FAILED=1; echo "FAIL: $*" >&2; echo "# files kept in $T" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
note() { echo "# $*"; }

# rw_need COMMAND PACKAGE: skip (77) when a program is missing.
rw_need() {
	[ -x "$1" ] || command -v "$1" >/dev/null 2>&1 ||
		skip "$1 is not installed (Debian package $2, scripts/install-deps.sh)"
}

rw_need "$PY" python3
rw_need readelf binutils
rw_need c++filt binutils

rw_gen() { "$PY" "$RW/gen.py" "$@" || fail "gen.py $*"; }
rw_reset() { :; }

# rw_step NAME CMD...: run CMD with stdout in NAME.out and stderr in
# NAME.err; on failure show the end of NAME.err and fail with the status.
rw_step() {
	step=$1
	shift
	"$@" >"$step.out" 2>"$step.err" && return 0
	rc=$?
	tail -5 "$step.err" >&2
	fail "$step: '$*' exited $rc"
}

# rw_alone CMD [ARGS...]: perf, hpprof and perf again, each alone.
rw_alone() {
	rw_reset
	rw_step perf perf record -q -e cpu-clock -F "$FREQ" --call-graph dwarf -o alone.data -- "$@"
	rw_reset
	rw_step hpprof "$HPPROF" run --python off -F "$FREQ" -o alone.db -- "$@"
	rw_reset    # perf again after hpprof: the program's own drift between runs
	rw_step perf2 perf record -q -e cpu-clock -F "$FREQ" --call-graph dwarf -o alone2.data -- "$@"
}

# rw_cpu CMD [ARGS...]: four runs of CMD, then compare.py cpu.
#   same:  perf record --call-graph dwarf -- hpprof run CMD (one execution
#          seen by both: user-space symbol shares)
#   alone: perf record --call-graph dwarf -- CMD, hpprof run CMD, and perf
#          again (kernel share and complete stacks, without the other tool;
#          perf's two runs bracket hpprof's and measure the drift)
# hpprof runs with --python off: these compare native profiles, and a
# Python target would otherwise be sampled by the agent with Python frames
# (no kernel samples; docs/python.md), which perf cannot check.
rw_cpu() {
	rw_need perf linux-perf
	perf record -q -e cpu-clock -o "$T/probe.data" -- true >/dev/null 2>&1 ||
		skip "perf record cannot sample here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
	note "target: $*"
	rw_reset
	rw_step same perf record -q -e cpu-clock -F "$FREQ" --call-graph dwarf -o same.data -- \
		"$HPPROF" run -q --python off -F "$FREQ" -o same.db -- "$@"
	# the separate runs' kernel share moves with the machine: a burst of
	# it during hpprof's run alone (realworld_rust_legacy beside a CPU loop
	# and a chroot's make test: perf 5.4% and 6.0%, hpprof 20.4%; 0.5-3.3%
	# in 7 runs after) is not hpprof's, a difference hpprof makes shows
	# again: on a disagreement the three separate runs are made once more,
	# and both brackets must disagree for the test to fail
	for try in 1 2; do
		rw_alone "$@"
		"$PY" "$RW/compare.py" cpu --same-perf same.data --same-db same.db \
			--alone-perf alone.data --alone-perf2 alone2.data --alone-db alone.db \
			--alone-log hpprof.err && break
		[ "$try" = 1 ] || fail "hpprof and perf disagree on $1 (the checks marked FAIL above), twice"
		note "hpprof and perf disagree on $1 (above): the separate runs once more"
	done
	# RW_NAMES=MODULE (the language tests): none of MODULE's functions is
	# shown mangled or with a Rust hash (RW_NAMES_TOP=N: nor any of the N
	# functions with the most samples, even where c++filt fails too)
	[ -z "${RW_NAMES:-}" ] || "$PY" "$RW/names_check.py" alone.db "$RW_NAMES" \
		${RW_NAMES_TOP:+--top "$RW_NAMES_TOP"} ||
		fail "mangled names left in $RW_NAMES"
	echo "PASS"
}

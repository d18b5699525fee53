# Shared part of the realworld memory tests (sourced): hpprof run --alloc
# and heaptrack on the same command, then memory_check.py (issue 13).
#   env from CTest: HPPROF (the binary), HP_SRC (source tree)
set -u
: "${HPPROF:?HPPROF must point at the hpprof binary}"
: "${HP_SRC:?HP_SRC must point at the source tree}"
PY=/usr/bin/python3          # Debian's: the checker uses no pip package
T=$(mktemp -d "${TMPDIR:-/tmp}/hpprof-rwmem.XXXXXX")
# RW_KEEP=1 keeps the directory (both tools' files) for a look; a failed
# test keeps it too (fail), as lib.sh's do. rw_cleanup is lib.sh's too:
# tui_xz.sh's trap calls it (it was not defined here, and that test's
# directory stayed behind after every run).
rw_cleanup() { [ -n "${RW_KEEP:-}${RW_FAILED:-}" ] || rm -rf "$T"; }
[ -z "${RW_KEEP:-}" ] || echo "# files kept in $T"
trap rw_cleanup EXIT
cd "$T" || exit 1
export LC_ALL=C HOME="$T" PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
export _=/usr/bin/env        # the same for both tools' targets (dash leaves it alone)

fail() { RW_FAILED=1; echo "FAIL: $*" >&2; echo "# files kept in $T" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
note() { echo "# $*"; }

need() {  # need COMMAND PACKAGE
	[ -x "$1" ] || command -v "$1" >/dev/null 2>&1 ||
		skip "$1 is not installed (Debian package $2, scripts/install-deps.sh)"
}
need "$PY" python3
need heaptrack heaptrack
need heaptrack_print heaptrack
need zstdcat zstd
need ldd libc-bin
need setarch util-linux
# Both tools run the program with address space randomization off: a
# program whose allocations depend on its addresses (python's dicts of
# objects hashed by address) then allocates the same in both runs.
NORAND="setarch $(uname -m) -R"
$NORAND true 2>/dev/null || skip "setarch -R is refused here (personality)"

# mem_compare RESET CMD ARGS...: RESET (a shell command) restores what a
# run changes; both tools run CMD once each. PEAK_ALLOWANCE (a fraction,
# default 0: equal) lets the heap peaks differ and TEMP_ALLOWANCE (a count,
# default 0) the temporary allocations, for a program that says why.
# What the hpprof run said, for a failure that does not come back (CI run
# 38: 18,611 of ~2M calls recorded, "no event dropped", not reproduced in
# 11 runs): the program's output, hpprof's messages, the run's facts.
mem_evidence() {
	echo "# the end of the program's output under hpprof:"; tail -c 300 hpprof.out | cat -v; echo
	echo "# hpprof's messages:"; tail -20 hpprof.err
	echo "# run_info:"
	sqlite3 alloc.db "SELECT key || ' = ' || substr(value, 1, 160) FROM run_info
		WHERE key LIKE 'alloc%' OR key LIKE '%exit%' OR key LIKE '%lost%'
		OR key IN ('duration_ns', 'processes', 'preload_env')"
	sqlite3 alloc.db "SELECT 'processes: ' || count(*) FROM processes"
	if [ -s dirs.txt ]; then   # memory_python3.sh's RESET: what python lists
		echo "# the directories python lists, digest before each tool's run (hpprof, heaptrack):"
		cat dirs.txt
	fi
}

mem_compare() {
	reset=$1
	shift
	shim="$(dirname "$HPPROF")/libhpprof_alloc.so"
	[ -e "$shim" ] || fail "no $shim beside $HPPROF"
	note "target: $*"
	eval "$reset"
	# --python off: the allocation tracker alone, as for any program
	$NORAND "$HPPROF" run -q --alloc --python off -o alloc.db -- "$@" >hpprof.out 2>hpprof.err ||
		{ tail -5 hpprof.err >&2; fail "hpprof run --alloc exited $?"; }
	eval "$reset"
	# The environment: hpprof adds two variables to the target's (its
	# preload library and stream directory, run_info preload_env), and a
	# program may copy its environment at start-up (python's os.environ
	# does: allocations of their sizes). heaptrack's target gets two of
	# the same sizes, so both tools see the same program: LD_PRELOAD itself
	# cannot be one (it would load the library), HP_PRELOAD has its length.
	envs=$(sqlite3 alloc.db "SELECT value FROM run_info WHERE key = 'preload_env'")
	[ -n "$envs" ] || fail "run_info has no preload_env"
	note "hpprof's variables in the target: $(echo "$envs" | cut -d= -f1 | paste -sd' ' -)"
	dir=$(echo "$envs" | sed -n 's/^HPPROF_ALLOC_DIR=//p')
	pre=$(echo "$envs" | sed -n 's/^LD_PRELOAD=//p')
	[ "$(echo "$envs" | wc -l)" -eq 2 ] || fail "expected 2 variables in preload_env: $envs"
	HPPROF_ALLOC_DIR=$dir HP_PRELOAD=$pre $NORAND heaptrack -o "$T/heaptrack" "$@" \
		>heaptrack.out 2>heaptrack.err || { tail -5 heaptrack.err >&2; fail "heaptrack exited $?"; }
	[ -e heaptrack.zst ] || fail "heaptrack wrote no heaptrack.zst"
	"$PY" "$HP_SRC/tests/realworld/memory_check.py" --db alloc.db --heaptrack heaptrack.zst \
		--shim "$shim" --target "$(command -v "$1")" --peak-allowance "${PEAK_ALLOWANCE:-0}" --temp-allowance "${TEMP_ALLOWANCE:-0}" ||
		{ mem_evidence; fail "hpprof and heaptrack disagree on $1 (the checks marked FAIL above)"; }
	echo "PASS"
}

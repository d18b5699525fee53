# Shared helpers for the shell tests (sourced). Env from CTest:
#   HPPROF  the hpprof binary    HP_SRC  source tree    HP_BUILD  build tree
set -u
: "${HPPROF:?HPPROF must point at the hpprof binary}"
KDIR="$HP_BUILD/kernels"
T=$(mktemp -d "${TMPDIR:-/tmp}/hpprof-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
note() { echo "# $*"; }

# q DB SQL: one value (or rows) from sqlite3
q() { sqlite3 -batch -noheader "$1" "$2"; }

# assert_ge NAME VALUE MIN   (floating point)
assert_ge() {
	awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 >= m + 0) }' ||
		fail "$1 = $2, expected >= $3"
	note "$1 = $2 (>= $3)"
}
assert_le() {
	awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 <= m + 0) }' ||
		fail "$1 = $2, expected <= $3"
	note "$1 = $2 (<= $3)"
}
assert_eq() {
	[ "$2" = "$3" ] || fail "$1 = '$2', expected '$3'"
	note "$1 = $2"
}
assert_contains() {  # assert_contains NAME FILE TEXT
	grep -q -- "$3" "$2" || { cat "$2" >&2; fail "$1: '$3' not found"; }
}

need_kernel() {
	[ -x "$KDIR/hp-$1" ] || fail "kernel hp-$1 is not built ($KDIR)"
}

# Line numbers of a source file that carry a marker comment, as "a,b,c".
marker_lines() {
	grep -n -- "$2" "$1" | cut -d: -f1 | paste -sd, -
}

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (scripts/install-deps.sh)"

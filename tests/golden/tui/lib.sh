# lib.sh - shared by the TUI golden scripts (sourced after `set -eu`, with
# here="$HP_SRC/tests/golden/tui"): the scratch directory, the run cut short
# for the diff views, and the comparison with the golden file.

command -v sqlite3 >/dev/null 2>&1 || { echo "skip: the sqlite3 shell is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# golden_cut DB NS: DB as if its run had ended at NS ns (the samples and
# memory readings after it dropped, run_info's duration NS).
golden_cut() {
	sqlite3 "$1" "DELETE FROM samples WHERE t_ns >= $2;
		DELETE FROM memory WHERE t_ns >= $2;
		UPDATE meta SET value = '$2' WHERE key = 'duration_ns'"
}

# golden_check NAME OUT: OUT must equal NAME.txt; HP_REGEN=1 rewrites it.
golden_check() {
	if [ -n "${HP_REGEN-}" ]; then
		cp "$2" "$here/$1.txt"
		echo "regenerated $here/$1.txt"
		exit 0
	fi
	if ! diff -u "$here/$1.txt" "$2"; then
		echo "FAIL: '$1' differs from tests/golden/tui/$1.txt (HP_REGEN=1 to accept)"
		exit 1
	fi
}

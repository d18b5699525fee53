#!/bin/sh
# A closed pipe is not an error: when the reader of stdout is gone, hpprof
# exits 0 without a word (git and perf do the same), for every command that
# writes a product on stdout. Deterministic: stdout is a pipe whose read end
# is closed before hpprof starts, so its first write fails with EPIPE. Then
# the shell case, `hpprof ... | head -1` with pipefail, and a write error that
# is a real one (/dev/full) to show errors are still reported.
. "$HP_SRC/tests/e2e/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"
sh "$HP_SRC/tests/golden/fixture.sh" load julia-small f.db || fail "cannot build the fixture database"

# closed_pipe NAME CMD...: run CMD with stdout a pipe nobody reads; prints
# "STATUS STDERR-BYTES" (the status as the shell reports it: 128+N if killed).
closed_pipe() {
	python3 - "$@" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
status = p.returncode if p.returncode >= 0 else 128 - p.returncode
sys.stdout.write("%d %d\n" % (status, len(p.stderr)))
sys.stderr.buffer.write(p.stderr)
PY
}

check() {  # check NAME CMD...
	name=$1
	shift
	got=$(closed_pipe "$@" 2>err.txt)
	[ "$got" = "0 0" ] || { cat err.txt; fail "$name into a closed pipe: status and stderr bytes '$got', expected '0 0'"; }
	note "$name into a closed pipe: exit 0, silent"
}

check "report" "$HPPROF" report f.db
check "report --format json" "$HPPROF" report --format json f.db
check "report --memory" "$HPPROF" report --memory f.db
check "diff" "$HPPROF" diff f.db f.db
check "export to stdout" "$HPPROF" export f.db --format folded
check "export json to stdout" "$HPPROF" export f.db --format json
check "annotate" "$HPPROF" annotate f.db calculate_z
check "list" "$HPPROF" list
check "kernels" "$HPPROF" kernels
check "--help" "$HPPROF" --help
check "report --help" "$HPPROF" report --help
check "run --help" "$HPPROF" run --help      # run goes on after a closed stdout (wave 20)
check "merge --help" "$HPPROF" merge --help

# A verdict decided before the reader went away is kept: diff --fail-if
# whose condition holds exits 3 into a closed pipe too (a CI job piping the
# diff through head must still see the regression). g.db: half the samples
# of f.db, so its CPU time is ~50% lower and 'total<-10%' holds.
cp f.db g.db
sqlite3 g.db "DELETE FROM samples WHERE event = 0 AND rowid % 2 = 0" || fail "cannot make g.db"
got=$(closed_pipe "$HPPROF" diff --fail-if 'total<-10%' f.db g.db 2>err.txt)
[ "${got% *}" = 3 ] || { cat err.txt; fail "diff --fail-if into a closed pipe: status '$got', expected 3"; }
note "diff --fail-if (condition met) into a closed pipe: exit 3"
got=$(closed_pipe "$HPPROF" diff --fail-if 'total>+10%' f.db g.db 2>err.txt)
[ "${got% *}" = 0 ] || { cat err.txt; fail "diff --fail-if (not met) into a closed pipe: status '$got'"; }
note "diff --fail-if (condition not met) into a closed pipe: exit 0"

# The shell's view, with hpprof's own status (pipefail): 0 and silent.
command -v bash >/dev/null || skip "bash is not installed"
for args in "report -n 0 f.db" "export f.db --format json" "list"; do
	bash -c 'set -o pipefail; "$1" $2 2>err.txt | head -1 >/dev/null' sh "$HPPROF" "$args" ||
		{ cat err.txt; fail "hpprof $args | head -1: pipeline status $?"; }
	[ -s err.txt ] && { cat err.txt; fail "hpprof $args | head -1: wrote on stderr"; }
	note "hpprof $args | head -1: exit 0, silent"
done

# A full disk is still an error: EPIPE alone is forgiven.
# (annotate exited 0 and list 1 without a word before wave 8; kernels,
# --help and --version exited 0 without a word before w8-fixes)
if [ -w /dev/full ]; then
	for args in "report f.db" "annotate f.db calculate_z" "list" "diff f.db f.db" \
		"export f.db --format folded" "kernels" "--help" "--version" "report --help"; do
		"$HPPROF" $args >/dev/full 2>err.txt && fail "$args >/dev/full exited 0"
		assert_contains "$args >/dev/full" err.txt "cannot"
	done
fi
echo "PASS"

#!/bin/sh
# Golden outputs of `hpprof diff` between two MPI jobs (docs/mpi.md, "diff"):
# the rank comparison's text layout (after the ordinary diff, and alone with
# --ranks), its JSON and the TUI's ranks view of a --diff session (--dump),
# compared byte for byte with tests/golden/ranks/*.expected.
# HP_REGEN=1 rewrites the expectations instead.
#
# The jobs are made from the rows of the export fixture (fixture.sh load
# export): each rank is a copy of it with the run_info an MPI rank has
# (mpi_rank, mpi_size 4, mpi_job), its worker thread's samples thinned by a
# rule of its own so that the ranks differ, and cold_loop renamed
# MPI_Allreduce so that part of every rank's samples is MPI time. Job "a"
# (before) keeps all of rank 0's samples and a third of the worker's on the
# other ranks; job "b" (after) half of the worker's on every rank, one rank
# a little less. Each job is merged with `hpprof merge`.
# env: HPPROF, HP_SRC, HP_BUILD
set -u
command -v sqlite3 >/dev/null 2>&1 ||
	{ echo "SKIP: the sqlite3 shell is not installed (apt-get install sqlite3)"; exit 77; }
exp=$HP_SRC/tests/golden/ranks
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

sh "$HP_SRC/tests/golden/fixture.sh" load export "$tmp/f.db" ||
	{ echo "FAIL: cannot build the fixture database"; exit 1; }

# rank JOB RANK KEEP: JOB.RANK.db, the worker's (tid 1001) samples kept where
# KEEP (an SQL condition on rowid) holds.
rank() {
	db=$tmp/$1.$2.db
	cp "$tmp/f.db" "$db"
	sqlite3 "$db" "INSERT INTO meta VALUES('mpi_rank', '$2');
		INSERT INTO meta VALUES('mpi_size', '4');
		INSERT INTO meta VALUES('mpi_job', 'job-$1');
		INSERT INTO meta VALUES('mpi_rank_from', 'OMPI_COMM_WORLD_RANK');
		UPDATE functions SET name = 'MPI_Allreduce', raw_name = 'MPI_Allreduce'
		  WHERE name = 'cold_loop';
		DELETE FROM samples WHERE tid = 1001 AND event = 0 AND NOT ($3);
		UPDATE meta SET value = (SELECT COUNT(*) FROM samples WHERE event = 0)
		  WHERE key = 'samples';" ||
		{ echo "FAIL: cannot make $1.$2.db"; exit 1; }
}
rank a 0 1
rank a 1 "rowid % 3 = 0"
rank a 2 "rowid % 3 = 1"
rank a 3 "rowid % 3 = 2"
rank b 0 "rowid % 2 = 0"
rank b 1 "rowid % 2 = 1"
rank b 2 "rowid % 2 = 0"
rank b 3 "rowid % 2 = 1 AND rowid % 7 <> 0"
for j in a b; do
	(cd "$tmp" && "$HPPROF" merge -o $j.db $j.0.db $j.1.db $j.2.db $j.3.db 2>"$j.merge") ||
		{ echo "FAIL: merge of job $j"; cat "$tmp/$j.merge"; exit 1; }
done

# check NAME COMMAND...: run COMMAND in $tmp, compare its stdout with NAME.expected
check() {
	name=$1
	shift
	if ! (cd "$tmp" && "$@") >"$tmp/$name.raw" 2>"$tmp/$name.err"; then
		echo "FAIL: $name: '$*' failed"
		cat "$tmp/$name.err"
		fail=1
		return
	fi
	sed 's/hpprof [0-9][0-9.]*[0-9]/hpprof VERSION/g' "$tmp/$name.raw" >"$tmp/$name"
	if [ "${HP_REGEN:-0}" = 1 ]; then
		cp "$tmp/$name" "$exp/$name.expected"
	elif ! cmp -s "$tmp/$name" "$exp/$name.expected"; then
		echo "FAIL: $name differs from $name.expected:"
		diff -u "$exp/$name.expected" "$tmp/$name" | head -40
		fail=1
	fi
}

check diff.txt         "$HPPROF" diff a.db b.db
check ranks.txt        "$HPPROF" diff --ranks -n 5 a.db b.db
check ranks.json       "$HPPROF" diff --ranks -f json a.db b.db
check ranks-same.txt   "$HPPROF" diff --ranks -n 3 b.db b.db
check diff-n2.json     "$HPPROF" diff -f json -n 2 a.db b.db
# the TUI's ranks view of the same two jobs (hpprof tui AFTER --diff BEFORE):
# the comparison, its call paths (Space), and after alone (d)
check tui.txt          "$HPPROF" tui --no-color --dump ranks --width 120 --height 40 b.db --diff a.db
check tui-total.txt    "$HPPROF" tui --no-color --dump ranks --width 120 --height 40 --keys '<space>' b.db --diff a.db
check tui-after.txt    "$HPPROF" tui --no-color --dump ranks --width 120 --height 30 --keys d b.db --diff a.db
# ... with --threshold/--alpha, under a rank and a time filter, and where
# nothing compares: a thread filter, a rank the before job (a3: ranks 0-2)
# lacks, a window past both jobs' ends
(cd "$tmp" && "$HPPROF" merge -o a3.db a.0.db a.1.db a.2.db 2>/dev/null) ||
	{ echo "FAIL: merge of job a without rank 3"; exit 1; }
check tui-alpha.txt    "$HPPROF" tui --no-color --dump ranks --width 120 --height 14 --threshold 20 --alpha 0.01 b.db --diff a.db
check tui-rank.txt     "$HPPROF" tui --no-color --dump ranks --width 120 --height 24 --rank 1 b.db --diff a.db
check tui-window.txt   "$HPPROF" tui --no-color --dump ranks --width 120 --height 24 --from 0.05 --to 0.1 b.db --diff a.db
check tui-thread.txt   "$HPPROF" tui --no-color --dump summary --width 100 --height 12 --keys tr b.db --diff a.db
check tui-missing.txt  "$HPPROF" tui --no-color --dump ranks --width 100 --height 12 --rank 3 b.db --diff a3.db
check tui-empty.txt    "$HPPROF" tui --no-color --dump ranks --width 100 --height 12 --from 5 b.db --diff a.db

[ "${HP_REGEN:-0}" = 1 ] && echo "regenerated the expectations in $exp"
exit $fail

#!/bin/sh
# timeline_diff_rank.sh - the timeline view of `hpprof tui --diff` under a
# rank filter (--rank 1): two "MPI jobs" made of the tui fixture - each
# rank a copy of it with run_info's mpi_rank, mpi_size and mpi_job set,
# merged with `hpprof merge` (which gives rank 1's threads other ids) -
# the after job whole, the before job with rank 0 cut at 50 ms and rank 1
# at 80 ms. Dumped, one after the other:
#   1. --rank 1: rank 1 of each job (its threads, samples and memory),
#      each header naming the rank;
#   2. --rank 1 --from 0.02 --to 0.04: the same with each run's samples of
#      rank 1 in the window [20 ms, 40 ms) from its start;
#   3. --rank 1 against a before job of ranks 0 and 2: nothing to compare,
#      the reason above the after job's rank 1;
#   4. --rank 0: the before header says rank 0 ran 50 ms (its own recorded
#      duration), not the job's 80 ms.
# Compared with timeline_diff_rank.txt; HP_REGEN=1 rewrites it.
set -eu
here="$HP_SRC/tests/golden/tui"
. "$here/lib.sh"
sh "$HP_SRC/tests/golden/fixture.sh" load tui "$tmp/fixture.db"
cd "$tmp"
# rank R DB [CUT_NS]: the fixture as rank R of a job (cut at CUT_NS)
rank() {
	cp fixture.db "$2"
	sqlite3 "$2" "INSERT OR REPLACE INTO meta VALUES ('mpi_rank', '$1');
		INSERT OR REPLACE INTO meta VALUES ('mpi_size', '2');
		INSERT OR REPLACE INTO meta VALUES ('mpi_job', 'fixture-job')"
	[ -z "${3-}" ] || golden_cut "$2" "$3"
}
rank 0 a0.db
rank 1 a1.db
rank 0 b0.db 50000000
rank 1 b1.db 80000000
rank 2 c2.db 80000000
"$HPPROF" merge -o after.db a0.db a1.db 2>/dev/null
"$HPPROF" merge -o before.db b0.db b1.db 2>/dev/null
"$HPPROF" merge -o other.db b0.db c2.db 2>/dev/null
dump() {
	NO_COLOR= LANG=C.UTF-8 "$HPPROF" tui --dump timeline --width 100 "$@" after.db
}
{
	dump --height 30 --rank 1 --diff before.db
	dump --height 30 --rank 1 --from 0.02 --to 0.04 --diff before.db
	dump --height 16 --rank 1 --diff other.db
	dump --height 16 --rank 0 --diff before.db
} > out.txt
golden_check timeline_diff_rank out.txt

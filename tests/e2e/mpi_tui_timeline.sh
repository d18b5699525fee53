#!/bin/sh
# The timeline view (8) of `hpprof tui AFTER --diff BEFORE` under a rank,
# thread or process filter (docs/mpi.md, hpprof-tui(1)): two real 4-rank
# jobs of hp-mpi-pi under Open MPI's mpirun (mpi_two_jobs: a.db before,
# b.db after, each merged), dumped as text (`tui --dump timeline`).
#   1. --rank R, for each rank: each run's header names rank R, says it ran
#      rank R's own recorded duration (runs.duration_ns, not the job's) and
#      its samples equal `hpprof report --rank R -f json`'s of that job; every
#      thread row drawn is one of rank R's ("rR ..."). The timeline alone
#      (no --diff) under --rank R draws only rank R's threads too.
#   2. --rank 1 --from/--to (the middle half of the after job): each
#      header's "N in the filter's window" equals `report --rank 1 --from
#      --to -f json`'s samples of that job.
#   3. A thread filter (t: the after job's busiest thread) on the two jobs:
#      the before job ran other processes, so unless it has a thread of
#      that id and name the screen says there is no comparison and why, and
#      draws the after job's thread alone, its samples those of `report
#      --tid`.
#   4. A thread and a process filter where they pair: b.db against b.db
#      cut at half its duration (the same recording, the same ids): each
#      header's samples equal `report --tid`/`--pid -f json`'s of its file.
# (3 and 4: tl_check_ids, tests/e2e/tui_timeline_lib.sh.)
# Every count is exact (the same samples counted two ways).
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/mpi_lib.sh"
. "$HP_SRC/tests/e2e/tui_timeline_lib.sh"
cd "$T" || fail "cd $T"

mpi_two_jobs 4e7 8

# --- 1. rank filter ---------------------------------------------------------
for r in 0 1 2 3; do
	tl_dump --rank $r b.db --diff a.db >r$r.txt || fail "tui --rank $r --diff"
	tl_check_side r$r.txt before a.db "rank $r" "$(tl_samples a.db --rank $r)"
	tl_check_side r$r.txt after b.db "rank $r" "$(tl_samples b.db --rank $r)"
	for side in before:a after:b; do   # "ran": the rank's own duration, not the job's
		tl_check_ran r$r.txt "${side%%:*}" "$(q "${side#*:}.db" "SELECT r.duration_ns
			FROM runs r JOIN run_meta m ON m.run = r.id
			WHERE m.key = 'mpi_rank' AND m.value = '$r'")"
	done
	rows=$(grep -c "^r[0-9]* [0-9]" r$r.txt)
	other=$(grep "^r[0-9]* [0-9]" r$r.txt | grep -vc "^r$r ")
	[ "$rows" -ge 2 ] && [ "$other" = 0 ] ||
		{ cat r$r.txt >&2; fail "--rank $r: $rows thread rows, $other of another rank"; }
	tl_dump --rank $r b.db >alone$r.txt || fail "tui --rank $r (no --diff)"
	rows=$(grep -c "^r[0-9]* [0-9]" alone$r.txt)
	other=$(grep "^r[0-9]* [0-9]" alone$r.txt | grep -vc "^r$r ")
	[ "$rows" -ge 1 ] && [ "$other" = 0 ] ||
		{ cat alone$r.txt >&2; fail "timeline alone, --rank $r: $rows thread rows, $other of another rank"; }
	note "rank $r: $(tl_head_samples r$r.txt before) samples before," \
		"$(tl_head_samples r$r.txt after) after (as report --rank $r)"
done

# --- 2. rank and time window -----------------------------------------------
dur=$(q b.db "SELECT value FROM meta WHERE key = 'duration_ns'")
from=$(awk -v d="$dur" 'BEGIN { printf "%.3f", d / 4e9 }')
to=$(awk -v d="$dur" 'BEGIN { printf "%.3f", 3 * d / 4e9 }')
tl_dump --rank 1 --from "$from" --to "$to" b.db --diff a.db >win.txt || fail "tui --rank 1 --from --to"
for side in before:a after:b; do
	got=$(tl_head_window win.txt "${side%%:*}")
	want=$(tl_samples "${side#*:}.db" --rank 1 --from "$from" --to "$to")
	[ -n "$got" ] && [ "$got" = "$want" ] ||
		{ cat win.txt >&2; fail "${side%%:*}: '$got' in the window [$from, $to) s of rank 1, report says $want"; }
	note "rank 1, [$from, $to) s: ${side%%:*} $got samples (report: $want)"
done

# --- 3, 4. thread and process filters ---------------------------------------
tl_check_ids b.db a.db
exit 0

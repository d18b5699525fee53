#!/bin/sh
# hpprof merge's run_info: the facts that add up over the runs are summed,
# not the first input's (wave 15: a merge of two --alloc runs said the
# first run's calls; a run without --alloc merged first made report say
# "Allocations: not tracked" while alloc_sites held the other run's; the
# off-CPU counts were the first run's while the off-cpu event summed them;
# and runs sampled at different rates were converted to time with the first
# run's period, so wall_profile and report's wall line were wrong).
#   - allocation counts (alloc_count, alloc_temporary, ...) are sums,
#     alloc_tracking says how many runs tracked allocations, and report
#     --memory shows the summed calls;
#   - offcpu_ns and offcpu_intervals are sums (= the off-cpu event's total);
#   - exit_status is the first failed run's when one failed (it said 0);
#   - cpu_sample_ns is kept when every run has the same, and removed when
#     they differ (no one figure converts the samples): each sample then
#     weighs its own run's period (wave 16; e2e merge_rates), so
#     wall_profile's on-CPU time is the runs' own summed, never a wrong
#     figure (wave 15 made it NULL).
# usage: merge_facts.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel diffusion

prun() {  # prun OUT.db [run options...]
	out=$1; shift
	"$HPPROF" run -q -o "$out" "$@" -k diffusion -- --variant lists --size 128 --steps 40 \
		>/dev/null 2>"$out.err" || { cat "$out.err" >&2; fail "hpprof run -o $out $*"; }
}
prun plain.db -F 1000
prun alloc1.db -F 1000 --alloc
prun alloc2.db -F 1000 --alloc
prun fast.db -F 2000
fact() { q "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
sum_fact() {  # sum_fact KEY DB...: the inputs' values added (absent = 0)
	k=$1; shift
	s=0
	for d in "$@"; do s=$((s + $(fact "$d" "$k" | sed 's/^$/0/'))); done
	echo $s
}

# Two --alloc runs: the sums.
"$HPPROF" merge -q -o aa.db alloc1.db alloc2.db || fail "merge alloc1 alloc2"
for k in alloc_count alloc_frees alloc_temporary alloc_stream_events; do
	assert_eq "merged $k" "$(fact aa.db $k)" "$(sum_fact $k alloc1.db alloc2.db)"
done
assert_eq "merged alloc_count = the allocs of alloc_sites" "$(fact aa.db alloc_count)" \
	"$(q aa.db "SELECT SUM(allocs) FROM alloc_sites")"
assert_eq "alloc_tracking of two exact runs" "$(fact aa.db alloc_tracking)" exact
"$HPPROF" report --memory aa.db >aa.txt 2>&1 || { cat aa.txt; fail "report --memory aa.db"; }
assert_contains "report --memory says the summed calls" aa.txt \
	"Allocations (exact): $(fact aa.db alloc_count) calls"

# The largest heap peak's pid as the merged file numbers it: the same run
# twice, the second's peak a byte higher - its pid, which the first input
# already used, is renumbered, and heap_peak_pid names the new number
# (it named the input's pid: the first run's process).
cp alloc1.db big.db
q big.db "UPDATE processes SET heap_peak = heap_peak + 1 WHERE pid =
	(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'heap_peak_pid');
	UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'heap_peak_bytes'"
"$HPPROF" merge -q -o ab.db alloc1.db big.db 2>/dev/null || fail "merge alloc1 big"
want=$(q ab.db "SELECT pid FROM processes WHERE run = 2 AND heap_peak = $(fact big.db heap_peak_bytes)")
assert_eq "merged heap_peak_pid (renumbered)" "$(fact ab.db heap_peak_pid)" "$want"
[ "$want" != "$(fact big.db heap_peak_pid)" ] || fail "the second input's pid was not renumbered"
# After a merged input (its runs stay runs of their own: e2e merge_of_merges)
# the next input's run is 3, not its input number 2: the peak is found there
# (it named alloc1's process); a merged input's peak, in whichever run has it.
"$HPPROF" merge -q -o aab.db aa.db big.db 2>/dev/null || fail "merge aa big"
want=$(q aab.db "SELECT pid FROM processes WHERE run = 3 AND heap_peak = $(fact big.db heap_peak_bytes)")
assert_eq "heap_peak_pid after a merged input" "$(fact aab.db heap_peak_pid)" "$want"
"$HPPROF" merge -q -o abp.db plain.db ab.db 2>/dev/null || fail "merge plain ab"
want=$(q abp.db "SELECT pid FROM processes WHERE run = 3 AND heap_peak = $(fact big.db heap_peak_bytes)")
assert_eq "heap_peak_pid of a merged input" "$(fact abp.db heap_peak_pid)" "$want"

# A run without --alloc first: the other run's allocations are not hidden.
"$HPPROF" merge -q -o pa.db plain.db alloc1.db || fail "merge plain alloc1"
assert_eq "merged alloc_count (plain first)" "$(fact pa.db alloc_count)" "$(fact alloc1.db alloc_count)"
assert_eq "alloc_tracking (plain first)" "$(fact pa.db alloc_tracking)" "exact; in 1 of 2 merged runs"
"$HPPROF" report --memory pa.db >pa.txt 2>&1 || { cat pa.txt; fail "report --memory pa.db"; }
if grep -q "not tracked" pa.txt; then
	cat pa.txt
	fail "report --memory of plain+alloc says allocations were not tracked"
fi
assert_contains "report --memory shows the alloc run's calls" pa.txt \
	"$(fact alloc1.db alloc_count) calls"

# A merged file merged again counts as one run; its mode is read without
# its "; in K of N" part (it made the mode "sampled").
"$HPPROF" merge -q -o paa.db pa.db alloc2.db || fail "merge pa alloc2"
assert_eq "alloc_tracking of a merge merged again" "$(fact paa.db alloc_tracking)" exact
assert_eq "merged alloc_count (merged again)" "$(fact paa.db alloc_count)" \
	"$(sum_fact alloc_count alloc1.db alloc2.db)"

# Off-CPU counts: sums, equal to the off-cpu event's total.
if [ -n "$(fact plain.db offcpu_ns)" ]; then
	assert_eq "merged offcpu_ns" "$(fact pa.db offcpu_ns)" "$(sum_fact offcpu_ns plain.db alloc1.db)"
	assert_eq "merged offcpu_intervals" "$(fact pa.db offcpu_intervals)" \
		"$(sum_fact offcpu_intervals plain.db alloc1.db)"
	assert_eq "offcpu_ns = the off-cpu event's total" "$(fact pa.db offcpu_ns)" \
		"$(q pa.db "SELECT total FROM events WHERE role = 'offcpu' AND measured")"
else
	note "these runs recorded no off-CPU time: its sums not checked"
fi

# Same rate: one CPU time per sample, kept.
assert_eq "cpu_sample_ns of runs at 1000 Hz" "$(fact pa.db cpu_sample_ns)" 1000000
# Different rates: no one figure, said, and each sample its own run's time.
"$HPPROF" merge -o pf.db plain.db fast.db 2>pf.err || { cat pf.err; fail "merge plain fast"; }
assert_eq "cpu_sample_ns of runs at 1000 and 2000 Hz" "$(fact pf.db cpu_sample_ns)" ""
assert_contains "merge says the rates differ" pf.err "sampled at different rates"
on() { q "$1" "SELECT COALESCE(SUM(self_on_ns), 'NULL') FROM wall_profile"; }
assert_eq "wall_profile on-CPU ns = the runs' own summed" "$(on pf.db)" \
	"$(($(on plain.db) + $(on fast.db)))"
assert_eq "merged samples" "$(fact pf.db samples)" "$(sum_fact samples plain.db fast.db)"
# A run whose program failed, merged after one that succeeded: the merged
# exit status is the failure's (it said 0), and merge names the run.
"$HPPROF" run -q -o fail.db -- sh -c 'exit 3' >/dev/null 2>&1
assert_eq "the failing run's status" "$(fact fail.db exit_status)" 3
"$HPPROF" merge -o pfail.db plain.db fail.db 2>pfail.err || { cat pfail.err; fail "merge plain fail"; }
assert_eq "merged exit_status" "$(fact pfail.db exit_status)" 3
assert_contains "merge names the failed run" pfail.err "'fail.db': its program exited with status 3"
assert_eq "each run keeps its own status" "$(q pfail.db "SELECT group_concat(exit_status) FROM runs")" "0,3"
# A run whose hpprof never finished it (run_info.unfinished, written by
# the reader that finished it): the merged file says how many.
cp plain.db unf.db
q unf.db "INSERT OR REPLACE INTO meta(key, value) VALUES ('unfinished', 'killed')"
"$HPPROF" merge -q -o pu.db plain.db unf.db || fail "merge plain unf"
assert_eq "merged unfinished" "$(fact pu.db unfinished)" \
	"1 of 2 merged runs were not finished by hpprof (killed, or a full disk): their exit status is unknown"
# How the lost samples were counted (run_info lost_count, wave 20): the
# kernel's count when every run's was, a lower bound when one run's was
# (a kernel without PERF_FORMAT_LOST: its rings' own reports only), and a
# report of the merge says so.
assert_eq "each run's lost_count" "$(fact plain.db lost_count)$(fact fast.db lost_count)" "kernelkernel"
assert_eq "merged lost_count, every run the kernel's" "$(fact pf.db lost_count)" "kernel"
cp plain.db rep.db
q rep.db "UPDATE meta SET value = 'reported only (test)' WHERE key = 'lost_count'"
"$HPPROF" merge -q -o pr.db plain.db rep.db || fail "merge plain rep"
assert_eq "merged lost_count, one run reported only" "$(fact pr.db lost_count)" \
	"reported only (1 of 2 merged runs counted only the losses their rings reported)"
"$HPPROF" report pr.db >pr.txt 2>&1 || fail "report pr.db"
assert_contains "report of the merge: a lower bound" pr.txt "(reported only)"
echo "PASS"

# Shared part of the realworld diff tests (sourced after lib.sh): a real
# change of known direction, hpprof diff against perf (diff_check.py).
# rw_diff "CMD_A" "CMD_B": the commands before and after the change, each a
# string split on blanks (no quoting). RUNS runs per side, alternating so a
# slow spell of the machine hits both sides:
#   hpprof run of perf stat -e task-clock of the command: the truth of the
#   whole run counted in the same execution (CI run 160: this machine's
#   second vCPU ran sqlite3 at half the speed of the first, 0.60 s against
#   0.32 s by taskset, so the separate perf stat runs, 0.35 s, and
#   hpprof's, 0.65 s, measured two speeds); perf stat's own start (a few
#   ms, the same on both sides) is in hpprof's figures and cancels out;
#   then one perf record -e cpu-clock per side (which functions changed);
#   hpprof diff -f json of RUNS + RUNS runs and of one run per side (with
#   --run-noise set to the runs' measured spread where it exceeds 10%).
RUNS=3
rw_diff() {
	rw_need perf linux-perf
	perf stat -x, -e task-clock -o probe.stat -- true >/dev/null 2>&1 ||
		skip "perf stat cannot count here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
	note "before: $1"
	note "after:  $2"
	for i in $(seq 1 $RUNS); do
		rw_reset
		rw_step hpa$i "$HPPROF" run -q -F "$FREQ" -o a$i.db -- \
			perf stat -x, -e task-clock -o a$i.stat -- $1
		rw_reset
		rw_step hpb$i "$HPPROF" run -q -F "$FREQ" -o b$i.db -- \
			perf stat -x, -e task-clock -o b$i.stat -- $2
	done
	rw_reset
	rw_step pa perf record -q -e cpu-clock -F "$FREQ" -o a.data -- $1
	rw_reset
	rw_step pb perf record -q -e cpu-clock -F "$FREQ" -o b.data -- $2
	rw_step reps "$HPPROF" diff -f json $(seq -f a%g.db 1 $RUNS) -- $(seq -f b%g.db 1 $RUNS)
	cp reps.out reps.json
	# One run per side assumes a run-to-run spread (--run-noise, 10%); the
	# repeated runs measure it (the whole run's pooled spread). Where this
	# machine spreads more (a 0.03 s run under load), the one-run diff is
	# judged with the spread measured: the check is then of the model, not
	# of the default (as diff_same.sh).
	noise=$("$PY" -c 'import json
print("%.1f" % (json.load(open("reps.json")).get("pool", {}).get("run_spread_pct") or 0))') ||
		fail "cannot read the runs' spread from reps.json"
	opt=""
	if "$PY" -c "import sys; sys.exit(float(sys.argv[1]) <= 10)" "$noise"; then
		note "the runs spread by ${noise}% (over $RUNS + $RUNS runs), more than the 10% assumed: --run-noise $noise"
		opt="--run-noise $noise"
	fi
	rw_step one "$HPPROF" diff -f json $opt a1.db b1.db
	cp one.out one.json
	"$HPPROF" diff -n 10 $opt a1.db b1.db | sed 's/^/# /'
	"$PY" "$RW/diff_check.py" --stat-a $(seq -f a%g.stat 1 $RUNS) \
		--stat-b $(seq -f b%g.stat 1 $RUNS) --perf-a a.data --perf-b b.data \
		--one one.json --reps reps.json ||
		fail "hpprof diff disagrees with perf (the checks marked FAIL above)"
	echo "PASS"
}

#!/bin/sh
# An MPI job profiled rank by rank (docs/mpi.md): `mpirun -np 4 hpprof run
# -o prof.%r.db hp-mpi-pi --skew 2` (rank 0 throws twice the darts of each
# other rank), then `hpprof merge`. Checked against the kernel's own truth
# lines, taken in the same run:
#   - every rank wrote its own file, with mpi_rank/mpi_size/mpi_job/hostname;
#   - each rank's split of its samples into compute and MPI time matches the
#     CPU time the rank measured inside its MPI calls (MPI_Init,
#     MPI_Allreduce, MPI_Finalize) and outside them;
#   - the load imbalance (max/mean of compute samples) matches the truth's,
#     which is about 2 * 4 / 5 = 1.6 by construction;
#   - rank 0 spends the least time in MPI (it is the one the others wait for):
#     hpprof's least-MPI rank is the truth's, and that is rank 0 whenever the
#     truth says so (on a loaded machine it may not; see below);
#   - merge keeps every rank's samples exactly, and rank_profile in the
#     merged file equals each rank's own;
#   - per function, min/mean/max across ranks and the rank of the max
#     (report --ranks -f json) equal what the per-rank databases hold;
#   - the pprof export labels every sample with rank, host, pid and tid, and
#     `go tool pprof -tagfocus` (when Go is installed) slices it by rank.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/mpi_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"

N=4
# 1.2e8 darts per rank but rank 0 (2.4e8) in 12 rounds: about 0.3 s of CPU
# for each of ranks 1-3 and 0.6 s for rank 0. Oversubscribed, Open MPI
# makes a waiting rank yield its core (sched_yield between polls), so a
# wait costs little CPU time and samples (which count CPU time) see little
# of it; mpi_yield_when_idle=0 makes the ranks busy-poll as they do on a
# node of their own, so that the waits in MPI_Allreduce are CPU time the
# samples see, and they outweigh the spread of MPI_Init's cost between ranks.
OMPI_MCA_mpi_yield_when_idle=0
export OMPI_MCA_mpi_yield_when_idle
mpirun_np $N "$HPPROF" run -q -o 'prof.%r.db' "$KDIR/hp-mpi-pi" --skew 2 --samples 1.2e8 \
	--rounds 12 >out.txt 2>err.txt || { cat err.txt out.txt >&2; fail "mpirun of 4 ranks"; }
grep -q "^mpi-pi: .* OK$" out.txt || { cat out.txt >&2; fail "no validation line"; }

# --- every rank's own file, and what it says about the rank ---------------
for r in 0 1 2 3; do
	[ -f "prof.$r.db" ] || fail "rank $r wrote no prof.$r.db"
	assert_eq "prof.$r.db mpi_rank" "$(q "prof.$r.db" "SELECT value FROM run_info WHERE key = 'mpi_rank'")" $r
	assert_eq "prof.$r.db mpi_size" "$(q "prof.$r.db" "SELECT value FROM run_info WHERE key = 'mpi_size'")" $N
	assert_eq "prof.$r.db hostname" "$(q "prof.$r.db" "SELECT value FROM run_info WHERE key = 'hostname'")" "$(uname -n)"
	[ -n "$(q "prof.$r.db" "SELECT value FROM run_info WHERE key = 'mpi_job'")" ] || fail "prof.$r.db: no mpi_job"
done
assert_eq "one job" "$(for r in 0 1 2 3; do q prof.$r.db "SELECT value FROM run_info WHERE key = 'mpi_job'"; done | sort -u | wc -l)" 1

"$HPPROF" merge -o job.db prof.0.db prof.1.db prof.2.db prof.3.db 2>merge.err ||
	{ cat merge.err >&2; fail "merge"; }
if grep -q warning merge.err; then cat merge.err >&2; fail "merge of a whole job warned"; fi

# --- merge keeps every rank's samples exactly -----------------------------
for r in 0 1 2 3; do
	own=$(q "prof.$r.db" "SELECT COUNT(*) FROM samples WHERE event = 0")
	assert_eq "rank $r: samples in the merged rank_profile" \
		"$(q job.db "SELECT samples FROM rank_profile WHERE rank = $r")" "$own"
	assert_eq "rank $r: its own rank_profile row, merged" \
		"$(q job.db "SELECT samples, compute_samples, mpi_samples FROM rank_profile WHERE rank = $r")" \
		"$(q "prof.$r.db" "SELECT samples, compute_samples, mpi_samples FROM rank_profile")"
done
assert_eq "merged samples" "$(q job.db "SELECT COUNT(*) FROM samples WHERE event = 0")" \
	"$(for r in 0 1 2 3; do q prof.$r.db "SELECT COUNT(*) FROM samples WHERE event = 0"; done | awk '{ s += $1 } END { print s }')"

# --- each rank's compute/MPI split against its own CPU time ---------------
# The truth of rank r: its process CPU time (every thread, start-up
# included), of which the time inside its MPI calls is MPI and the rest
# compute. hpprof's split of the rank's samples is a binomial estimate of
# that share: K_SIGMA standard errors, plus 3 points for what the two do
# not see alike: the MPI library's helper threads (the truth counts their
# CPU time as compute, their samples are MPI), the CPU time between fork
# and exec (in the process's clock, before sampling starts), and the
# system time of very short slices that cpu-clock samples undercount (here
# 5-10% fewer samples than CPU ms in ranks with much system time).
for r in 0 1 2 3; do
	cpu=$(rank_truth out.txt $r process main cpu_s)
	mpi=$(rank_mpi_cpu out.txt $r)
	[ -n "$cpu" ] || { cat out.txt >&2; fail "rank $r: no process truth line"; }
	share=$(ratio "$mpi" "$cpu")
	check_share "rank $r: MPI share of its samples" \
		"$(q job.db "SELECT mpi_samples FROM rank_profile WHERE rank = $r")" \
		"$(q job.db "SELECT samples FROM rank_profile WHERE rank = $r")" "$share" "$share" 3 \
		"$(unseen_pp prof.$r.db)"
done

# --- the load imbalance ---------------------------------------------------
# By construction the compute work is 2:1:1:1, i.e. max/mean = 2*4/5 = 1.6.
# The CPU time each rank took for its work is what samples measure, and on
# this oversubscribed machine it differs between ranks doing the same work
# (4 ranks, their 4 profilers and other jobs share 2 cores and their
# caches: 10-20% here), so the truth is the imbalance of the compute CPU
# time the ranks measured themselves (process minus MPI calls), not 1.6;
# the nominal value is printed beside it.
truth_imb=$(for r in 0 1 2 3; do
	awk -v c="$(rank_truth out.txt $r process main cpu_s)" -v m="$(rank_mpi_cpu out.txt $r)" \
		'BEGIN { printf "%.6f\n", c - m }'
done | awk '{ s += $1; if ($1 > max) max = $1 } END { printf "%.4f\n", max / (s / NR) }')
imb=$("$HPPROF" report --ranks -f json job.db | python3 -c 'import json, sys; print(json.load(sys.stdin)["ranks"]["imbalance"])')
# Tolerance: each rank's compute samples c_r are a binomial count out of its
# n_r samples, standard error sqrt(n_r p (1 - p)); the ratio max/mean has a
# relative error of at most sqrt((se_max/c_max)^2 + (se_sum/sum c)^2). K_SIGMA
# of those, plus 3% of the ratio for the definitions' differences above.
tol=$(q job.db "SELECT samples, compute_samples FROM rank_profile" | awk -F'|' -v k="$K_SIGMA" -v imb="$imb" '{
	n = $1; c = $2; p = n ? c / n : 0; v = n * p * (1 - p); var += v; sum += c
	if (c > cmax) { cmax = c; vmax = v }
} END { printf "%.4f\n", imb * (k * sqrt(vmax / (cmax * cmax) + var / (sum * sum)) + 0.03) }')
note "imbalance: hpprof $imb, truth $truth_imb (nominal 1.6), tolerance $tol"
awk -v a="$imb" -v b="$truth_imb" -v t="$tol" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }' ||
	fail "imbalance $imb is not the truth's $truth_imb (+-$tol)"
assert_eq "the rank with the most compute" \
	"$("$HPPROF" report --ranks -f json job.db | python3 -c 'import json, sys; print(json.load(sys.stdin)["ranks"]["imbalance_rank"])')" 0

# --- rank 0 waits least ---------------------------------------------------
# By construction rank 0 arrives last at every MPI_Allreduce, so the others
# wait for it and rank 0 spends the least CPU time in MPI. On this shared,
# oversubscribed machine the construction can fail: every rank's CPU time
# inside MPI_Init, MPI_Allreduce and MPI_Finalize also depends on when the
# scheduler runs it and its partners (4 ranks, 4 profilers and other jobs on
# 2 cores), and the kernel's own truth lines then name another rank. So the
# check is that hpprof finds the rank the truth names: the rank with the
# fewest MPI samples must have an MPI CPU time within the sampling error of
# the truth's least: a rank's error is K_SIGMA Poisson standard errors of
# its MPI samples (in seconds at the sampling frequency), plus 3% of its
# process CPU time for what the two do not see alike (as in the share checks
# above), plus the time its samples did not see (rank 3 of CI run 181,
# beside a CPU loop: 24 pp unseen, 331 MPI samples for 0.534 s). And when
# the truth's least is rank 0, as it is on a quiet machine, by more than
# the error of its difference from each other rank (the two Poisson errors
# in quadrature, 3% of the larger CPU time, both unseen times), it must be
# rank 0.
least=$(q job.db "SELECT rank FROM rank_profile ORDER BY mpi_samples, rank LIMIT 1")
for r in 0 1 2 3; do
	echo "$r $(rank_mpi_cpu out.txt $r) $(q job.db "SELECT mpi_samples FROM rank_profile WHERE rank = $r")" \
		"$(rank_truth out.txt $r process main cpu_s) $(unseen_s prof.$r.db)"
done >truth_mpi.txt
truth_least=$(sort -k2,2g truth_mpi.txt | head -n 1 | cut -d' ' -f1)
note "MPI samples by rank: $(q job.db "SELECT rank || ':' || mpi_samples FROM rank_profile" | tr '\n' ' ')"
note "rank, MPI CPU seconds (truth), MPI samples, process CPU seconds, unseen seconds: $(tr '\n' ',' <truth_mpi.txt)"
grep '^truth .*scope=calls name=MPI_' out.txt | sed 's/^/# /'
freq=$(q job.db "SELECT value FROM run_info WHERE key = 'frequency'")
verdict=$(awk -v r="$least" -v t="$truth_least" -v k="$K_SIGMA" -v f="$freq" '
	{ m[$1] = $2; n[$1] = $3 > 1 ? $3 : 1; cpu[$1] = $4; u[$1] = $5; tol[$1] = k * sqrt(n[$1]) / f + 0.03 * $4 + $5 }
	END {
		printf "# fewest MPI samples: rank %d (truth %.3f s); the truth least: rank %d (%.3f s); tolerance %.3f s\n", r, m[r], t, m[t], tol[r]
		if (!(m[r] - m[t] <= tol[r])) { print "far"; exit }
		clear = (t == 0)
		for (o = 1; o <= 3; o++)
			if (!(m[o] - m[0] > k * sqrt(n[o] + n[0]) / f + 0.03 * (cpu[o] > cpu[0] ? cpu[o] : cpu[0]) + u[o] + u[0])) clear = 0
		print (clear ? "clear" : "close")
	}' truth_mpi.txt)
echo "$verdict" | grep '^#'
case "$verdict" in
*far) fail "rank $least has the fewest MPI samples, but the truth's least MPI time is rank $truth_least's" ;;
*clear) assert_eq "the rank with the least MPI time (the truth's: rank 0, by more than the errors)" "$least" 0 ;;
*) note "the truth's least MPI time is rank $truth_least's, or not rank 0's by more than the errors: this machine's load blurred the construction in this run (hpprof agrees with the truth, checked above)" ;;
esac

# --- per function across ranks = the per-rank databases ------------------
"$HPPROF" report --ranks -n 0 -f json job.db >ranks.json || fail "report --ranks -f json"
for r in 0 1 2 3; do
	q "prof.$r.db" "SELECT function || '|' || COALESCE(module, '') || '|' || SUM(self_samples) || '|' ||
		SUM(total_samples) FROM function_profile GROUP BY function, module" >"f.$r.txt"
done
python3 - "$N" <<'EOF' || fail "per-function min/mean/max differ from the per-rank databases"
import json, sys
n = int(sys.argv[1])
per = []
for r in range(n):
    d = {}
    for line in open("f.%d.txt" % r):
        name, module, s, t = line.rstrip("\n").rsplit("|", 3)
        d[(name, module)] = (int(s), int(t))
    per.append(d)
funcs = json.load(open("ranks.json"))["ranks"]["functions"]
keys = [(f["function"], f["module"]) for f in funcs]
bad = checked = 0
for f in funcs:
    key = (f["function"], f["module"])
    if keys.count(key) > 1:          # two functions of one name in a module: not comparable by name
        continue
    for i, kind in enumerate(("self", "total")):
        v = [per[r].get(key, (0, 0))[i] for r in range(n)]
        want = (min(v), round(sum(v) / n, 4), max(v), v.index(max(v)))
        got = (f[kind + "_min"], round(f[kind + "_mean"], 4), f[kind + "_max"], f[kind + "_max_rank"])
        if want != got:
            print("FAIL: %s %s: merged %s, per-rank databases %s" % (key[0], kind, got, want))
            bad += 1
    checked += 1
print("# %d functions: min/mean/max and the rank of the max equal the per-rank databases'" % checked)
sys.exit(1 if bad or checked < 10 else 0)
EOF

# --- pprof labels ---------------------------------------------------------
"$HPPROF" export -f pprof -o job.pb.gz job.db || fail "export -f pprof"
if command -v protoc >/dev/null 2>&1; then
	zcat job.pb.gz | protoc --decode=perftools.profiles.Profile -I "$HP_SRC/tests/fixtures" \
		"$HP_SRC/tests/fixtures/profile.proto" >job.pb.txt || fail "protoc cannot decode the pprof export"
	python3 - <<'EOF' || fail "pprof samples without their rank, host, pid and tid labels"
import re
text = open("job.pb.txt").read()
strings = [eval(s) for s in re.findall(r'^string_table: (".*")$', text, re.M)]
want = {"rank", "host", "pid", "tid"}
samples = re.findall(r"^sample \{\n(.*?)^\}", text, re.M | re.S)
bad = 0
ranks = {}
for s in samples:
    keys = {strings[int(k)] for k in re.findall(r"key: (\d+)", s)}
    if not want <= keys:
        bad += 1
    for k, v in re.findall(r"label \{\s*key: (\d+)\s*str: (\d+)\s*\}", s):
        if strings[int(k)] == "rank":
            ranks[strings[int(v)]] = ranks.get(strings[int(v)], 0) + int(re.findall(r"value: (\d+)", s)[0])
print("# pprof: %d samples, %d without all of %s; samples per rank label %s" % (len(samples), bad, sorted(want), ranks))
open("pprof_ranks.txt", "w").write("".join("%s|%d\n" % (r, ranks[r]) for r in sorted(ranks)))
raise SystemExit(1 if bad or not samples else 0)
EOF
	assert_eq "samples per rank label in pprof" "$(cat pprof_ranks.txt)" \
		"$(q job.db "SELECT rank || '|' || samples FROM rank_profile ORDER BY rank")"
else
	note "protoc is not installed: pprof labels not decoded"
fi
if command -v go >/dev/null 2>&1; then
	export HOME="$T" GOCACHE="$T/gocache" GOPATH="$T/gopath"
	for r in 0 3; do
		# a string label: a regular expression selects it (a bare number would be a numeric range)
		got=$(go tool pprof -tags -tagfocus="rank=^$r\$" job.pb.gz 2>/dev/null |
			awk '/^ rank:/ { on = 1; next } on && NF == 0 { on = 0 } on { print $NF }' | tr '\n' ' ')
		assert_eq "go tool pprof -tagfocus rank=^$r\$: the rank label values left" "$got" "$r "
	done
else
	note "go is not installed: go tool pprof -tagfocus not tried"
fi
note "PASS"

#!/bin/sh
# `hpprof diff` of two MPI jobs (docs/mpi.md, "diff"): two 4-rank jobs of
# hp-mpi-pi under mpirun, `--skew 2` (rank 0 throws twice the darts of each
# other rank) before and `--skew 1` (every rank the same) after, each
# merged from its per-rank files. Checked in the same run:
#   - per function, the diff's min/mean/max across ranks and the rank of
#     the max, self and total, before and after, equal those computed here
#     from the per-rank databases (exact: the same samples);
#   - the diff's imbalance of each job is that job's `report --ranks`
#     figure, and its change is after - before;
#   - each job's imbalance matches the truth the ranks measured themselves
#     (their compute CPU time: process CPU time minus the CPU time inside
#     their MPI calls), nominally 1.6 before and 1.0 after; it falls by more
#     than the noise, and the diff says "better balanced"; --fail-if on the
#     imbalance fails on that fall as a gate asks and passes otherwise.
# env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
. "$HP_SRC/tests/e2e/mpi_lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"

N=4
# As e2e_mpi_imbalance: 1.2e8 darts per rank in 12 rounds (rank 0 twice
# that with --skew 2), busy-polling waits so that the waits are CPU time
# the samples see.
mpi_two_jobs 1.2e8 12

"$HPPROF" diff --ranks -n 0 -f json a.db b.db >diff.json || fail "diff --ranks -f json"
"$HPPROF" diff a.db b.db >diff.txt || fail "diff"
sed 's/^/# /' diff.txt | sed -n '/MPI ranks:/,$p' | head -40

# --- per function across ranks = the per-rank databases ------------------
for f in a b; do
	for r in 0 1 2 3; do
		q "$f.$r.db" "SELECT function || '|' || COALESCE(module, '') || '|' || SUM(self_samples) || '|' ||
			SUM(total_samples) FROM function_profile GROUP BY function, module" >"f.$f.$r.txt"
	done
done
python3 - "$N" <<'EOF' || fail "per-function min/mean/max of the diff differ from the per-rank databases"
import json, os, sys
n = int(sys.argv[1])
def per_rank(job):
    per = []
    for r in range(n):
        d = {}
        for line in open("f.%s.%d.txt" % (job, r)):
            name, module, s, t = line.rstrip("\n").rsplit("|", 3)
            key = (name, os.path.basename(module))
            if key in d:              # one name twice in a module basename: summed, as diff joins them
                d[key] = (d[key][0] + int(s), d[key][1] + int(t))
            else:
                d[key] = (int(s), int(t))
        per.append(d)
    return per
sides = {"before": per_rank("a"), "after": per_rank("b")}
funcs = json.load(open("diff.json"))["functions"]
keys = [(f["function"], f["module"]) for f in funcs]
bad = checked = 0
for f in funcs:
    key = (f["function"], f["module"])
    if keys.count(key) > 1:
        print("FAIL: %s listed twice" % (key,))
        bad += 1
        continue
    for side, per in sides.items():
        for i, kind in enumerate(("self", "total")):
            v = [per[r].get(key, (0, 0))[i] for r in range(n)]
            m = max(v)
            want = (min(v), round(sum(v) / n, 4), m, v.index(m) if m else None)
            got = f[side]
            got = (got[kind + "_min"], round(got[kind + "_mean"], 4), got[kind + "_max"],
                   got[kind + "_max_rank"])
            if want != got:
                print("FAIL: %s %s %s: diff %s, per-rank databases %s" % (key[0], side, kind, got, want))
                bad += 1
    checked += 1
want_keys = set(k for per in sides.values() for d in per for k, v in d.items() if v[1] > 0)
if set(keys) != want_keys:
    print("FAIL: the diff lists %d functions, the per-rank databases hold %d; missing %s" %
          (len(keys), len(want_keys), sorted(want_keys - set(keys))[:5]))
    bad += 1
print("# %d functions: min/mean/max and the rank of the max, before and after, equal the per-rank databases'" % checked)
sys.exit(1 if bad or checked < 10 else 0)
EOF

# --- the imbalance: the jobs' own figures, and their change --------------
jq_py() { python3 -c "import json, sys; d = json.load(open('$1')); print($2)"; }
for f in a b; do
	"$HPPROF" report --ranks -f json "$f.db" >"$f.ranks.json" || fail "report --ranks $f.db"
done
side_of() { [ "$1" = a ] && echo before || echo after; }
for f in a b; do
	assert_eq "diff: imbalance of job $f = its report --ranks" \
		"$(jq_py diff.json "'%.4f' % d['$(side_of $f)']['imbalance']")" \
		"$(jq_py "$f.ranks.json" "'%.4f' % d['ranks']['imbalance']")"
done
ib=$(jq_py diff.json "d['imbalance']['before']")
ia=$(jq_py diff.json "d['imbalance']['after']")
# (the JSON prints all three to 4 places: each is within 0.5e-4 of its
# value, so the printed change is within 1.5e-4 of after - before as printed)
assert_eq "diff: imbalance change = after - before" \
	"$(jq_py diff.json "abs(d['imbalance']['change'] - (d['imbalance']['after'] - d['imbalance']['before'])) <= 1.5e-4 + 1e-12")" True

# --- against the truth ----------------------------------------------------
# The truth of a job: max/mean of the ranks' compute CPU time, which they
# measured themselves (process CPU time minus the time inside MPI calls);
# nominally 2*4/5 = 1.6 with --skew 2 and 1.0 with --skew 1, but on this
# oversubscribed machine ranks doing the same work take 10-20% different
# CPU times (e2e_mpi_imbalance says why), so the truth is what they measured.
# Tolerance, as in e2e_mpi_imbalance: each rank's compute samples are a
# binomial count out of its samples; the ratio's relative standard error is
# at most sqrt((se_max/c_max)^2 + (se_sum/sum c)^2); K_SIGMA of those plus 3%
# of the ratio for what samples and the truth do not see alike.
# rank_compute OUT RANK: the rank's compute CPU seconds by its own clocks
rank_compute() {
	awk -v c="$(rank_truth "$1" $2 process main cpu_s)" -v m="$(rank_mpi_cpu "$1" $2)" \
		'BEGIN { printf "%.6f\n", c - m }'
}
truth_imb() {
	for r in 0 1 2 3; do rank_compute "$1" $r; done | awk '{ s += $1; if ($1 > max) max = $1 } END { printf "%.4f\n", max / (s / NR) }'
}
tol_of() {
	q "$1" "SELECT samples, compute_samples FROM rank_profile" | awk -F'|' -v k="$K_SIGMA" -v imb="$2" '{
		n = $1; c = $2; p = n ? c / n : 0; v = n * p * (1 - p); var += v; sum += c
		if (c > cmax) { cmax = c; vmax = v }
	} END { printf "%.4f\n", imb * (k * sqrt(vmax / (cmax * cmax) + var / (sum * sum)) + 0.03) }'
}
# unseen_tol JOB OUT IMB: the part of a tolerance for the CPU time the
# ranks' samples did not see (run_info unseen_ns, tests/e2e/unseen.py: a
# host's steal, which this kind of VM does not report; CI run 175: after
# 1.0042 against its truth's 1.2781). All of rank r's U_r may have been
# compute: its compute time moves by U_r / c_r and the mean by sum U /
# sum c, so IMB x (max_r U_r / c_r + sum U / sum c).
unseen_tol() {
	for r in 0 1 2 3; do
		echo "$(unseen_s "$1.$r.db") $(rank_compute "$2" $r)"
	done | awk -v imb="$3" '{ if ($2 > 0 && $1 / $2 > m) m = $1 / $2; u += $1; c += $2 }
		END { printf "%.4f\n", imb * (m + (c > 0 ? u / c : 0)) }'
}
tb=$(truth_imb a.out)
ta=$(truth_imb b.out)
ub=$(unseen_tol a a.out "$ib")
ua=$(unseen_tol b b.out "$ia")
note "unseen by the samples: +$ub before, +$ua after (of the imbalance)"
tolb=$(awk -v t="$(tol_of a.db "$ib")" -v u="$ub" 'BEGIN { printf "%.4f\n", t + u }')
tola=$(awk -v t="$(tol_of b.db "$ia")" -v u="$ua" 'BEGIN { printf "%.4f\n", t + u }')
note "imbalance before (--skew 2): hpprof $ib, truth $tb (nominal 1.6), tolerance $tolb"
note "imbalance after (--skew 1): hpprof $ia, truth $ta (nominal 1.0), tolerance $tola"
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }'; }
within "$ib" "$tb" "$tolb" || fail "imbalance before $ib is not the truth's $tb (+-$tolb)"
within "$ia" "$ta" "$tola" || fail "imbalance after $ia is not the truth's $ta (+-$tola)"
# It falls. The truth's imbalance is the ranks' own CPU time, without
# sampling error; hpprof's change has the sampling error of both jobs'
# compute samples: se_change = sqrt(se_before^2 + se_after^2), each se of
# max/mean by the delta method with each rank's compute samples binomial
# out of its samples, the rank of the max held fixed (I = n c_m / S:
# var(ln I) = v_m (1/c_m - 1/S)^2 + sum over r != m of v_r / S^2; test_ranks
# checks it against simulated jobs). The 3% allowance of the tolerances
# above is for what samples and the truth do not see alike, in the same way
# in both jobs, so it is counted once: margin = K_SIGMA * se_change + 3% of
# the truth's mean imbalance. When the truth fell by more than margin +
# K_SIGMA * se_change (by construction 1.6 -> 1.0; if this machine's load
# made the truth itself fall less, say so), hpprof's fall must be beyond
# K_SIGMA * se_change, and the diff must judge it "better balanced".
se_of() {
	q "$1" "SELECT samples, compute_samples FROM rank_profile" | awk -F'|' -v imb="$2" '{
		n[NR] = $1; c[NR] = $2; sum += $2; if ($2 > cmax) { cmax = $2; m = NR }
	} END {
		for (r = 1; r <= NR; r++) {
			v = n[r] ? c[r] * (n[r] - c[r]) / n[r] : 0
			d = r == m ? 1 / c[r] - 1 / sum : -1 / sum
			var += v * d * d
		}
		printf "%.5f\n", imb * sqrt(var)
	}'
}
# hpprof's own figure of each se (JSON, 4 decimals) is this one: within
# 1e-4, the rounding of the JSON's imbalance and se.
for f in a b; do
	imb=$ib; [ $f = b ] && imb=$ia
	got=$(jq_py diff.json "d['$(side_of $f)']['imbalance_se']")
	want=$(se_of $f.db "$imb")
	note "job $f: imbalance_se $got, computed here $want"
	awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d <= 1e-4 && -d <= 1e-4) }' ||
		fail "job $f: imbalance_se $got is not the delta method's $want"
done
se_change=$(awk -v a="$(se_of a.db "$ib")" -v b="$(se_of b.db "$ia")" 'BEGIN { printf "%.5f\n", sqrt(a * a + b * b) }')
margin=$(awk -v s="$se_change" -v k="$K_SIGMA" -v b="$tb" -v a="$ta" 'BEGIN { printf "%.4f\n", k * s + 0.03 * (a + b) / 2 }')
note "the fall: hpprof $ib -> $ia, truth $tb -> $ta; sampling error of the change $se_change, margin $margin"
if awk -v b="$tb" -v a="$ta" -v m="$margin" -v s="$se_change" -v k="$K_SIGMA" \
	'BEGIN { exit !(b - a > m + k * s) }'; then
	awk -v b="$ib" -v a="$ia" -v s="$se_change" -v k="$K_SIGMA" 'BEGIN { exit !(b - a > k * s) }' ||
		fail "the imbalance did not fall beyond the noise: $ib -> $ia (K_SIGMA x $se_change)"
	assert_eq "diff: the imbalance's verdict" "$(jq_py diff.json "d['imbalance']['verdict']")" better
	assert_contains "diff text: the verdict" diff.txt "better balanced"
	# as a CI gate: such a fall (over 20% of the before imbalance; ~35%
	# nominal) is beyond -10% with its whole interval (a few % of the
	# before value wide), and the same jobs swapped rise beyond +5%
	"$HPPROF" diff --fail-if 'imbalance<-10%' a.db b.db >/dev/null 2>gate.err
	assert_eq "diff --fail-if 'imbalance<-10%': exit status" $? 3
	sed 's/^/# /' gate.err
	"$HPPROF" diff --fail-if 'imbalance>+5%' b.db a.db >/dev/null 2>gate.err
	assert_eq "diff --fail-if 'imbalance>+5%' b.db a.db (a rise): exit status" $? 3
	"$HPPROF" diff --fail-if 'imbalance>+5%' a.db b.db >/dev/null 2>gate.err
	assert_eq "diff --fail-if 'imbalance>+5%' a.db b.db (a fall): exit status" $? 0
else
	note "the truth's imbalance fell by less than margin + K_SIGMA x se_change in this run ($tb -> $ta): this machine's load broke the construction; hpprof agrees with the truth (checked above)"
fi
assert_contains "diff text: the ranks" diff.txt "MPI ranks: 4 before, 4 after"
assert_contains "diff text: functions across ranks" diff.txt "Functions across ranks (self samples per rank, before and after)"
note "PASS"

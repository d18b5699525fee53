#!/bin/sh
# Benchmark (label bench; docs/mpi.md "Measured"): one MPI job of hp-mpi-pi
# (4 ranks oversubscribed on this machine, --skew 2, busy-polling waits)
# profiled by hpprof and, on the same job, by perf (`perf record
# --call-graph dwarf` wrapping each rank's `hpprof run`), both against the
# kernel's own truth lines: each rank's share of CPU time inside MPI calls
# and the compute imbalance. mpiP, HPCToolkit and Score-P are not in
# Debian 12; perf is the independent tool here. Then the cost of hpprof:
# the job's wall time without a profiler and under hpprof. Figures only:
# issue 18 names no performance target, so there is no budget.
# env: HP_BUILD, HPPROF
set -u
B=${HP_BUILD:?HP_BUILD is not set}
HPPROF=${HPPROF:-$B/hpprof}
K=$B/kernels
command -v mpirun >/dev/null 2>&1 || { echo "SKIP: mpirun is not installed (openmpi-bin)"; exit 77; }
[ -x "$K/hp-mpi-pi" ] || { echo "SKIP: hp-mpi-pi is not built (libopenmpi-dev)"; exit 77; }
command -v perf >/dev/null 2>&1 || { echo "SKIP: perf is not installed (linux-perf)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# Waiting ranks busy-poll, as on a node of their own (oversubscribed, Open
# MPI would otherwise yield the core between polls).
OMPI_MCA_mpi_yield_when_idle=0
export OMPI_MCA_mpi_yield_when_idle
ARGS="--skew 2 --samples 1.2e8 --rounds 12"
job() {  # job CMD...: 4 ranks of CMD; prints the wall seconds
	root=
	[ "$(id -u)" = 0 ] && root=--allow-run-as-root
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	mpirun $root --oversubscribe --bind-to none -np 4 "$@" </dev/null >>out.txt 2>>err.txt ||
		{ cat err.txt >&2; echo "FAIL: mpirun $*" >&2; exit 1; }
	awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }'
}

# --- hpprof and perf on the same job, against the truth -------------------
job sh -c "exec perf record -q -F 1000 --call-graph dwarf,16384 -o perf.\$OMPI_COMM_WORLD_RANK.data \
	-- '$HPPROF' run -q -o prof.%r.db '$K/hp-mpi-pi' $ARGS" >/dev/null
"$HPPROF" merge -o job.db prof.0.db prof.1.db prof.2.db prof.3.db 2>/dev/null ||
	{ echo "FAIL: merge" >&2; exit 1; }
"$HPPROF" report --ranks -f json job.db >ranks.json || { echo "FAIL: report --ranks" >&2; exit 1; }
for r in 0 1 2 3; do
	perf script -i "perf.$r.data" --comms hp-mpi-pi -F comm,tid,ip,sym,dso >"perf.$r.txt" 2>/dev/null
done
python3 - <<'PY' || exit 1
import json, re
# The truth: per rank, CPU seconds of the process and inside its MPI calls.
cpu, mpi = {}, {}
for line in open("out.txt"):
    if not line.startswith("truth "):
        continue
    f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    if "rank" not in f:
        continue
    r = int(f["rank"])
    if f["scope"] == "process":
        cpu[r] = float(f["cpu_s"])
    elif f["scope"] == "calls" and f["name"].startswith("MPI_"):
        mpi[r] = mpi.get(r, 0.0) + float(f["cpu_s"])
# perf: a sample is MPI time when a frame is in an MPI library or an MPI_ function
# (hpprof's rule, analyzer/stacks.c).
libs = ("libmpi", "libopen-pal", "libopen-rte", "libmca_", "libpmix", "libpmi", "mca_")
def perf_split(path):
    n = m = 0
    for block in open(path).read().split("\n\n"):
        lines = [l for l in block.split("\n") if l.strip()]
        if not lines:
            continue
        n += 1
        for fr in lines[1:]:
            x = re.match(r"\s*[0-9a-f]+\s+(\S+)\s+\((.*)\)", fr)
            if x and (x.group(1).startswith(("MPI_", "PMPI_")) or "/openmpi/" in x.group(2)
                      or x.group(2).rsplit("/", 1)[-1].startswith(libs)):
                m += 1
                break
    return n, m
hp = {r["rank"]: r for r in json.load(open("ranks.json"))["ranks"]["rows"]}
def imb(c):
    return max(c) / (sum(c) / len(c))
print("MPI share of each rank's CPU time (%), one job of 4 ranks, hp-mpi-pi --skew 2")
print("%4s  %8s  %8s  %8s   %s" % ("rank", "truth", "hpprof", "perf", "samples hpprof/perf"))
tc, hc, pc = [], [], []
for r in range(4):
    pn, pm = perf_split("perf.%d.txt" % r)
    h = hp[r]
    print("%4d  %8.2f  %8.2f  %8.2f   %d/%d" % (r, 100 * mpi[r] / cpu[r],
          100.0 * h["mpi_samples"] / h["samples"], 100.0 * pm / max(pn, 1), h["samples"], pn))
    tc.append(cpu[r] - mpi[r]); hc.append(h["samples"] - h["mpi_samples"]); pc.append(pn - pm)
print("compute imbalance (max/mean): truth %.3f  hpprof %.3f  perf %.3f  (nominal 2*4/5 = 1.6)"
      % (imb(tc), imb(hc), imb(pc)))
PY

# --- what hpprof costs the job --------------------------------------------
: >out.txt
plain=$(job "$K/hp-mpi-pi" $ARGS)
prof=$(job "$HPPROF" run -q -o 'cost.%r.db' "$K/hp-mpi-pi" $ARGS)
echo "job wall time: without a profiler ${plain} s, under hpprof run ${prof} s" \
	"($(awk -v a="$prof" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')x; 4 ranks and 4 profilers on $(nproc) cores)"
exit 0
